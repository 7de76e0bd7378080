// The client's own API: task logs for `alloc logs`, and in-place restarts the servers forward.

import * as grpc from "@grpc/grpc-js";
import * as pb from "../proto/index.js";
import type { Logger } from "../shared/log.js";
import type { AllocRunnerLike } from "./agent.js";
import { readLogFrames } from "./logs/index.js";
import { writable } from "../shared/streams.js";

export interface RunnerLookup {
  runner(allocId: string): AllocRunnerLike | undefined;
}

function notFound(what: string): Partial<grpc.StatusObject> {
  return { code: grpc.status.NOT_FOUND, details: `${what} not found on this client` };
}

export const clientApi = {
  logs(lookup: RunnerLookup, logger: Logger): pb.ClientLogsServer {
    return {
      stream: (call) => {
        const req = call.request;
        const runner = lookup.runner(req.allocId);
        if (!runner) {
          call.emit("error", Object.assign(new Error("not found"), notFound(`allocation "${req.allocId}"`)));
          return;
        }
        const abort = new AbortController();
        call.on("cancelled", () => abort.abort());
        call.on("close", () => abort.abort());
        const stream = req.type === pb.LogStreamType.STDERR ? "stderr" : "stdout";
        const run = async () => {
          for await (const frame of readLogFrames({
            dir: runner.logDir, task: req.task, stream, follow: req.follow, signal: abort.signal,
            origin: req.origin === pb.LogOrigin.END ? "end" : "start", offsetBytes: req.offset,
            ...(req.tailLines > 0 ? { tailLines: req.tailLines } : {}),
          })) {
            if (!call.write({ file: frame.file, offset: frame.offset, data: frame.data, fileEvent: "" })) await writable(call, abort.signal);
            if (abort.signal.aborted) break;
          }
        };
        run().then(() => call.end(), (err: Error) => {
          if (abort.signal.aborted) return;
          logger.warn("log stream failed", { allocId: req.allocId, task: req.task, error: err.message });
          call.emit("error", Object.assign(new Error(err.message), { code: grpc.status.NOT_FOUND, details: err.message }));
        });
      },
    };
  },

  allocations(lookup: RunnerLookup, logger: Logger): pb.ClientAllocationsServer {
    return {
      restart: (call, callback) => {
        const runner = lookup.runner(call.request.allocId);
        if (!runner) return callback(notFound(`allocation "${call.request.allocId}"`));
        runner.restart(call.request.taskName || undefined, call.request.allTasks).then(
          () => callback(null, {}),
          (err: Error) => {
            logger.warn("restart failed", { allocId: call.request.allocId, error: err.message });
            callback({ code: grpc.status.FAILED_PRECONDITION, details: err.message });
          },
        );
      },
    };
  },
};
