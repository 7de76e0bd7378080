// Nomad's defaults for fields a jobspec leaves out, per job type where Nomad differs by type.

import type {
  EphemeralDisk, JobType, LogConfig, MigrateStrategy, ReschedulePolicy, Resources, RestartPolicy, UpdateStrategy,
} from "./job.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export const DEFAULT_REGION = "global";
export const DEFAULT_NAMESPACE = "default";
export const DEFAULT_NODE_POOL = "default";
/** Since Nomad 1.5 a job without `datacenters` may run in any datacenter. */
export const DEFAULT_DATACENTERS: readonly string[] = ["*"];
export const DEFAULT_PRIORITY = 50;
export const MIN_PRIORITY = 1;
export const MAX_PRIORITY = 100;
export const DEFAULT_AFFINITY_WEIGHT = 50;
export const DEFAULT_SPREAD_WEIGHT = 50;
export const DEFAULT_KILL_TIMEOUT_MS = 5 * SECOND;
export const DEFAULT_TASK_CPU_MHZ = 100;
export const DEFAULT_TASK_MEMORY_MB = 300;
export const DEFAULT_DYNAMIC_PORT_MIN = 20000;
export const DEFAULT_DYNAMIC_PORT_MAX = 32000;

export function defaultRestartPolicy(type: JobType): RestartPolicy {
  const batchLike = type === "batch" || type === "sysbatch";
  return {
    attempts: batchLike ? 3 : 2,
    intervalMs: batchLike ? 24 * HOUR : 30 * MINUTE,
    delayMs: 15 * SECOND,
    mode: "fail",
    renderTemplates: false,
  };
}

/** System and sysbatch jobs are never rescheduled: they run once per node by definition. */
export function defaultReschedulePolicy(type: JobType): ReschedulePolicy | undefined {
  switch (type) {
    case "service":
      return { attempts: 0, intervalMs: 0, delayMs: 30 * SECOND, delayFunction: "exponential", maxDelayMs: HOUR, unlimited: true };
    case "batch":
      return { attempts: 1, intervalMs: 24 * HOUR, delayMs: 5 * SECOND, delayFunction: "constant", maxDelayMs: 0, unlimited: false };
    default:
      return undefined;
  }
}

export function defaultUpdateStrategy(): UpdateStrategy {
  return {
    staggerMs: 30 * SECOND,
    maxParallel: 1,
    healthCheck: "checks",
    minHealthyTimeMs: 10 * SECOND,
    healthyDeadlineMs: 5 * MINUTE,
    progressDeadlineMs: 10 * MINUTE,
    autoRevert: false,
    autoPromote: false,
    canary: 0,
  };
}

export function defaultMigrateStrategy(): MigrateStrategy {
  return { maxParallel: 1, healthCheck: "checks", minHealthyTimeMs: 10 * SECOND, healthyDeadlineMs: 5 * MINUTE };
}

export function defaultEphemeralDisk(): EphemeralDisk {
  return { sizeMb: 300, sticky: false, migrate: false };
}

export function defaultLogConfig(): LogConfig {
  return { maxFiles: 10, maxFileSizeMb: 10, disabled: false };
}

export function defaultResources(): Resources {
  return {
    cpuMhz: DEFAULT_TASK_CPU_MHZ, cores: 0, memoryMb: DEFAULT_TASK_MEMORY_MB, memoryMaxMb: 0, diskMb: 0,
    networks: [], devices: [],
  };
}
