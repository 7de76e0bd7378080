// Nomad's restart tracker: decides, after a task exits or fails to start, whether it runs again
// and after what delay. Failures are counted per interval; within `attempts` the task restarts
// after `delay` (plus up to 25% jitter, so a fleet of crashing tasks does not restart in step);
// beyond them mode "fail" gives up and mode "delay" waits for the interval to end, which starts a
// new interval with a fresh count. A clean exit does not restart tasks that are meant to finish
// (batch jobs, non-sidecar lifecycle hooks).

import { formatDuration } from "../../shared/model/duration.js";
import type { JobType, Lifecycle, RestartPolicy } from "../../shared/model/job.js";
import { RESTART_WITHIN_POLICY } from "./events.js";

export type RestartDecision =
  | { action: "restart"; delayMs: number; reason: string }
  /** `failed`: the task gave up (a failure); otherwise it finished as intended. */
  | { action: "stop"; failed: boolean; reason: string };

const JITTER_FRACTION = 0.25;
export const REASON_NO_RESTARTS = "Policy allows no restarts";
export const REASON_DELAY = "Exceeded allowed attempts, applying a delay";
export const REASON_SUCCESS = "Restart unnecessary as task terminated successfully";

/** Service and system tasks run forever, so even a clean exit is restarted; batch work is done. */
export function restartsOnSuccess(jobType: JobType, lifecycle: Lifecycle | undefined): boolean {
  if (lifecycle !== undefined && !lifecycle.sidecar) return false;
  return jobType === "service" || jobType === "system";
}

export class RestartTracker {
  readonly #policy: RestartPolicy;
  readonly #onSuccess: boolean;
  readonly #now: () => number;
  readonly #random: () => number;
  #count = 0;
  #intervalStartMs: number;

  constructor(policy: RestartPolicy, onSuccess: boolean, now: () => number, random: () => number) {
    this.#policy = policy;
    this.#onSuccess = onSuccess;
    this.#now = now;
    this.#random = random;
    this.#intervalStartMs = now();
  }

  /** The task exited on its own; `successful` is exit code 0, no signal, no error. */
  onExit(successful: boolean): RestartDecision {
    return this.#decide(successful);
  }

  /** The driver failed to start the task for a reason that may go away (not a TaskConfigError). */
  onStartError(): RestartDecision {
    return this.#decide(false);
  }

  #decide(successful: boolean): RestartDecision {
    const { attempts, intervalMs, mode } = this.#policy;
    if (successful && !this.#onSuccess) return { action: "stop", failed: false, reason: REASON_SUCCESS };
    if (attempts === 0) return { action: "stop", failed: true, reason: REASON_NO_RESTARTS };

    const now = this.#now();
    if (now >= this.#intervalStartMs + intervalMs) {
      this.#count = 0;
      this.#intervalStartMs = now;
    }
    this.#count++;
    if (this.#count <= attempts) return { action: "restart", delayMs: this.#jitteredDelay(), reason: RESTART_WITHIN_POLICY };
    if (mode === "fail") {
      return {
        action: "stop",
        failed: true,
        reason: `Exceeded allowed attempts ${attempts} in interval ${formatDuration(intervalMs)} and mode is "fail"`,
      };
    }
    return { action: "restart", delayMs: Math.max(0, this.#intervalStartMs + intervalMs - now), reason: REASON_DELAY };
  }

  #jitteredDelay(): number {
    const delay = this.#policy.delayMs;
    return delay + this.#random() * delay * JITTER_FRACTION;
  }
}
