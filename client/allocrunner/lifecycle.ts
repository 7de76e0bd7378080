// The part each task plays in its group's lifecycle, which decides when it starts and when it is
// stopped: prestart tasks run first (sidecars keep running beside the main tasks), poststart ones
// once the main tasks run, poststop ones after everything else has ended.

import type { Task } from "../../shared/model/job.js";

export type TaskRole = "prestart" | "prestartSidecar" | "main" | "poststart" | "poststartSidecar" | "poststop";

export function taskRole(task: Task): TaskRole {
  const lifecycle = task.lifecycle;
  if (lifecycle === undefined) return "main";
  switch (lifecycle.hook) {
    case "prestart":
      return lifecycle.sidecar ? "prestartSidecar" : "prestart";
    case "poststart":
      return lifecycle.sidecar ? "poststartSidecar" : "poststart";
    case "poststop":
      return "poststop";
  }
}

export const SIDECAR_ROLES: ReadonlySet<TaskRole> = new Set(["prestartSidecar", "poststartSidecar"]);

/** Stopping goes backwards through the lifecycle: poststart tasks, then main tasks, then prestart ones. */
export const STOP_ORDER: readonly (readonly TaskRole[])[] = [
  ["poststart", "poststartSidecar"],
  ["main"],
  ["prestart", "prestartSidecar"],
];

/** Tasks whose running decides deployment health: the long-running ones. */
export function countsForHealth(role: TaskRole): boolean {
  return role === "main" || SIDECAR_ROLES.has(role);
}
