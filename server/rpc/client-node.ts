// The API client agents call: register, heartbeat, watch their allocations, report status.
// Registration and heartbeats run on the leader, which keeps the heartbeat timers; watches are
// served by whichever server the client talks to, from its own state.

import * as grpc from "@grpc/grpc-js";
import * as pb from "../../proto/index.js";
import type { AllocClientUpdate, Evaluation, Node } from "../../shared/model/index.js";
import { allocClientUpdateFromWire, allocToClientWire, nodeFromWire, nodeStatusCodec } from "../../shared/wire/index.js";
import { nodeEvals, newEval } from "../leader/evals.js";
import type { LeaderDuties } from "../leader/leader.js";
import { NotLeaderError } from "../raft/loop.js";
import { computeNodeClass } from "../scheduler/index.js";
import type { ApplyResult, StateCommand, StateSnapshot, StateStore } from "../state/index.js";
import type { NodeAllocWatchHub } from "./alloc-watch.js";
import type { ServerContext } from "./context.js";
import { invalid, notFound, RpcError, toServiceError } from "./errors.js";
import { Turns } from "./turns.js";
import { AllocUpdateBatcher } from "./update-batcher.js";
import { writable } from "../../shared/streams.js";

export interface ClientNodeModules {
  store: StateStore;
  propose(command: StateCommand): Promise<{ index: number; result: unknown }>;
  /** The leader's duties, once this server leads and has established them. */
  leader(): LeaderDuties | undefined;
  watches: NodeAllocWatchHub;
}

/** How long a watch waits for changes at a time (the hub tells it of every change, restores included). */
const WATCH_RECHECK_MS = 30_000;
/** How long a watch waits for this server to catch up with the client's index. */
const WATCH_CATCH_UP_MS = 10_000;

function authenticate(snap: StateSnapshot, nodeId: string, secretId: string): Node {
  const node = snap.node(nodeId);
  if (!node) throw notFound(`node "${nodeId}"`);
  if (node.secretId !== secretId) throw new RpcError(grpc.status.PERMISSION_DENIED, `node "${nodeId}": the secret does not match the one it registered with`);
  return node;
}

function activeLeader(m: ClientNodeModules): LeaderDuties {
  const leader = m.leader();
  if (!leader?.isActive) throw new NotLeaderError("", "this server is still taking over leadership");
  return leader;
}

/**
 * Every allocation of the node, those changed after `since` in full. Sent when the node has
 * anything new for the client: always for a client starting from 0 or one that already has a
 * complete frame of this stream (a forced re-read); else when an allocation changed or went away.
 */
function completeFrame(snap: StateSnapshot, nodeId: string, since: number, force: boolean): pb.ClientNodeWatchAllocationsResponse | undefined {
  const allocs = snap.allocsByNode(nodeId);
  const changed = allocs.filter((a) => a.allocModifyIndex > since);
  // A deletion moves the node's allocation index too.
  if (!force && since !== 0 && changed.length === 0 && snap.nodeUsage(nodeId).modifyIndex <= since) return undefined;
  return {
    index: snap.index, allocModifyIndexes: Object.fromEntries(allocs.map((a) => [a.id, a.allocModifyIndex])),
    allocations: changed.map(allocToClientWire), delta: false, removedIds: [],
  };
}

/** Only the allocations among `ids` that changed after `since`, and those gone from the node. */
function deltaFrame(snap: StateSnapshot, nodeId: string, since: number, ids: ReadonlySet<string>): pb.ClientNodeWatchAllocationsResponse | undefined {
  const allocModifyIndexes: Record<string, number> = {};
  const allocations: pb.Allocation[] = [];
  const removedIds: string[] = [];
  for (const id of ids) {
    const alloc = snap.alloc(id);
    if (alloc === undefined || alloc.nodeId !== nodeId) {
      removedIds.push(id);
    } else if (alloc.allocModifyIndex > since) {
      allocModifyIndexes[id] = alloc.allocModifyIndex;
      allocations.push(allocToClientWire(alloc));
    }
  }
  if (allocations.length === 0 && removedIds.length === 0) return undefined;
  return { index: snap.index, allocModifyIndexes, allocations, delta: true, removedIds };
}

export function clientNodeService(ctx: ServerContext, m: ClientNodeModules): pb.ClientNodeServer {
  const f = ctx.forwarder;
  const method = pb.ClientNodeService;
  const { store } = m;
  const batcher = new AllocUpdateBatcher(m.propose);
  // Watch frames are built and sent 10 ms of them at a time (see turns.ts).
  const frameTurns = new Turns(10);
  const servers = (): pb.ServerEndpoint[] => ctx.membership().voters.map((v) => ({ id: v.id, address: v.address, datacenter: ctx.self.datacenter }));
  const leaderAddress = (): string => {
    const leader = ctx.raft()?.leaderId() ?? "";
    return ctx.membership().voters.find((v) => v.id === leader)?.address ?? "";
  };
  const applied = (result: unknown): void => {
    const r = result as ApplyResult;
    if (!r.ok) throw invalid(r.error);
  };

  /** A client's reports, checked against the state and committed with others (see update-batcher.ts). */
  async function acceptUpdates(req: pb.ClientNodeUpdateAllocationsRequest): Promise<pb.ClientNodeUpdateAllocationsResponse> {
    const snap = store.snapshot();
    authenticate(snap, req.nodeId, req.secretId);
    const updates: AllocClientUpdate[] = [];
    const evals = new Map<string, Evaluation>();
    for (const wire of req.updates) {
      let update: AllocClientUpdate;
      try {
        update = allocClientUpdateFromWire(wire);
      } catch (err) {
        throw invalid(`malformed allocation update: ${(err as Error).message}`);
      }
      const alloc = snap.alloc(update.allocId);
      if (!alloc) continue;
      if (alloc.nodeId !== req.nodeId) throw new RpcError(grpc.status.PERMISSION_DENIED, `allocation "${alloc.id}" does not run on node "${req.nodeId}"`);
      updates.push(update);
      // A failed allocation may be rescheduled: let the scheduler look at its job.
      if (update.clientStatus === "failed" && alloc.clientStatus !== "failed") {
        const job = snap.job(alloc.namespace, alloc.jobId);
        if (job && !job.stop) evals.set(`${job.namespace}/${job.id}`, newEval(job, "alloc-failure"));
      }
    }
    if (updates.length === 0) return { index: snap.index };
    return { index: await batcher.add(updates, [...evals.values()]) };
  }

  return {
    register: f.unary("leader-write", method.register, async (req) => {
      const leader = activeLeader(m);
      if (!req.node) throw invalid("the request has no node");
      let incoming: Node;
      try {
        incoming = nodeFromWire(req.node);
      } catch (err) {
        throw invalid(`the node is malformed: ${(err as Error).message}`);
      }
      if (incoming.id === "" || incoming.secretId === "") throw invalid("a node needs an id and a secret id");
      const snap = store.snapshot();
      const existing = snap.node(incoming.id);
      if (existing && existing.secretId !== incoming.secretId) {
        throw new RpcError(grpc.status.PERMISSION_DENIED, `node "${incoming.id}" is registered with another secret`);
      }
      const status = incoming.status === "initializing" ? "initializing" : "ready";
      const node: Node = {
        ...incoming,
        status,
        statusUpdatedAtMs: Date.now(),
        // The operator owns eligibility and drains; a client re-registering keeps them.
        schedulingEligibility: existing?.schedulingEligibility ?? "eligible",
        ...(existing?.drainStrategy ? { drainStrategy: existing.drainStrategy } : {}),
        computedClass: computeNodeClass(incoming),
      };
      if (!existing?.drainStrategy) delete node.drainStrategy;
      const becameReady = status === "ready" && existing?.status !== "ready";
      const evals = becameReady ? nodeEvals(snap, node.id, "node-update") : [];
      const { index, result } = await m.propose({ type: "node.register", node, evals });
      applied(result);
      const ttl = leader.heartbeats.ttlMs();
      leader.heartbeats.reset(node.id, ttl);
      return {
        heartbeatTtlMs: ttl, servers: servers(), leaderAddress: leaderAddress(), nodeModifyIndex: index,
        evalIds: evals.map((e) => e.id), index,
      };
    }),

    heartbeat: f.unary("leader-write", method.heartbeat, async (req) => {
      const leader = activeLeader(m);
      const snap = store.snapshot();
      const node = authenticate(snap, req.nodeId, req.secretId);
      let index = snap.index;
      const wanted = req.status === pb.NodeStatus.UNSPECIFIED ? "ready" : nodeStatusCodec.fromWire(req.status);
      if (wanted !== node.status && (wanted === "ready" || wanted === "initializing")) {
        // A node coming back (or finishing its start) may need allocations: evaluate its jobs.
        const evals = wanted === "ready" ? nodeEvals(snap, node.id, "node-update") : [];
        const committed = await m.propose({ type: "node.status", nodeId: node.id, status: wanted, updatedAtMs: Date.now(), evals });
        applied(committed.result);
        index = committed.index;
      }
      const ttl = leader.heartbeats.ttlMs();
      leader.heartbeats.reset(node.id, ttl);
      return { heartbeatTtlMs: ttl, servers: servers(), leaderAddress: leaderAddress(), index };
    }),

    watchAllocations: (call) => {
      const abort = new AbortController();
      call.on("cancelled", () => abort.abort());
      call.on("close", () => abort.abort());
      const { nodeId, secretId } = call.request;
      // Collect the node's changes from before the first read on, so none falls in between.
      const watcher = m.watches.watch(nodeId);
      const run = async () => {
        authenticate(store.snapshot(), nodeId, secretId);
        // A server behind the client's last frame must not answer with older state: a client
        // would take the allocations missing from it for garbage-collected ones.
        await store.snapshotMinIndex(call.request.minIndex, WATCH_CATCH_UP_MS, abort.signal);
        let since = call.request.minIndex;
        // The stream's first frame is complete; once one went out, the others are deltas.
        let complete = false;
        for (let first = true; !abort.signal.aborted; first = false) {
          // Changes are taken, read and sent in one turn, so that none applied in between is
          // counted as sent (`since`) without having been looked at.
          const sent = await frameTurns.run((): boolean | undefined => {
            if (abort.signal.aborted) return undefined;
            const changes = watcher.take();
            // Woken by the timeout alone: nothing changed.
            if (!first && changes !== "full" && changes.size === 0) return undefined;
            const snap = store.snapshot();
            const frame = complete && changes !== "full"
              ? deltaFrame(snap, nodeId, since, changes)
              : completeFrame(snap, nodeId, since, complete);
            if (frame === undefined) return undefined;
            since = Math.max(since, snap.index);
            complete = true;
            return call.write(frame);
          });
          if (sent === false) await writable(call, abort.signal);
          await watcher.wait(WATCH_RECHECK_MS, abort.signal);
        }
      };
      run().finally(() => watcher.close()).then(() => call.end(), (err: unknown) => {
        if (!abort.signal.aborted) call.emit("error", Object.assign(new Error("watch failed"), toServiceError(err, ctx.logger)));
      });
    },

    updateAllocations: f.unary("leader-write", method.updateAllocations, acceptUpdates),

    reportAllocations: (call) => {
      // Answers go out in the order the requests came in, each once its updates are committed.
      let answered: Promise<void> = Promise.resolve();
      let failed = false;
      const fail = (err: unknown): void => {
        if (failed) return;
        failed = true;
        call.emit("error", Object.assign(new Error("report failed"), toServiceError(err, ctx.logger)));
      };
      call.on("data", (req: pb.ClientNodeUpdateAllocationsRequest) => {
        if (failed) return;
        const leader = ctx.raft()?.leaderId() ?? "";
        const answer = leader === ctx.self.id ? acceptUpdates(req) : Promise.reject(new NotLeaderError(leader));
        // Rejections are taken in turn below; this only keeps one from counting as unhandled.
        answer.catch(() => undefined);
        answered = answered.then(() => answer).then((res) => {
          if (!failed) call.write(res);
        }, fail).catch(fail);
      });
      call.on("end", () => void answered.then(() => {
        if (!failed) call.end();
      }));
    },

    getAllocations: f.unary("local", method.getAllocations, async (req) => {
      const snap = store.snapshot();
      authenticate(snap, req.nodeId, req.secretId);
      const allocations = req.allocIds.map((id) => snap.alloc(id)).filter((a) => a !== undefined && a.nodeId === req.nodeId);
      return { allocations: allocations.map((a) => allocToClientWire(a as NonNullable<typeof a>)), index: snap.index };
    }),
  };
}
