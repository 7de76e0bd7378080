// A state store with nodes, jobs and allocations, and one scheduler run over its snapshot.

import type { Allocation, Evaluation, Job, Node } from "../../../../shared/model/index.js";
import { StateStore } from "../../../../server/state/index.js";
import { processEval, type SchedulerResult } from "../../../../server/scheduler/schedulers/index.js";
import { evaluation } from "../../../support/model.js";

export { group, job, node, task } from "../../../support/model.js";

export const NOW = 1_700_000_100_000;

export class Cluster {
  readonly store = new StateStore({ blockingQueryJitterFraction: 0 });
  private index = 0;
  private ids = 0;

  nodes(...nodes: Node[]): this {
    for (const n of nodes) this.store.apply(++this.index, { type: "node.register", node: n });
    return this;
  }

  register(j: Job): Job {
    this.store.apply(++this.index, { type: "job.register", job: j });
    const stored = this.store.snapshot().job(j.namespace, j.id);
    if (!stored) throw new Error(`job ${j.id} not stored`);
    return stored;
  }

  nodeStatus(nodeId: string, status: Node["status"]): void {
    this.store.apply(++this.index, { type: "node.status", nodeId, status, updatedAtMs: NOW - 1_000 });
  }

  /** Commits a plan the way the plan applier would: placements and stops at once. */
  commit(result: SchedulerResult): void {
    const allocs = Object.values(result.plan.nodeAllocation).flat();
    const stopped = Object.values(result.plan.nodeUpdate).flat().map((a) => ({
      allocId: a.id, desiredDescription: a.desiredDescription,
      ...(a.clientStatus === "lost" ? { clientStatus: a.clientStatus } : {}),
    }));
    this.store.apply(++this.index, {
      type: "alloc.upsert", allocs, stopped, ...(result.plan.deployment ? { deployment: result.plan.deployment } : {}),
    });
  }

  /** Sets the client status of allocations, as clients report it. */
  setClientStatus(allocs: readonly Allocation[], clientStatus: Allocation["clientStatus"]): void {
    this.store.apply(++this.index, {
      type: "alloc.clientUpdate",
      updates: allocs.map((a) => ({ allocId: a.id, clientStatus, clientDescription: "", taskStates: {}, modifyTimeMs: NOW })),
    });
  }

  allocs(j: Job): Allocation[] {
    return this.store.snapshot().allocsByJob(j.namespace, j.id);
  }

  run(j: Job, overrides: Partial<Evaluation> = {}, maxPlacements?: number): SchedulerResult {
    const ev = evaluation(`eval-${++this.ids}`, j.id, { type: j.type, jobModifyIndex: j.jobModifyIndex, ...overrides });
    let n = 0;
    return processEval({
      eval: ev, snapshot: this.store.snapshot(), nowMs: NOW, newId: () => `${ev.id}-id-${n++}`,
      config: { algorithm: "binpack", ...(maxPlacements === undefined ? {} : { maxPlacements }) },
    });
  }
}

export const placed = (r: SchedulerResult): Allocation[] => Object.values(r.plan.nodeAllocation).flat();
export const stopped = (r: SchedulerResult): Allocation[] => Object.values(r.plan.nodeUpdate).flat();
