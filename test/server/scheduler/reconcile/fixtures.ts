// Small fixtures for reconciler tests: a job with one group, allocations of it, tainted nodes.

import type { Allocation, Job, Node, ReschedulePolicy, TaskGroup } from "../../../../shared/model/index.js";
import { reconcile, type ReconcileInput, type ReconcileResult } from "../../../../server/scheduler/reconcile/index.js";
import { allocation, group, job, node, usage } from "../fixtures.js";

export const NOW = 1_700_000_100_000;

export function svcJob(count: number, groupOverrides: Partial<TaskGroup> = {}, jobOverrides: Partial<Job> = {}): Job {
  return job("web", { taskGroups: [group("web", count, groupOverrides)], ...jobOverrides });
}

/** A new version of `j` with the group changed by `change`. */
export function nextVersion(j: Job, change: (g: TaskGroup, j: Job) => void = () => {}): Job {
  const copy = structuredClone(j);
  copy.version += 1;
  copy.jobModifyIndex += 10;
  const g = copy.taskGroups[0];
  if (g) change(g, copy);
  return copy;
}

let seq = 0;
export function alloc(of: Job, index: number, overrides: Partial<Allocation> = {}): Allocation {
  const g = of.taskGroups[0] as TaskGroup;
  return allocation(`a${index}-${seq++}`, of, g, overrides.nodeId ?? `node-${index}`, usage(500, 256), {
    name: `${of.id}.${g.name}[${index}]`, ...overrides,
  });
}

export function allocs(of: Job, count: number, overrides: (i: number) => Partial<Allocation> = () => ({})): Allocation[] {
  return Array.from({ length: count }, (_, i) => alloc(of, i, overrides(i)));
}

export function tainted(...nodes: Node[]): Map<string, Node> {
  return new Map(nodes.map((n) => [n.id, n]));
}

export { node };

export function run(input: Partial<ReconcileInput> & Pick<ReconcileInput, "job" | "allocs">): ReconcileResult {
  return reconcile({ taintedNodes: new Map(), evalId: "eval-1", nowMs: NOW, batch: false, ...input });
}

export function policy(overrides: Partial<ReschedulePolicy> = {}): ReschedulePolicy {
  return { attempts: 3, intervalMs: 3_600_000, delayMs: 30_000, delayFunction: "constant", maxDelayMs: 0, unlimited: false, ...overrides };
}

/** A failed allocation whose task finished at `finishedAtMs`. */
export function failed(of: Job, index: number, finishedAtMs: number, overrides: Partial<Allocation> = {}): Allocation {
  return alloc(of, index, {
    clientStatus: "failed",
    taskStates: { server: { state: "dead", failed: true, restarts: 0, lastRestartMs: 0, startedAtMs: 0, finishedAtMs, events: [] } },
    ...overrides,
  });
}

export const indexes = (names: readonly string[]): number[] =>
  names.map((n) => Number(/\[(\d+)\]$/.exec(n)?.[1] ?? -1)).sort((a, b) => a - b);
