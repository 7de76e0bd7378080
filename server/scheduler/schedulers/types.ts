// What a scheduler reads (one evaluation and a state snapshot) and what it hands back to the
// worker: a plan for the plan applier and the evaluations to write.

import type { Allocation, Deployment, Evaluation, Job, Node, NodeAllocUsage, Plan } from "../../../shared/model/index.js";
import type { SchedulerAlgorithm } from "../options.js";
import type { DesiredUpdates } from "../reconcile/index.js";

/** The read side of a state snapshot that the schedulers use; `StateSnapshot` satisfies it. */
export interface SchedulerSnapshot {
  /** Raft index the snapshot was taken at; becomes `Plan.snapshotIndex`. */
  readonly index: number;
  job(namespace: string, id: string): Job | undefined;
  nodes(): readonly Node[];
  allocsByJob(namespace: string, jobId: string): Allocation[];
  allocsByNode(nodeId: string): Allocation[];
  alloc(id: string): Allocation | undefined;
  nodeUsage(nodeId: string): NodeAllocUsage;
  latestDeploymentByJob(namespace: string, jobId: string): Deployment | undefined;
}

export interface SchedulerInput {
  eval: Evaluation;
  snapshot: SchedulerSnapshot;
  /** The current time (ms since epoch): creation times, reschedule decisions, deadlines. */
  nowMs: number;
  /** A fresh unique id for each allocation, evaluation and deployment created. */
  newId: () => string;
  /**
   * `maxPlacements`: place at most this many allocations in one run; the rest go to a follow-up
   * evaluation right away. A server schedules on the same thread that answers Raft, so a job of
   * thousands is planned in slices instead of one long stall. Unlimited when left out.
   */
  config: { algorithm: SchedulerAlgorithm; maxPlacements?: number };
  /** A monotonic clock in ms, for AllocMetric.allocationTimeMs only. */
  clock?: () => number;
}

export interface SchedulerResult {
  plan: Plan;
  /** The processed evaluation with its outcome (status, failures, queued allocations). */
  evalUpdate: Evaluation;
  /** A new `blocked` evaluation to retry failed placements when capacity frees. */
  blockedEval?: Evaluation;
  /**
   * The evaluation was itself a blocked one and placements still fail: the worker re-blocks it
   * (`evalUpdate` carries the refreshed class eligibility) instead of creating another.
   */
  reblock: boolean;
  /** Delayed evaluations (reschedules, disconnect timeouts); each has `waitUntilMs`. */
  followupEvals: Evaluation[];
  /** What the scheduler decided per task group (place, stop, update...): `job plan` shows it. */
  desiredTGUpdates: Record<string, DesiredUpdates>;
  /** The deployment the plan creates, if any (also in `plan.deployment`). */
  createdDeployment?: Deployment;
}
