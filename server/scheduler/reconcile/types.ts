// What the reconciler reads and what it decides. The generic scheduler turns the decisions into
// a plan: it selects nodes for the placements, stops what must stop and updates what changes
// in place.

import type {
  Allocation, AllocClientStatus, Deployment, DeploymentStatusUpdate, Job, Node, RescheduleEvent,
} from "../../../shared/model/index.js";

export interface ReconcileInput {
  /** The job as it is now; undefined when it was deregistered (purged). */
  job: Job | undefined;
  /** The job's id, needed when `job` is undefined. Defaults to `job.id`. */
  jobId?: string;
  /** Every allocation of the job, of any version and status. */
  allocs: readonly Allocation[];
  /** Nodes that are down, disconnected or draining, by id. Nodes not listed are healthy. */
  taintedNodes: ReadonlyMap<string, Node>;
  /** The job's latest deployment, if any (of any version). */
  deployment?: Deployment | undefined;
  evalId: string;
  nowMs: number;
  /** Batch semantics: completed allocations are done and never replaced. */
  batch: boolean;
}

/** Why an allocation is stopped; `description` on the decision carries Nomad's wording. */
export type StopReason =
  | "stopped" // the job was stopped or deregistered
  | "not needed" // its group is gone, the count went down, or a newer copy took its name
  | "migrating" // its node is draining; a replacement is placed elsewhere
  | "lost" // its node is down
  | "rescheduled" // it failed and a replacement is placed
  | "reconnected"; // the original came back, so its replacement goes

export interface StopDecision {
  alloc: Allocation;
  reason: StopReason;
  description: string;
  /** The client status to record with the stop (`lost` for allocations on down nodes). */
  clientStatus?: AllocClientStatus;
  /** Set for drain migrations: the replacement is placed by the same decision set. */
  migrate?: boolean;
}

export interface PlacementDecision {
  /** `<job>.<group>[<index>]`. */
  name: string;
  taskGroup: string;
  canary?: boolean;
  /** The allocation this one replaces (rescheduled, lost, migrated, disconnected). */
  previousAlloc?: Allocation;
  /** The tracker the new allocation starts with, ending with this reschedule. Only for reschedules. */
  rescheduleTracker?: RescheduleEvent[];
  /** Nodes where the replaced allocation failed before: the placement engine penalises them. */
  penaltyNodeIds: string[];
  /** Why the placement exists. */
  reason: "missing" | "canary" | "reschedule" | "lost" | "migrate" | "disconnect";
}

export interface DestructiveUpdate {
  /** Stopped (description `ALLOC_UPDATING`) and replaced by a new allocation of the new version. */
  old: Allocation;
  name: string;
}

/** An allocation whose fields change without a new version: here, clients that went silent. */
export interface AttributeUpdate {
  alloc: Allocation;
  clientStatus: "unknown";
  description: string;
}

export interface FollowupEval {
  /** When the follow-up evaluation should run (ms since epoch). */
  waitUntilMs: number;
  /** The allocations it is for; the scheduler sets their `followupEvalId` to the new eval's id. */
  allocIds: string[];
  /** `failed-follow-up` for delayed reschedules, `max-disconnect-timeout` for disconnects. */
  triggeredBy: "failed-follow-up" | "max-disconnect-timeout";
}

/** Counts per group, like Nomad's plan annotations (`nomad job plan`). */
export interface DesiredUpdates {
  place: number;
  stop: number;
  migrate: number;
  inPlaceUpdate: number;
  destructiveUpdate: number;
  canary: number;
  ignore: number;
  rescheduleNow: number;
  rescheduleLater: number;
  disconnect: number;
  reconnect: number;
}

export interface GroupResult {
  place: PlacementDecision[];
  stop: StopDecision[];
  inplaceUpdate: Allocation[];
  destructiveUpdate: DestructiveUpdate[];
  attributeUpdates: AttributeUpdate[];
  followupEvals: FollowupEval[];
  /** Destructive updates held back by the update block's `max_parallel` (or an unpromoted canary). */
  rollingWaiting: number;
  /** Drain migrations held back by the migrate block's `max_parallel`. */
  migrateWaiting: number;
}

/** The deployment to create when a new version starts rolling out. */
export interface DeploymentPlan {
  jobId: string;
  namespace: string;
  jobVersion: number;
  jobModifyIndex: number;
  jobCreateIndex: number;
  taskGroups: Record<string, { desiredTotal: number; desiredCanaries: number; autoRevert: boolean; autoPromote: boolean; progressDeadlineMs: number }>;
}

export interface ReconcileResult {
  /** Per task group name, including groups that exist only in old allocations. */
  groups: Record<string, GroupResult>;
  desiredTGUpdates: Record<string, DesiredUpdates>;
  /** Set when the scheduler should create a deployment for this version. */
  createDeployment?: DeploymentPlan;
  deploymentUpdates: DeploymentStatusUpdate[];
}
