// What a task runner is given: the task to run and where (options), and the things it works
// through (modules): its driver, a logger, the callbacks that persist its handle and report its
// state, and the clock and randomness (so tests can pin them).

import type { Logger } from "../../shared/log.js";
import type { Allocation, TaskState } from "../../shared/model/alloc.js";
import type { Task } from "../../shared/model/job.js";
import type { Node } from "../../shared/model/node.js";
import type { AllocDir } from "../allocdir/index.js";
import type { Driver, TaskHandle } from "../drivers/driver.js";
import type { FsIsolation } from "../taskenv/index.js";

export interface TaskRunnerOptions {
  alloc: Allocation;
  /** The task, as found in the allocation's job. */
  task: Task;
  /** The node this client runs as: `${attr.*}`, `${meta.*}`, `${node.*}` and NOMAD_DC come from it. */
  node: Node;
  /** The client's region (NOMAD_REGION, `${node.region}`); the job's region by default. */
  region?: string;
  allocDir: AllocDir;
  /** How the driver isolates the filesystem, which decides what NOMAD_TASK_DIR & co. say. By driver name by default. */
  fsIsolation?: FsIsolation;
  /** Emit a "Driver" event when the driver has not started the task after this long (pulling an image, …). */
  slowStartNoticeMs?: number;
}

export const DEFAULT_SLOW_START_NOTICE_MS = 5_000;

export interface TaskRunnerModules {
  /** undefined when the node has no such driver: the task fails with a "Driver Failure". */
  driver: Driver | undefined;
  logger?: Logger;
  /** Called after every change of the task's state, with a copy of it. */
  onStateChange(state: TaskState): void;
  /** Persists the handle of the running task (undefined once it has exited), for recovery after a client restart. */
  saveHandle(handle: TaskHandle | undefined): void | Promise<void>;
  now?: () => number;
  /** In [0, 1): restart jitter. */
  random?: () => number;
}

/** Nomad's drivers declare this as their FSIsolation capability. */
export function defaultFsIsolation(driver: string): FsIsolation {
  switch (driver) {
    case "docker":
      return "image";
    case "exec":
      return "chroot";
    default:
      return "none";
  }
}

/** Why a task is being killed, shown as an event before "Killing" (e.g. "Sibling Task Failed"). */
export interface KillReason {
  type: string;
  message: string;
}
