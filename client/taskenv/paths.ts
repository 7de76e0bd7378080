// NOMAD_ALLOC_DIR, NOMAD_TASK_DIR and NOMAD_SECRETS_DIR name the directories as the task sees them:
// a container or chroot sees /alloc, /local and /secrets; a task without filesystem isolation sees
// the host paths. Nomad decides this from the driver's FSIsolation capability.

import path from "node:path";
import type { TaskDirs } from "./env.js";

export type FsIsolation = "none" | "chroot" | "image";

/** Nomad's mount points inside an isolated task. */
const ISOLATED_DIRS: TaskDirs = { allocDir: "/alloc", taskDir: "/local", secretsDir: "/secrets" };

/**
 * @param allocSharedDir the allocation's shared directory on the host (`<alloc>/alloc`)
 * @param taskDir the task's directory on the host (`<alloc>/<task>`)
 */
export function taskDirsAsSeenBy(isolation: FsIsolation, allocSharedDir: string, taskDir: string): TaskDirs {
  if (isolation !== "none") return { ...ISOLATED_DIRS };
  return { allocDir: allocSharedDir, taskDir: path.join(taskDir, "local"), secretsDir: path.join(taskDir, "secrets") };
}
