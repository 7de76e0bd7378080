import { silentLogger, type Logger } from "../../../shared/log.js";

export interface ExecOptions {
  /** Where the cgroup v1 hierarchies are mounted (one directory per controller). */
  cgroupRoot: string;
  /** Each task's cgroup is `<controller>/<cgroupParent>/<allocId>-<task>`. */
  cgroupParent: string;
  /** How often a recovered task (no longer the client's child) is checked for having exited. */
  pollIntervalMs: number;
  logger: Logger;
}

export const defaultExecOptions: ExecOptions = {
  cgroupRoot: "/sys/fs/cgroup",
  cgroupParent: "nomadish",
  pollIntervalMs: 100,
  logger: silentLogger,
};
