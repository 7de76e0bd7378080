// What an allocation runner is given (options) and what it works through (modules).

import type { Logger } from "../../shared/log.js";
import type { Allocation } from "../../shared/model/alloc.js";
import type { Node } from "../../shared/model/node.js";
import type { AllocClientUpdate } from "../../shared/model/views.js";
import type { Driver, TaskHandle } from "../drivers/driver.js";
import type { FsIsolation } from "../taskenv/index.js";

export interface AllocRunnerOptions {
  alloc: Allocation;
  /** The node this client runs as (interpolation, NOMAD_DC). */
  node: Node;
  /** The allocation's directory, `<dataDir>/alloc/<allocId>` (see AllocDir.of). */
  allocDir: string;
  /** The client's region; the job's region by default. */
  region?: string;
  /** Overrides how a driver isolates the filesystem (what NOMAD_TASK_DIR & co. say), by driver name. */
  fsIsolation?: (driver: string) => FsIsolation;
  /** See TaskRunnerOptions.slowStartNoticeMs. */
  slowStartNoticeMs?: number;
}

export interface AllocRunnerModules {
  /** The node's drivers; a task whose driver is missing fails with a "Driver Failure". */
  drivers: readonly Driver[] | ReadonlyMap<string, Driver>;
  /** Called with the allocation's whole client-side status whenever a task's state or the deployment health changes. */
  report(update: AllocClientUpdate): void;
  /** Persists a task's handle (undefined once the task has exited), for recovery after a client restart. */
  saveHandle(task: string, handle: TaskHandle | undefined): void | Promise<void>;
  logger?: Logger;
  now?: () => number;
  /** In [0, 1): restart jitter. */
  random?: () => number;
}

export function findDriver(drivers: AllocRunnerModules["drivers"], name: string): Driver | undefined {
  if (drivers instanceof Map) return drivers.get(name);
  return (drivers as readonly Driver[]).find((d) => d.name === name);
}
