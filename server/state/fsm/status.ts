// Derived statuses: when an allocation or evaluation is finished, and what a job's status is.

import {
  isTerminalClientStatus, type Allocation, type Evaluation, type Job, type JobStatus,
} from "../../../shared/model/index.js";

/** The servers asked the allocation to stop (Nomad's ServerTerminalStatus). */
export function isAllocServerTerminal(alloc: Pick<Allocation, "desiredStatus">): boolean {
  return alloc.desiredStatus === "stop" || alloc.desiredStatus === "evict";
}

/** The client reports the allocation finished (complete, failed or lost). */
export function isAllocClientTerminal(alloc: Pick<Allocation, "clientStatus">): boolean {
  return isTerminalClientStatus(alloc.clientStatus);
}

/**
 * Nomad's TerminalStatus: told to stop or finished on the client. Such an allocation no longer
 * counts towards a job's running allocations.
 */
export function isAllocTerminal(alloc: Pick<Allocation, "desiredStatus" | "clientStatus">): boolean {
  return isAllocServerTerminal(alloc) || isAllocClientTerminal(alloc);
}

/** Both told to stop and finished on the client: nothing of it runs any more. */
export function isAllocFullyStopped(alloc: Pick<Allocation, "desiredStatus" | "clientStatus">): boolean {
  return isAllocServerTerminal(alloc) && isAllocClientTerminal(alloc);
}

export function isEvalTerminal(ev: Pick<Evaluation, "status">): boolean {
  return ev.status === "complete" || ev.status === "failed" || ev.status === "canceled";
}

/** How many allocations and evaluations a job id has, and how many are not terminal. */
export interface JobCounts {
  allocs: number;
  liveAllocs: number;
  evals: number;
  liveEvals: number;
  /** Evaluations waiting in the blocked state, which a successful one cancels. */
  blockedEvals: number;
}

export const NO_COUNTS: JobCounts = { allocs: 0, liveAllocs: 0, evals: 0, liveEvals: 0, blockedEvals: 0 };

/** Adds `delta` to `counts`; undefined when every count is back to zero. */
export function addCounts(counts: JobCounts, delta: Partial<JobCounts>): JobCounts | undefined {
  const next: JobCounts = {
    allocs: counts.allocs + (delta.allocs ?? 0),
    liveAllocs: counts.liveAllocs + (delta.liveAllocs ?? 0),
    evals: counts.evals + (delta.evals ?? 0),
    liveEvals: counts.liveEvals + (delta.liveEvals ?? 0),
    blockedEvals: counts.blockedEvals + (delta.blockedEvals ?? 0),
  };
  const empty = next.allocs === 0 && next.liveAllocs === 0 && next.evals === 0 && next.liveEvals === 0 && next.blockedEvals === 0;
  return empty ? undefined : next;
}

/**
 * Nomad's getJobStatus. System, periodic and parameterized jobs run until stopped. Others run
 * while any allocation is live, are pending while an evaluation is, and are dead once everything
 * they made is finished (or was garbage collected: `evalDelete`).
 */
export function deriveJobStatus(job: Job, counts: JobCounts, evalDelete: boolean): JobStatus {
  if (job.type === "system" || job.periodic !== undefined || job.parameterized !== undefined) {
    return job.stop ? "dead" : "running";
  }
  if (counts.liveAllocs > 0) return "running";
  if (counts.liveEvals > 0) return "pending";
  if (evalDelete || counts.allocs > 0 || counts.evals > 0) return "dead";
  return job.stop ? "dead" : "pending";
}
