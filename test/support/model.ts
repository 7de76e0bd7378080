// Domain objects with plain defaults for tests: each builder takes overrides for what a test
// is about. Suites with their own conventions wrap these instead of copying them.

import type { Evaluation, Job, Node, Task, TaskGroup } from "../../shared/model/index.js";

export function task(name = "server", overrides: Partial<Task> = {}, resources: Partial<Task["resources"]> = {}): Task {
  return {
    name,
    driver: "mock",
    user: "",
    config: {},
    env: {},
    meta: {},
    resources: { cpuMhz: 500, cores: 0, memoryMb: 256, memoryMaxMb: 0, diskMb: 0, networks: [], devices: [], ...resources },
    restartPolicy: { attempts: 2, intervalMs: 1_800_000, delayMs: 15_000, mode: "fail", renderTemplates: false },
    services: [],
    templates: [],
    artifacts: [],
    constraints: [],
    affinities: [],
    logConfig: { maxFiles: 10, maxFileSizeMb: 10, disabled: false },
    killTimeoutMs: 5_000,
    killSignal: "",
    shutdownDelayMs: 0,
    leader: false,
    kind: "",
    volumeMounts: [],
    identities: [],
    ...overrides,
  };
}

export function group(name = "web", count = 1, overrides: Partial<TaskGroup> = {}): TaskGroup {
  return {
    name,
    count,
    constraints: [],
    affinities: [],
    spreads: [],
    tasks: [task()],
    restartPolicy: { attempts: 2, intervalMs: 1_800_000, delayMs: 15_000, mode: "fail", renderTemplates: false },
    ephemeralDisk: { sizeMb: 300, sticky: false, migrate: false },
    networks: [],
    services: [],
    volumes: {},
    meta: {},
    shutdownDelayMs: 0,
    preventRescheduleOnLost: false,
    ...overrides,
  };
}

export function job(id = "web", overrides: Partial<Job> = {}): Job {
  return {
    id,
    name: id,
    namespace: "default",
    region: "global",
    type: "service",
    priority: 50,
    allAtOnce: false,
    datacenters: ["dc1"],
    nodePool: "default",
    constraints: [],
    affinities: [],
    spreads: [],
    taskGroups: [group()],
    meta: {},
    stop: false,
    status: "pending",
    version: 0,
    submitTimeMs: 1_700_000_000_000,
    createIndex: 0,
    modifyIndex: 0,
    jobModifyIndex: 0,
    ...overrides,
  };
}

export function node(id: string, overrides: Partial<Node> = {}, resources: Partial<Node["resources"]> = {}): Node {
  return {
    id,
    secretId: `${id}-secret`,
    name: id,
    datacenter: "dc1",
    nodePool: "default",
    nodeClass: "",
    httpAddr: "127.0.0.1:4646",
    attributes: { "kernel.name": "linux", "cpu.arch": "amd64", "driver.mock": "1" },
    meta: {},
    resources: {
      cpuMhz: 4000, cores: 4, memoryMb: 8192, diskMb: 100_000,
      networks: [{ mode: "host", device: "eth0", ip: "10.0.0.1", mbits: 1000 }], devices: [], ...resources,
    },
    reserved: { cpuMhz: 0, memoryMb: 0, diskMb: 0, reservedHostPorts: "" },
    drivers: { mock: { detected: true, healthy: true, healthDescription: "", attributes: {} } },
    status: "ready",
    statusDescription: "",
    schedulingEligibility: "eligible",
    computedClass: "",
    statusUpdatedAtMs: 1_700_000_000_000,
    createIndex: 0,
    modifyIndex: 0,
    ...overrides,
  };
}

export function evaluation(id: string, jobId = "web", overrides: Partial<Evaluation> = {}): Evaluation {
  return {
    id,
    namespace: "default",
    priority: 50,
    type: "service",
    triggeredBy: "job-register",
    jobId,
    jobModifyIndex: 0,
    nodeId: "",
    nodeModifyIndex: 0,
    deploymentId: "",
    status: "pending",
    statusDescription: "",
    waitUntilMs: 0,
    nextEval: "",
    previousEval: "",
    blockedEval: "",
    failedTgAllocs: {},
    classEligibility: {},
    escapedComputedClass: false,
    queuedAllocations: {},
    snapshotIndex: 0,
    createIndex: 0,
    modifyIndex: 0,
    createTimeMs: 1_700_000_000_000,
    modifyTimeMs: 1_700_000_000_000,
    ...overrides,
  };
}
