// When may a failed allocation be replaced? Nomad's reschedule policy: `attempts` within a
// sliding `interval` (counted back from the failure), or `unlimited`; each replacement waits a
// delay that is constant, doubles (exponential) or follows the Fibonacci sequence, capped at
// `max_delay`.

import type { Allocation, RescheduleEvent, ReschedulePolicy } from "../../../shared/model/index.js";

/** Failures due within this window are rescheduled now rather than by a follow-up eval. */
export const RESCHEDULE_WINDOW_MS = 1_000;
/** Follow-up evals for failures this close together are shared. */
export const FOLLOWUP_BATCH_WINDOW_MS = 5_000;
/** Unlimited policies keep only this many past events in the tracker. */
export const MAX_PAST_RESCHEDULE_EVENTS = 5;

/** When the allocation failed: its last task finishing, else its last modification. */
export function failTimeMs(alloc: Allocation, nowMs: number): number {
  let latest = 0;
  for (const state of Object.values(alloc.taskStates)) latest = Math.max(latest, state.finishedAtMs);
  if (latest > 0) return latest;
  return alloc.modifyTimeMs > 0 ? alloc.modifyTimeMs : nowMs;
}

/** Whether the policy allows another attempt for an allocation that failed at `failMs`. */
export function rescheduleEligible(policy: ReschedulePolicy | undefined, tracker: readonly RescheduleEvent[], failMs: number): boolean {
  if (!policy) return false;
  if (policy.unlimited) return true;
  if (policy.attempts <= 0) return false;
  const attempted = tracker.filter((e) => failMs - e.rescheduleTimeMs < policy.intervalMs).length;
  return attempted < policy.attempts;
}

/**
 * The delay before the next attempt. Exponential doubles the last delay, Fibonacci adds the last
 * two; both start at `delay` and stop at `max_delay`. An allocation that ran for longer than the
 * capped delay since its last reschedule starts again from `delay`.
 */
export function nextDelayMs(policy: ReschedulePolicy, tracker: readonly RescheduleEvent[], failMs: number): number {
  const last = tracker[tracker.length - 1];
  let delay = policy.delayMs;
  switch (policy.delayFunction) {
    case "constant":
      return policy.delayMs;
    case "exponential":
      if (last) delay = last.delayMs * 2;
      break;
    case "fibonacci": {
      const before = tracker[tracker.length - 2];
      if (last && before) delay = last.delayMs + before.delayMs;
      break;
    }
  }
  if (policy.maxDelayMs > 0 && delay > policy.maxDelayMs) {
    delay = policy.maxDelayMs;
    if (last && failMs - last.rescheduleTimeMs > delay) delay = policy.delayMs;
  }
  return delay;
}

export type RescheduleDecision =
  | { kind: "now"; delayMs: number }
  | { kind: "later"; atMs: number; delayMs: number }
  | { kind: "never" };

/**
 * What to do with a failed allocation. `evalId` is the evaluation running now: an allocation
 * whose follow-up eval this is gets rescheduled even if the clock says it is slightly early.
 */
export function rescheduleDecision(alloc: Allocation, policy: ReschedulePolicy | undefined, nowMs: number, evalId: string): RescheduleDecision {
  const failMs = failTimeMs(alloc, nowMs);
  if (!rescheduleEligible(policy, alloc.rescheduleTracker, failMs) || !policy) return { kind: "never" };
  const delayMs = nextDelayMs(policy, alloc.rescheduleTracker, failMs);
  const atMs = failMs + delayMs;
  if (atMs <= nowMs + RESCHEDULE_WINDOW_MS || (alloc.followupEvalId !== "" && alloc.followupEvalId === evalId)) {
    return { kind: "now", delayMs };
  }
  return { kind: "later", atMs, delayMs };
}

/** The tracker a replacement starts with: the recent past plus this reschedule. */
export function nextTracker(alloc: Allocation, policy: ReschedulePolicy, nowMs: number, delayMs: number): RescheduleEvent[] {
  const past = policy.unlimited
    ? alloc.rescheduleTracker.slice(-MAX_PAST_RESCHEDULE_EVENTS)
    : alloc.rescheduleTracker.filter((e) => nowMs - e.rescheduleTimeMs < policy.intervalMs);
  return [...past, { rescheduleTimeMs: nowMs, prevAllocId: alloc.id, prevNodeId: alloc.nodeId, delayMs }];
}

/** Nodes the replacement should avoid: where this allocation and its predecessors failed. */
export function penaltyNodeIds(alloc: Allocation): string[] {
  const ids = new Set<string>([alloc.nodeId]);
  for (const e of alloc.rescheduleTracker) if (e.prevNodeId !== "") ids.add(e.prevNodeId);
  return [...ids];
}
