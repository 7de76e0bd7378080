// Keeps one task's TaskState the way Nomad does: the last 10 events, the restart counter bumped
// by each "Restarting" event, `failed` set by any event that fails the task, the start time of
// the latest run, and the finish time once the task is dead.

import type { TaskEvent, TaskState, TaskStateName } from "../../shared/model/alloc.js";
import { TaskEventType } from "./events.js";

export const MAX_TASK_EVENTS = 10;

export function newTaskState(): TaskState {
  return { state: "pending", failed: false, restarts: 0, lastRestartMs: 0, startedAtMs: 0, finishedAtMs: 0, events: [] };
}

export function copyTaskState(state: TaskState): TaskState {
  return { ...state, events: state.events.map((e) => ({ ...e, details: { ...e.details } })) };
}

export class TaskStateRecorder {
  #state: TaskState;
  readonly #now: () => number;
  readonly #onChange: (state: TaskState) => void;

  constructor(initial: TaskState, now: () => number, onChange: (state: TaskState) => void) {
    this.#state = copyTaskState(initial);
    this.#now = now;
    this.#onChange = onChange;
  }

  get state(): TaskStateName {
    return this.#state.state;
  }

  get failed(): boolean {
    return this.#state.failed;
  }

  snapshot(): TaskState {
    return copyTaskState(this.#state);
  }

  /** Records an event and, optionally, a new state; then tells the listener. */
  record(event: TaskEvent | undefined, state?: TaskStateName): void {
    const s = this.#state;
    if (event) {
      s.events = [...s.events, event].slice(-MAX_TASK_EVENTS);
      if (event.failsTask) s.failed = true;
      if (event.type === TaskEventType.Restarting) {
        s.restarts++;
        s.lastRestartMs = event.timeMs;
      }
    }
    if (state !== undefined && state !== s.state) {
      if (state === "running") s.startedAtMs = this.#now();
      if (state === "dead" && s.finishedAtMs === 0) s.finishedAtMs = this.#now();
      s.state = state;
    }
    this.#onChange(this.snapshot());
  }
}
