// Evaluations: the unit of scheduling work. Every change that might need placements makes one.

import type { AllocMetric } from "./alloc.js";
import type { JobType } from "./job.js";

export type EvalStatus = "blocked" | "pending" | "complete" | "failed" | "canceled";

export type EvalTrigger =
  | "job-register" | "job-deregister" | "periodic-job" | "node-drain" | "node-update"
  | "alloc-stop" | "scheduled" | "rolling-update" | "deployment-watcher" | "failed-follow-up"
  | "max-plan-attempts" | "alloc-failure" | "queued-allocs" | "preemption" | "job-scaling"
  | "max-disconnect-timeout" | "reconnect";

export interface Evaluation {
  id: string;
  namespace: string;
  priority: number;
  type: JobType;
  triggeredBy: EvalTrigger;
  jobId: string;
  jobModifyIndex: number;
  nodeId: string;
  nodeModifyIndex: number;
  deploymentId: string;
  status: EvalStatus;
  statusDescription: string;
  /** Not before this time (ms since epoch), for delayed reschedules. */
  waitUntilMs: number;
  nextEval: string;
  previousEval: string;
  blockedEval: string;
  /** Placement failures per task group, shown by `job run` and `eval status`. */
  failedTgAllocs: Record<string, AllocMetric>;
  /** Node classes found ineligible, so a blocked eval only wakes for useful capacity. */
  classEligibility: Record<string, boolean>;
  escapedComputedClass: boolean;
  queuedAllocations: Record<string, number>;
  snapshotIndex: number;
  createIndex: number;
  modifyIndex: number;
  createTimeMs: number;
  modifyTimeMs: number;
}
