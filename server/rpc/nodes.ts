// The Nodes API for operators: list and read client nodes, change their eligibility, drain them.

import * as pb from "../../proto/index.js";
import type { DrainStrategy, Node } from "../../shared/model/index.js";
import { nodeToWire, schedulingEligibilityCodec } from "../../shared/wire/index.js";
import { nodeEvals } from "../leader/evals.js";
import type { ApplyResult, StateCommand, StateStore } from "../state/index.js";
import type { ServerContext } from "./context.js";
import { invalid } from "./errors.js";
import { blockingRead, byIdOrPrefix, readRouting, requireId } from "./query.js";

export interface NodesModules {
  store: StateStore;
  propose(command: StateCommand): Promise<{ index: number; result: unknown }>;
}

const redacted = (node: Node): pb.Node => nodeToWire(node, { secret: "redact" });

export function nodesService(ctx: ServerContext, m: NodesModules): pb.NodesServer {
  const f = ctx.forwarder;
  const method = pb.NodesService;
  const { store } = m;
  const find = (id: string): Node => byIdOrPrefix(store.snapshot().byPrefix("nodes", requireId(id, "node id")), id, "node");
  const commit = async (command: StateCommand): Promise<number> => {
    const { index, result } = await m.propose(command);
    const r = result as ApplyResult;
    if (!r.ok) throw invalid(r.error);
    return index;
  };

  return {
    list: f.unary(readRouting, method.list, async (req) => {
      const { value, meta } = await blockingRead(ctx, store, req.options, ["nodes"], (snap) =>
        req.prefix ? snap.byPrefix("nodes", req.prefix) : snap.nodes());
      return { nodes: value.map(redacted), meta };
    }),

    get: f.unary(readRouting, method.get, async (req) => {
      requireId(req.nodeId, "node id");
      const { value, meta } = await blockingRead(ctx, store, req.options, ["nodes"], (snap) =>
        byIdOrPrefix(snap.byPrefix("nodes", req.nodeId), req.nodeId, "node"));
      return { node: redacted(value), meta };
    }),

    updateEligibility: f.unary("leader-write", method.updateEligibility, async (req) => {
      const node = find(req.nodeId);
      if (req.eligibility === pb.SchedulingEligibility.UNSPECIFIED) throw invalid("eligibility must be eligible or ineligible");
      const eligibility = schedulingEligibilityCodec.fromWire(req.eligibility);
      if (eligibility === "eligible" && node.drainStrategy) throw invalid(`node "${node.id}" is draining; cancel the drain to make it eligible`);
      // Becoming eligible may let blocked and system jobs place there.
      const evals = eligibility === "eligible" && node.schedulingEligibility !== "eligible" ? nodeEvals(store.snapshot(), node.id, "node-update") : [];
      const index = await commit({ type: "node.eligibility", nodeId: node.id, eligibility, evals });
      return { evalIds: evals.map((e) => e.id), nodeModifyIndex: index, meta: { index } };
    }),

    updateDrain: f.unary("leader-write", method.updateDrain, async (req) => {
      const node = find(req.nodeId);
      if (!req.drain) {
        const index = await commit({ type: "node.drain", nodeId: node.id, markEligible: req.markEligible });
        return { evalIds: [], nodeModifyIndex: index, meta: { index } };
      }
      if (req.drain.deadlineMs < 0) throw invalid("a drain deadline cannot be negative");
      const nowMs = Date.now();
      const strategy: DrainStrategy = {
        deadlineMs: req.drain.deadlineMs,
        ignoreSystemJobs: req.drain.ignoreSystemJobs,
        // -force stops everything at once; otherwise what has not migrated by the deadline is stopped then.
        forceDeadlineMs: req.drain.force ? nowMs : req.drain.deadlineMs > 0 ? nowMs + req.drain.deadlineMs : 0,
        startedAtMs: nowMs,
      };
      const evals = nodeEvals(store.snapshot(), node.id, "node-drain", { liveOnly: true }).filter((e) => e.type !== "system" || !strategy.ignoreSystemJobs);
      const index = await commit({ type: "node.drain", nodeId: node.id, drainStrategy: strategy, evals });
      return { evalIds: evals.map((e) => e.id), nodeModifyIndex: index, meta: { index } };
    }),
  };
}
