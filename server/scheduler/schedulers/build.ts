// Shared pieces of the schedulers: empty plans, allocation rows, stops, failure bookkeeping and
// the evaluations a scheduler creates.

import type {
  AllocatedResources, Allocation, AllocClientStatus, AllocMetric, Evaluation, EvalTrigger, Job, Node, Plan,
} from "../../../shared/model/index.js";
import type { PlacedNode } from "../types.js";
import type { SchedulerInput } from "./types.js";

export function emptyPlan(ev: Evaluation, snapshotIndex: number, job: Job | undefined): Plan {
  return {
    evalId: ev.id,
    snapshotIndex,
    priority: job?.priority ?? ev.priority,
    allAtOnce: job?.allAtOnce ?? false,
    jobId: ev.jobId,
    nodeUpdate: {},
    nodeAllocation: {},
    nodePreemptions: {},
    deploymentUpdates: [],
  };
}

function push(map: Record<string, Allocation[]>, nodeId: string, alloc: Allocation): void {
  const list = map[nodeId];
  if (list) list.push(alloc);
  else map[nodeId] = [alloc];
}

/** Adds a new or updated allocation to the plan (replacing an earlier entry of the same id). */
export function appendAlloc(plan: Plan, alloc: Allocation): void {
  const list = plan.nodeAllocation[alloc.nodeId];
  const at = list?.findIndex((a) => a.id === alloc.id) ?? -1;
  if (list && at >= 0) list[at] = alloc;
  else push(plan.nodeAllocation, alloc.nodeId, alloc);
}

/** Stops an allocation in the plan (once; a second stop of the same allocation is ignored). */
export function appendStop(
  plan: Plan, alloc: Allocation, description: string, nowMs: number, clientStatus?: AllocClientStatus,
): Allocation {
  const existing = plan.nodeUpdate[alloc.nodeId]?.find((a) => a.id === alloc.id);
  if (existing) return existing;
  const stopped: Allocation = {
    ...alloc,
    desiredStatus: "stop",
    desiredDescription: description,
    modifyTimeMs: nowMs,
    ...(clientStatus ? { clientStatus, clientDescription: description } : {}),
  };
  push(plan.nodeUpdate, alloc.nodeId, stopped);
  return stopped;
}

/** Takes a stop back out of the plan (a destructive update whose replacement found no node). */
export function popStop(plan: Plan, alloc: Allocation): void {
  const list = plan.nodeUpdate[alloc.nodeId];
  if (!list) return;
  const at = list.findIndex((a) => a.id === alloc.id);
  if (at >= 0) list.splice(at, 1);
  if (list.length === 0) delete plan.nodeUpdate[alloc.nodeId];
}

export interface NewAllocSpec {
  name: string;
  job: Job;
  taskGroup: string;
  node: Node;
  resources: AllocatedResources;
  metrics: AllocMetric;
  previousAllocation?: string;
  rescheduleTracker?: Allocation["rescheduleTracker"];
  deploymentId?: string;
  canary?: boolean;
}

export function newAllocation(input: SchedulerInput, spec: NewAllocSpec): Allocation {
  const { eval: ev, nowMs } = input;
  return {
    id: input.newId(),
    namespace: spec.job.namespace,
    evalId: ev.id,
    name: spec.name,
    nodeId: spec.node.id,
    nodeName: spec.node.name,
    jobId: spec.job.id,
    job: spec.job,
    taskGroup: spec.taskGroup,
    allocatedResources: spec.resources,
    metrics: spec.metrics,
    desiredStatus: "run",
    desiredDescription: "",
    clientStatus: "pending",
    clientDescription: "",
    taskStates: {},
    previousAllocation: spec.previousAllocation ?? "",
    nextAllocation: "",
    deploymentId: spec.deploymentId ?? "",
    ...(spec.canary ? { deploymentStatus: { canary: true, timestampMs: nowMs, modifyIndex: 0 } } : {}),
    rescheduleTracker: spec.rescheduleTracker ?? [],
    followupEvalId: "",
    createIndex: 0,
    modifyIndex: 0,
    allocModifyIndex: 0,
    createTimeMs: nowMs,
    modifyTimeMs: nowMs,
  };
}

export function placedAlloc(input: SchedulerInput, placed: PlacedNode, spec: Omit<NewAllocSpec, "node" | "resources" | "metrics">): Allocation {
  return newAllocation(input, { ...spec, node: placed.node, resources: placed.resources, metrics: placed.metrics });
}

/** Placement failures per task group: the first failure's metric, later ones coalesced into it. */
export class FailedPlacements {
  readonly byGroup: Record<string, AllocMetric> = {};

  has(group: string): boolean {
    return group in this.byGroup;
  }

  record(group: string, metric: AllocMetric): void {
    const seen = this.byGroup[group];
    if (seen) seen.coalescedFailures++;
    else this.byGroup[group] = { ...metric, coalescedFailures: 0 };
  }

  /** Another allocation of a group that already failed: counted without trying again. */
  coalesce(group: string): void {
    const seen = this.byGroup[group];
    if (seen) seen.coalescedFailures++;
  }

  get any(): boolean {
    return Object.keys(this.byGroup).length > 0;
  }
}

export function newEvaluation(
  input: SchedulerInput, job: Job | undefined, triggeredBy: EvalTrigger, overrides: Partial<Evaluation> = {},
): Evaluation {
  const { eval: ev, nowMs } = input;
  return {
    id: input.newId(),
    namespace: ev.namespace,
    priority: job?.priority ?? ev.priority,
    type: job?.type ?? ev.type,
    triggeredBy,
    jobId: ev.jobId,
    jobModifyIndex: job?.jobModifyIndex ?? ev.jobModifyIndex,
    nodeId: "",
    nodeModifyIndex: 0,
    deploymentId: "",
    status: "pending",
    statusDescription: "",
    waitUntilMs: 0,
    nextEval: "",
    previousEval: ev.id,
    blockedEval: "",
    failedTgAllocs: {},
    classEligibility: {},
    escapedComputedClass: false,
    queuedAllocations: {},
    snapshotIndex: input.snapshot.index,
    createIndex: 0,
    modifyIndex: 0,
    createTimeMs: nowMs,
    modifyTimeMs: nowMs,
    ...overrides,
  };
}
