// The Deployments API: `deployment list|status|promote|fail|pause|resume`.

import * as pb from "../../proto/index.js";
import type { Deployment } from "../../shared/model/index.js";
import { deploymentToWire } from "../../shared/wire/index.js";
import { newEval } from "../leader/evals.js";
import type { ApplyResult, StateCommand, StateStore } from "../state/index.js";
import type { ServerContext } from "./context.js";
import { invalid, notFound } from "./errors.js";
import { blockingRead, byIdOrPrefix, readRouting, requireId } from "./query.js";

export interface DeploymentsModules {
  store: StateStore;
  propose(command: StateCommand): Promise<{ index: number; result: unknown }>;
}

const ACTIVE = new Set(["running", "paused", "pending", "blocked", "unblocking"]);

export function deploymentsService(ctx: ServerContext, m: DeploymentsModules): pb.DeploymentsServer {
  const f = ctx.forwarder;
  const method = pb.DeploymentsService;
  const { store } = m;
  const find = (id: string): Deployment => byIdOrPrefix(store.snapshot().byPrefix("deployments", requireId(id, "deployment id")), id, "deployment");
  const active = (id: string): Deployment => {
    const d = find(id);
    if (!ACTIVE.has(d.status)) throw invalid(`deployment "${d.id}" has already ended (${d.status})`);
    return d;
  };
  const commit = async (command: StateCommand): Promise<number> => {
    const { index, result } = await m.propose(command);
    const r = result as ApplyResult;
    if (!r.ok) throw r.code === "not-found" ? notFound(r.error.replace(/ not found$/, "")) : invalid(r.error);
    return index;
  };
  const evalFor = (d: Deployment) => {
    const job = store.snapshot().job(d.namespace, d.jobId);
    if (!job) throw notFound(`job "${d.jobId}"`);
    return newEval(job, "deployment-watcher", { deploymentId: d.id });
  };

  return {
    list: f.unary(readRouting, method.list, async (req) => {
      const { value, meta } = await blockingRead(ctx, store, req.options, ["deployments"], (snap) =>
        (req.prefix ? snap.byPrefix("deployments", req.prefix) : snap.deployments())
          .filter((d) => req.jobId === "" || d.jobId === req.jobId)
          .sort((a, b) => b.createIndex - a.createIndex));
      return { deployments: value.map(deploymentToWire), meta };
    }),
    get: f.unary(readRouting, method.get, async (req) => {
      requireId(req.deploymentId, "deployment id");
      const { value, meta } = await blockingRead(ctx, store, req.options, ["deployments"], (snap) =>
        byIdOrPrefix(snap.byPrefix("deployments", req.deploymentId), req.deploymentId, "deployment"));
      return { deployment: deploymentToWire(value), meta };
    }),
    promote: f.unary("leader-write", method.promote, async (req) => {
      const d = active(req.deploymentId);
      const ev = evalFor(d);
      const index = await commit({ type: "deployment.promote", deploymentId: d.id, timeMs: Date.now(), eval: ev, ...(req.all ? {} : { groups: req.groups }) });
      return { evalId: ev.id, deploymentModifyIndex: index, meta: { index } };
    }),
    fail: f.unary("leader-write", method.fail, async (req) => {
      const d = active(req.deploymentId);
      const ev = evalFor(d);
      const index = await commit({ type: "deployment.status", updates: [{ deploymentId: d.id, status: "failed", statusDescription: "Deployment marked as failed" }], eval: ev });
      return { evalId: ev.id, deploymentModifyIndex: index, reverted: false, meta: { index } };
    }),
    pause: f.unary("leader-write", method.pause, async (req) => {
      const d = active(req.deploymentId);
      const ev = req.pause ? undefined : evalFor(d);
      const index = await commit({
        type: "deployment.status",
        updates: [{ deploymentId: d.id, status: req.pause ? "paused" : "running", statusDescription: req.pause ? "Deployment is paused" : "Deployment is running" }],
        ...(ev ? { eval: ev } : {}),
      });
      return { evalId: ev?.id ?? "", deploymentModifyIndex: index, meta: { index } };
    }),
  };
}
