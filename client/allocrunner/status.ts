// The allocation's client status from its tasks' states, by Nomad's rules: any failed task fails
// the allocation; otherwise any running task makes it running, any pending one pending, and
// once every task is dead it is complete.

import type { AllocClientStatus, TaskState } from "../../shared/model/alloc.js";

export interface ClientStatus {
  status: AllocClientStatus;
  description: string;
}

export function allocClientStatus(states: Iterable<TaskState>): ClientStatus {
  let pending = false;
  let running = false;
  let dead = false;
  let failed = false;
  for (const state of states) {
    if (state.state === "running") running = true;
    else if (state.state === "pending") pending = true;
    else if (state.failed) failed = true;
    else dead = true;
  }
  if (failed) return { status: "failed", description: "Failed tasks" };
  if (running) return { status: "running", description: "Tasks are running" };
  if (pending) return { status: "pending", description: "No tasks have started" };
  if (dead) return { status: "complete", description: "All tasks have completed" };
  return { status: "pending", description: "No tasks have started" };
}
