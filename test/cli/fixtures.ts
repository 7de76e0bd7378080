// Domain objects for the CLI's formatter tests: allocations and placement metrics on top of the
// shared builders in test/support/model.ts.

import type { Allocation, AllocationStub, AllocMetric, TaskState } from "../../shared/model/index.js";
import { allocStub } from "../../shared/model/index.js";
import { job } from "../support/model.js";

export const T0 = Date.UTC(2024, 4, 10, 14, 5, 56);

export function metric(overrides: Partial<AllocMetric> = {}): AllocMetric {
  return {
    nodesEvaluated: 3, nodesFiltered: 0, nodesInPool: 3, nodesAvailable: { dc1: 3 }, classFiltered: {}, constraintFiltered: {},
    nodesExhausted: 0, classExhausted: {}, dimensionExhausted: {}, quotaExhausted: [], scoreMetaData: [], allocationTimeMs: 0,
    coalescedFailures: 0, ...overrides,
  };
}

export function runningTask(startedAtMs = T0): TaskState {
  return {
    state: "running", failed: false, restarts: 0, lastRestartMs: 0, startedAtMs, finishedAtMs: 0,
    events: [
      { type: "Received", timeMs: startedAtMs - 2000, message: "", details: {}, failsTask: false },
      { type: "Started", timeMs: startedAtMs, message: "", details: {}, failsTask: false },
    ],
  };
}

export function alloc(id: string, overrides: Partial<Allocation> = {}): Allocation {
  return {
    id,
    namespace: "default",
    evalId: "e1a2b3c4-0000-0000-0000-000000000000",
    name: "web.web[0]",
    nodeId: "f7476465-4d6e-c0de-26d0-e383c49be941",
    nodeName: "node-1",
    jobId: "web",
    job: job("web", { version: 2 }),
    taskGroup: "web",
    allocatedResources: { tasks: { server: { cpuMhz: 500, reservedCores: [], memoryMb: 256, memoryMaxMb: 0, devices: [] } }, diskMb: 300, ports: [] },
    metrics: metric(),
    desiredStatus: "run",
    desiredDescription: "",
    clientStatus: "running",
    clientDescription: "Tasks are running",
    taskStates: { server: runningTask() },
    previousAllocation: "",
    nextAllocation: "",
    deploymentId: "",
    rescheduleTracker: [],
    followupEvalId: "",
    createIndex: 10,
    modifyIndex: 12,
    allocModifyIndex: 10,
    createTimeMs: T0,
    modifyTimeMs: T0 + 65_000,
    ...overrides,
  };
}

export function stub(id: string, overrides: Partial<Allocation> = {}): AllocationStub {
  return allocStub(alloc(id, overrides));
}
