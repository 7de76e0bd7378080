// Deployment health from task states (Nomad's `health_check = "task_states"`): the allocation is
// healthy once every long-running task has been running, without a restart, for min_healthy_time;
// it is unhealthy as soon as one of them fails, or if that has not happened by healthy_deadline.

import type { TaskState } from "../../shared/model/alloc.js";
import { formatDuration } from "../../shared/model/duration.js";

export interface HealthWatcherOptions {
  /** The tasks that must be running. */
  tasks: readonly string[];
  minHealthyTimeMs: number;
  healthyDeadlineMs: number;
}

export interface HealthWatcherModules {
  now: () => number;
  onResult(healthy: boolean, description: string): void;
}

export class HealthWatcher {
  readonly #opts: HealthWatcherOptions;
  readonly #modules: HealthWatcherModules;
  #decided = false;
  #healthyTimer: NodeJS.Timeout | undefined;
  /** The latest start among the tasks when the healthy timer was armed; a restart re-arms it. */
  #armedForStartMs = 0;
  readonly #deadlineTimer: NodeJS.Timeout;
  #latest: ReadonlyMap<string, TaskState> = new Map();

  constructor(opts: HealthWatcherOptions, modules: HealthWatcherModules) {
    this.#opts = opts;
    this.#modules = modules;
    this.#deadlineTimer = setTimeout(() => {
      this.#decide(false, `Task not running for min_healthy_time of ${formatDuration(opts.minHealthyTimeMs)} by healthy_deadline of ${formatDuration(opts.healthyDeadlineMs)}`);
    }, opts.healthyDeadlineMs);
    // The client's lifetime is not tied to a deployment's deadline.
    this.#deadlineTimer.unref();
  }

  get decided(): boolean {
    return this.#decided;
  }

  observe(states: ReadonlyMap<string, TaskState>): void {
    if (this.#decided) return;
    this.#latest = states;
    const watched = this.#opts.tasks.map((name) => ({ name, state: states.get(name) }));
    const failed = watched.find((t) => t.state?.failed);
    if (failed) return this.#decide(false, `Task "${failed.name}" failed`);
    if (!watched.every((t) => t.state?.state === "running")) return this.#disarm();
    const latestStartMs = Math.max(0, ...watched.map((t) => t.state?.startedAtMs ?? 0));
    if (this.#healthyTimer && this.#armedForStartMs === latestStartMs) return;
    this.#disarm();
    this.#armedForStartMs = latestStartMs;
    const waitMs = Math.max(0, latestStartMs + this.#opts.minHealthyTimeMs - this.#modules.now());
    this.#healthyTimer = setTimeout(() => {
      this.#healthyTimer = undefined;
      const stillRunning = this.#opts.tasks.every((name) => this.#latest.get(name)?.state === "running");
      if (stillRunning) this.#decide(true, "Task states are healthy");
    }, waitMs);
    this.#healthyTimer.unref();
  }

  stop(): void {
    this.#disarm();
    clearTimeout(this.#deadlineTimer);
  }

  #disarm(): void {
    if (this.#healthyTimer) clearTimeout(this.#healthyTimer);
    this.#healthyTimer = undefined;
  }

  #decide(healthy: boolean, description: string): void {
    if (this.#decided) return;
    this.#decided = true;
    this.stop();
    this.#modules.onResult(healthy, description);
  }
}
