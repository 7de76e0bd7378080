// The Allocations API: list and read allocations, stop one (the scheduler replaces it), and ask
// its client to restart tasks in place.

import * as grpc from "@grpc/grpc-js";
import * as pb from "../../proto/index.js";
import { allocStub, type Allocation } from "../../shared/model/index.js";
import { SERVER_CHANNEL_OPTIONS } from "../../shared/api/channel.js";
import { allocStubToWire, allocToWire } from "../../shared/wire/index.js";
import { newEval } from "../leader/evals.js";
import type { StateCommand, StateStore } from "../state/index.js";
import type { ServerContext } from "./context.js";
import { invalid, RpcError } from "./errors.js";
import { blockingRead, byIdOrPrefix, readRouting, requireId } from "./query.js";

export interface AllocationsModules {
  store: StateStore;
  propose(command: StateCommand): Promise<{ index: number; result: unknown }>;
}

const ALLOC_STOPPED_BY_USER = "alloc was stopped by the user";
const CLIENT_CALL_TIMEOUT_MS = 10_000;

export function allocationsService(ctx: ServerContext, m: AllocationsModules): pb.AllocationsServer {
  const f = ctx.forwarder;
  const method = pb.AllocationsService;
  const { store } = m;
  const find = (id: string): Allocation => byIdOrPrefix(store.snapshot().byPrefix("allocs", requireId(id, "allocation id")), id, "allocation");

  return {
    list: f.unary(readRouting, method.list, async (req) => {
      const { value, meta } = await blockingRead(ctx, store, req.options, ["allocs"], (snap) => {
        const rows = req.nodeId ? snap.allocsByNode(req.nodeId) : req.prefix ? snap.byPrefix("allocs", req.prefix) : snap.allocs();
        return rows.filter((a) => a.id.startsWith(req.prefix));
      });
      return { allocations: value.map((a) => allocStubToWire(allocStub(a))), meta };
    }),

    get: f.unary(readRouting, method.get, async (req) => {
      requireId(req.allocId, "allocation id");
      const { value, meta } = await blockingRead(ctx, store, req.options, ["allocs"], (snap) =>
        byIdOrPrefix(snap.byPrefix("allocs", req.allocId), req.allocId, "allocation"));
      return { allocation: allocToWire(value), meta };
    }),

    stop: f.unary("leader-write", method.stop, async (req) => {
      const alloc = find(req.allocId);
      if (alloc.desiredStatus !== "run") throw invalid(`allocation "${alloc.id}" is already stopped`);
      const job = store.snapshot().job(alloc.namespace, alloc.jobId) ?? alloc.job;
      const ev = newEval(job, "alloc-stop");
      const { index } = await m.propose({
        type: "alloc.upsert", allocs: [], stopped: [{ allocId: alloc.id, desiredDescription: ALLOC_STOPPED_BY_USER, modifyTimeMs: Date.now() }], evals: [ev],
      });
      return { evalId: ev.id, meta: { index } };
    }),

    restart: f.unary("leader-read", method.restart, async (req) => {
      const alloc = find(req.allocId);
      const node = store.snapshot().node(alloc.nodeId);
      if (!node || node.status !== "ready") throw new RpcError(grpc.status.FAILED_PRECONDITION, `the node of allocation "${alloc.id}" is not ready`);
      if (!node.httpAddr) throw new RpcError(grpc.status.FAILED_PRECONDITION, `node "${node.name}" has no address the servers can reach`);
      const client = new grpc.Client(node.httpAddr, grpc.credentials.createInsecure(), SERVER_CHANNEL_OPTIONS);
      const call = pb.ClientAllocationsService.restart;
      try {
        await new Promise<void>((resolve, reject) => {
          client.makeUnaryRequest(call.path, call.requestSerialize, call.responseDeserialize,
            { allocId: alloc.id, taskName: req.taskName, allTasks: req.allTasks }, new grpc.Metadata(), { deadline: Date.now() + CLIENT_CALL_TIMEOUT_MS },
            (err) => (err
              // Whatever the client answered, the request reached a client that could not do it.
              ? reject(new RpcError(err.code === grpc.status.NOT_FOUND ? grpc.status.NOT_FOUND : grpc.status.FAILED_PRECONDITION, `client "${node.name}" could not restart the allocation: ${err.details}`))
              : resolve()));
        });
      } finally {
        client.close();
      }
      return {};
    }),
  };
}
