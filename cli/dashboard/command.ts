// `nomadish ui`: the terminal dashboard. Wires the model, its data source (polling and the event
// stream) and the screen together, and restores the terminal on `q`, ctrl-c and SIGINT/SIGTERM.

import * as grpc from "@grpc/grpc-js";
import * as pb from "../../proto/index.js";
import { SERVER_CHANNEL_OPTIONS } from "../../shared/api/channel.js";
import { ApiClient, parseAddresses } from "../../shared/api/client.js";
import { UserError } from "../../shared/errors.js";
import { ADDRESS_FLAG, DEFAULT_ADDRESS, WRITE_OPTIONS } from "../api.js";
import type { Command } from "../command.js";
import { shortId } from "../ids.js";
import { DashboardApp, type DashboardActions } from "./app.js";
import type { LogSource } from "./logs.js";
import { DashboardModel } from "./model.js";
import { DashboardSource } from "./source.js";
import { LIST_VIEWS, type ListView } from "./views.js";

/** Deadline of list loads and actions; polls use their own, much shorter one. */
const REQUEST_TIMEOUT_MS = 5_000;

/** The deadline of a drain started from the dashboard (as `node drain -enable` without -deadline). */
export const DRAIN_DEADLINE_MS = 60 * 60 * 1000;
/** How much of a task's existing output the logs view starts with. */
const LOG_TAIL_LINES = 1_000;

export function serverActions(client: ApiClient): DashboardActions {
  return {
    async stopJob(jobId) {
      const response = await client.call(pb.JobsService.deregister, { jobId, purge: false, options: WRITE_OPTIONS }, "write");
      return `job "${jobId}" stopped (evaluation ${shortId(response.evalId)})`;
    },
    async stopAlloc(allocId) {
      const response = await client.call(pb.AllocationsService.stop, { allocId, noShutdownDelay: false, options: WRITE_OPTIONS }, "write");
      return `allocation ${shortId(allocId)} stopped${response.evalId ? ` (evaluation ${shortId(response.evalId)})` : ""}`;
    },
    async restartAlloc(allocId) {
      await client.call(pb.AllocationsService.restart, { allocId, taskName: "", allTasks: false }, "write");
      return `allocation ${shortId(allocId)} restarting`;
    },
    async setDrain(nodeId, enable) {
      await client.call(pb.NodesService.updateDrain, {
        nodeId, drain: enable ? { deadlineMs: DRAIN_DEADLINE_MS, force: false, ignoreSystemJobs: false } : undefined,
        markEligible: !enable, options: WRITE_OPTIONS,
      }, "write");
      return `node ${shortId(nodeId)} ${enable ? "draining (deadline 1h)" : "drain cancelled"}`;
    },
    async setEligibility(nodeId, eligible) {
      const eligibility = eligible ? pb.SchedulingEligibility.ELIGIBLE : pb.SchedulingEligibility.INELIGIBLE;
      await client.call(pb.NodesService.updateEligibility, { nodeId, eligibility, options: WRITE_OPTIONS }, "write");
      return `node ${shortId(nodeId)} ${eligible ? "eligible" : "ineligible"} for scheduling`;
    },
    async transferLeadership() {
      const response = await client.call(pb.OperatorService.transferLeadership, {}, "write");
      return `leadership transferred to ${response.newLeaderId} (term ${response.term})`;
    },
  };
}

/**
 * Streams a task's stdout with follow from the client running it (ClientLogs.Stream on the
 * node's address, as `alloc logs -f`), found through the dashboard's model or else the servers.
 */
export function clientLogSource(model: DashboardModel, client: ApiClient): LogSource {
  return {
    open(allocId, task, handlers) {
      let call: grpc.ClientReadableStream<pb.ClientLogsStreamResponse> | undefined;
      let channel: grpc.Client | undefined;
      let cancelled = false;
      const finish = (error?: string) => {
        channel?.close();
        if (!cancelled) handlers.end(error);
        cancelled = true;
      };
      void (async () => {
        const nodeId = model.allocations.get(allocId)?.nodeId ?? "";
        let address = model.nodes.get(nodeId)?.httpAddr;
        if (!address) {
          const { node } = await client.call(pb.NodesService.get, { nodeId, options: { minIndex: 0, maxWaitMs: 0, stale: true, namespace: "", region: "" } }, "read");
          address = node?.httpAddr;
        }
        if (!address) throw new Error(`node ${shortId(nodeId)} has no address to read logs from`);
        if (cancelled) return;
        channel = new grpc.Client(address, grpc.credentials.createInsecure(), SERVER_CHANNEL_OPTIONS);
        const method = pb.ClientLogsService.stream;
        call = channel.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, {
          allocId, task, type: pb.LogStreamType.STDOUT, follow: true, origin: pb.LogOrigin.START, offset: 0, tailLines: LOG_TAIL_LINES,
        });
        call.on("data", (frame: pb.ClientLogsStreamResponse) => { if (!cancelled) handlers.data(frame.data); });
        call.on("error", (err: grpc.ServiceError) => finish(err.code === grpc.status.CANCELLED ? undefined : err.details || grpc.status[err.code]));
        call.on("end", () => finish());
      })().catch((err: unknown) => finish(err instanceof Error ? err.message : String(err)));
      return () => {
        if (cancelled) return;
        cancelled = true;
        call?.cancel();
        channel?.close();
      };
    },
  };
}

/** Colour only on a terminal, and never with -no-color or a NO_COLOR set to anything. */
export function useColor(isTTY: boolean, noColorFlag: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  return isTTY && !noColorFlag && (env["NO_COLOR"] ?? "") === "";
}

export const ui: Command = {
  name: "ui",
  synopsis: "Open the terminal dashboard",
  usage: "nomadish ui [options] [view]",
  help: `Opens a live terminal dashboard of the cluster: jobs, allocations, nodes, evaluations, an
event timeline and every server's Raft status (with a NO LEADER timer during elections).
Press ? inside for the keys. The optional view is one of ${LIST_VIEWS.join(", ")}.`,
  flags: [
    ADDRESS_FLAG,
    { name: "read-only", kind: "bool", help: "Disables the actions (stopping jobs and allocations, drains, leadership transfer)." },
    { name: "no-color", kind: "bool", help: "Draws without colours (as does a non-empty NO_COLOR)." },
  ],
  run: async (flags, io) => {
    const [first] = flags.args;
    const view = first === undefined ? "jobs" : LIST_VIEWS.find((v) => v === first.replace(/^:/, ""));
    if (view === undefined) throw new UserError(`unknown view "${first ?? ""}": expected one of ${LIST_VIEWS.join(", ")}`);
    if (!process.stdout.isTTY || !process.stdin.isTTY) throw new UserError("nomadish ui needs a terminal");
    const addresses = parseAddresses(flags.strings.get("address") ?? io.env["NOMADISH_ADDR"] ?? DEFAULT_ADDRESS);
    const color = useColor(process.stdout.isTTY, flags.bools.has("no-color"), io.env);
    return runDashboard(addresses, view, flags.bools.has("read-only"), color);
  },
};

function runDashboard(addresses: string[], view: ListView, readOnly: boolean, color: boolean): Promise<number> {
  const client = new ApiClient({ addresses, timeoutMs: REQUEST_TIMEOUT_MS });
  const model = new DashboardModel(addresses, Date.now());
  return new Promise<number>((resolve) => {
    let source: DashboardSource | undefined;
    const finish = () => {
      process.off("SIGINT", finish);
      process.off("SIGTERM", finish);
      app.destroy();
      source?.stop();
      client.close();
      resolve(0);
    };
    const app = new DashboardApp(model, {
      input: process.stdin, output: process.stdout, readOnly, color, logSource: clientLogSource(model, client),
      ...(readOnly ? {} : { actions: serverActions(client) }),
      onQuit: finish,
    });
    process.once("SIGINT", finish);
    process.once("SIGTERM", finish);
    source = new DashboardSource(model, client, () => app.requestRender());
    app.show(view);
    source.start();
  });
}
