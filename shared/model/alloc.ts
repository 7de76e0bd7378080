// Allocations: one placement of a task group on a node, and what happened to it there.

import type { Job, Port } from "./job.js";

export type AllocDesiredStatus = "run" | "stop" | "evict";
export type AllocClientStatus = "pending" | "running" | "complete" | "failed" | "lost" | "unknown";
export type TaskStateName = "pending" | "running" | "dead";

export interface TaskEvent {
  type: string;
  timeMs: number;
  message: string;
  details: Record<string, string>;
  exitCode?: number;
  signal?: number;
  failsTask: boolean;
}

export interface TaskState {
  state: TaskStateName;
  failed: boolean;
  restarts: number;
  lastRestartMs: number;
  startedAtMs: number;
  finishedAtMs: number;
  events: TaskEvent[];
}

export interface AllocatedPort {
  label: string;
  value: number;
  to: number;
  hostIp: string;
}

export interface AllocatedTaskResources {
  cpuMhz: number;
  /** Specific cores pinned for the task, when it asked for `cores`. */
  reservedCores: number[];
  memoryMb: number;
  memoryMaxMb: number;
  /** Device instance ids assigned, by device name. */
  devices: { name: string; deviceIds: string[] }[];
}

export interface AllocatedResources {
  tasks: Record<string, AllocatedTaskResources>;
  diskMb: number;
  ports: AllocatedPort[];
}

/** Why nodes were filtered or exhausted, and how each considered node scored. */
export interface AllocMetric {
  nodesEvaluated: number;
  nodesFiltered: number;
  nodesInPool: number;
  nodesAvailable: Record<string, number>;
  classFiltered: Record<string, number>;
  constraintFiltered: Record<string, number>;
  nodesExhausted: number;
  classExhausted: Record<string, number>;
  dimensionExhausted: Record<string, number>;
  quotaExhausted: string[];
  scoreMetaData: { nodeId: string; scores: Record<string, number>; normScore: number }[];
  allocationTimeMs: number;
  coalescedFailures: number;
}

export interface RescheduleEvent {
  rescheduleTimeMs: number;
  prevAllocId: string;
  prevNodeId: string;
  delayMs: number;
}

export interface DeploymentStatus {
  healthy?: boolean;
  timestampMs: number;
  canary: boolean;
  modifyIndex: number;
}

export interface Allocation {
  id: string;
  namespace: string;
  evalId: string;
  /** `<job>.<group>[<index>]`, the index that NOMAD_ALLOC_INDEX exposes. */
  name: string;
  nodeId: string;
  nodeName: string;
  jobId: string;
  /** The job version this allocation runs, copied so clients need no second lookup. */
  job: Job;
  taskGroup: string;
  allocatedResources: AllocatedResources;
  metrics: AllocMetric;
  desiredStatus: AllocDesiredStatus;
  desiredDescription: string;
  clientStatus: AllocClientStatus;
  clientDescription: string;
  taskStates: Record<string, TaskState>;
  previousAllocation: string;
  nextAllocation: string;
  deploymentId: string;
  deploymentStatus?: DeploymentStatus;
  rescheduleTracker: RescheduleEvent[];
  followupEvalId: string;
  createIndex: number;
  modifyIndex: number;
  allocModifyIndex: number;
  createTimeMs: number;
  modifyTimeMs: number;
}

export function allocIndex(alloc: Pick<Allocation, "name">): number {
  // Read by hand rather than by a regular expression: the reconciler asks for every allocation
  // of a job on every evaluation of it.
  const name = alloc.name;
  const close = name.length - 1;
  if (name.charCodeAt(close) !== 0x5d /* ] */) return 0;
  const open = name.lastIndexOf("[", close);
  if (open < 0 || open + 1 === close) return 0;
  for (let i = open + 1; i < close; i++) {
    const digit = name.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return 0;
  }
  return Number(name.slice(open + 1, close));
}

export function isTerminalClientStatus(status: AllocClientStatus): boolean {
  return status === "complete" || status === "failed" || status === "lost";
}

export type { Port };
