// The allocation reconciler: what a service or batch job's task groups need (place, stop,
// update, migrate, reschedule) given the allocations they have. See reconcile.ts.

export {
  ALLOC_JOB_STOPPED, ALLOC_LOST, ALLOC_MIGRATING, ALLOC_NOT_NEEDED, ALLOC_RECONNECTED, ALLOC_RESCHEDULED,
  ALLOC_UNKNOWN, ALLOC_UPDATING, emptyDesiredUpdates, reconcile, runsVersion,
} from "./reconcile.js";
export { allocName, NameIndex } from "./names.js";
export {
  FOLLOWUP_BATCH_WINDOW_MS, failTimeMs, MAX_PAST_RESCHEDULE_EVENTS, nextDelayMs, nextTracker, penaltyNodeIds,
  RESCHEDULE_WINDOW_MS, rescheduleDecision, rescheduleEligible, type RescheduleDecision,
} from "./reschedule.js";
export { deepEqual, tasksUpdated } from "./tasks-updated.js";
export type {
  AttributeUpdate, DeploymentPlan, DesiredUpdates, DestructiveUpdate, FollowupEval, GroupResult, PlacementDecision,
  ReconcileInput, ReconcileResult, StopDecision, StopReason,
} from "./types.js";
