// The node drainer (Nomad's NodeDrainer), run by the leader about once a second. For each
// draining node it asks the scheduler to migrate the allocations (the reconciler moves at most
// `migrate.max_parallel` of a group at a time and waits for replacements to be healthy), stops
// whatever is left at the deadline, and ends the drain once nothing that must move is left.

import type { Allocation, Evaluation, Node } from "../../shared/model/index.js";
import type { Logger } from "../../shared/log.js";
import type { AllocStop, StateCommand, StateSnapshot, StateStore } from "../state/index.js";
import { newEval } from "./evals.js";

export interface DrainerModules {
  store: StateStore;
  write(command: StateCommand): void;
  logger: Logger;
}

const ALLOC_DRAIN_DEADLINE = "alloc stopped: node drain deadline reached";

function isLive(a: Allocation): boolean {
  return a.desiredStatus === "run" && !["complete", "failed", "lost"].includes(a.clientStatus);
}

export class Drainer {
  /** Per draining node and job: the newest alloc change the last migration eval was made for. */
  private readonly evaluated = new Map<string, number>();

  constructor(private readonly modules: DrainerModules) {}

  tick(): void {
    const snap = this.modules.store.snapshot();
    const evals: Evaluation[] = [];
    const seen = new Set<string>();
    for (const node of snap.nodes()) {
      if (node.drainStrategy === undefined) continue;
      this.drainNode(snap, node, evals, seen);
    }
    for (const key of this.evaluated.keys()) if (!seen.has(key)) this.evaluated.delete(key);
    if (evals.length > 0) this.modules.write({ type: "eval.upsert", evals });
  }

  private drainNode(snap: StateSnapshot, node: Node, evals: Evaluation[], seen: Set<string>): void {
    const strategy = node.drainStrategy;
    if (!strategy) return;
    const remaining = snap.allocsByNode(node.id).filter((a) => isLive(a) && !(strategy.ignoreSystemJobs && a.job.type === "system"));
    if (remaining.length === 0) {
      this.modules.logger.info("node drain complete", { nodeId: node.id, name: node.name });
      this.modules.write({ type: "node.drain", nodeId: node.id, markEligible: false });
      return;
    }
    const nowMs = Date.now();
    if (strategy.forceDeadlineMs > 0 && nowMs >= strategy.forceDeadlineMs) {
      this.modules.logger.info("node drain deadline reached; stopping the remaining allocations", { nodeId: node.id, allocs: remaining.length });
      const stopped: AllocStop[] = remaining.map((a) => ({ allocId: a.id, desiredDescription: ALLOC_DRAIN_DEADLINE, modifyTimeMs: nowMs }));
      const jobs = new Map(remaining.map((a) => [`${a.namespace}/${a.jobId}`, a.job]));
      this.modules.write({
        type: "alloc.upsert", allocs: [], stopped,
        evals: [...jobs.values()].map((job) => newEval(snap.job(job.namespace, job.id) ?? job, "node-drain", { nodeId: node.id })),
      });
      return;
    }
    // A migration eval per job whenever that job's allocations changed since the last one: the
    // reconciler decides how many may move now.
    const byJob = new Map<string, Allocation[]>();
    for (const a of remaining) {
      const k = `${a.namespace}/${a.jobId}`;
      byJob.set(k, [...(byJob.get(k) ?? []), a]);
    }
    for (const [jobKey, allocs] of byJob) {
      const job = snap.job(allocs[0]?.namespace ?? "", allocs[0]?.jobId ?? "");
      if (!job) continue;
      const key = `${node.id}/${jobKey}`;
      seen.add(key);
      const changed = Math.max(...snap.allocsByJob(job.namespace, job.id).map((a) => a.modifyIndex));
      if ((this.evaluated.get(key) ?? -1) >= changed) continue;
      this.evaluated.set(key, changed);
      evals.push(newEval(job, "node-drain", { nodeId: node.id }));
    }
  }
}
