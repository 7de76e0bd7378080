// Small domain objects for state store tests, and a store that numbers its own Raft indexes.

import type {
  Allocation, Deployment, DeploymentState, Evaluation, Job, Node, TaskGroup,
} from "../../../shared/model/index.js";
import {
  StateStore, type AllocationInput, type ApplyResult, type StateCommand, type StateStoreOptions,
} from "../../../server/state/index.js";

export function group(name = "web", count = 1): TaskGroup {
  return {
    name,
    count,
    constraints: [],
    affinities: [],
    spreads: [],
    tasks: [{
      name: "server",
      driver: "mock",
      user: "",
      config: { run_for: "10s" },
      env: {},
      meta: {},
      resources: { cpuMhz: 100, cores: 0, memoryMb: 64, memoryMaxMb: 0, diskMb: 0, networks: [], devices: [] },
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
    }],
    restartPolicy: { attempts: 2, intervalMs: 1_800_000, delayMs: 15_000, mode: "fail", renderTemplates: false },
    ephemeralDisk: { sizeMb: 300, sticky: false, migrate: false },
    networks: [],
    services: [],
    volumes: {},
    meta: {},
    shutdownDelayMs: 0,
    preventRescheduleOnLost: false,
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

export function node(id = "node-1", overrides: Partial<Node> = {}): Node {
  return {
    id,
    secretId: `${id}-secret`,
    name: id,
    datacenter: "dc1",
    nodePool: "default",
    nodeClass: "",
    httpAddr: "127.0.0.1:4646",
    attributes: { "kernel.name": "linux", "cpu.arch": "amd64" },
    meta: {},
    resources: { cpuMhz: 4000, cores: 4, memoryMb: 8192, diskMb: 100_000, networks: [], devices: [] },
    reserved: { cpuMhz: 0, memoryMb: 0, diskMb: 0, reservedHostPorts: "" },
    drivers: { mock: { detected: true, healthy: true, healthDescription: "", attributes: {} } },
    status: "ready",
    statusDescription: "",
    schedulingEligibility: "eligible",
    computedClass: "v1:1",
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

export function allocation(id: string, of: Job, nodeId = "node-1", overrides: Partial<Allocation> = {}): Allocation {
  return {
    id,
    namespace: of.namespace,
    evalId: "eval-1",
    name: `${of.id}.web[0]`,
    nodeId,
    nodeName: nodeId,
    jobId: of.id,
    job: of,
    taskGroup: "web",
    allocatedResources: { tasks: { server: { cpuMhz: 100, reservedCores: [], memoryMb: 64, memoryMaxMb: 0, devices: [] } }, diskMb: 300, ports: [] },
    metrics: {
      nodesEvaluated: 1, nodesFiltered: 0, nodesInPool: 1, nodesAvailable: { dc1: 1 }, classFiltered: {}, constraintFiltered: {},
      nodesExhausted: 0, classExhausted: {}, dimensionExhausted: {}, quotaExhausted: [], scoreMetaData: [], allocationTimeMs: 0.1,
      coalescedFailures: 0,
    },
    desiredStatus: "run",
    desiredDescription: "",
    clientStatus: "pending",
    clientDescription: "",
    taskStates: {},
    previousAllocation: "",
    nextAllocation: "",
    deploymentId: "",
    rescheduleTracker: [],
    followupEvalId: "",
    createIndex: 0,
    modifyIndex: 0,
    allocModifyIndex: 0,
    createTimeMs: 1_700_000_000_000,
    modifyTimeMs: 1_700_000_000_000,
    ...overrides,
  };
}

export function deploymentState(overrides: Partial<DeploymentState> = {}): DeploymentState {
  return {
    autoRevert: false,
    autoPromote: false,
    progressDeadlineMs: 600_000,
    requireProgressByMs: 0,
    promoted: false,
    placedCanaries: [],
    desiredCanaries: 0,
    desiredTotal: 1,
    placedAllocs: 0,
    healthyAllocs: 0,
    unhealthyAllocs: 0,
    ...overrides,
  };
}

export function deployment(id: string, jobId = "web", overrides: Partial<Deployment> = {}): Deployment {
  return {
    id,
    namespace: "default",
    jobId,
    jobVersion: 0,
    jobModifyIndex: 0,
    jobCreateIndex: 0,
    taskGroups: { web: deploymentState() },
    status: "running",
    statusDescription: "Deployment is running",
    createIndex: 0,
    modifyIndex: 0,
    ...overrides,
  };
}

/** A store and the next Raft index to apply at. */
export class Harness {
  readonly store: StateStore;
  index = 0;

  constructor(opts: Partial<StateStoreOptions> = {}) {
    this.store = new StateStore({ blockingQueryJitterFraction: 0, ...opts });
  }

  apply(cmd: StateCommand): ApplyResult {
    this.index += 1;
    return this.store.apply(this.index, cmd);
  }

  get snap() {
    return this.store.snapshot();
  }
}

/** A uuid-looking id from a number, for prefix lookups. */
export function uuid(n: number): string {
  const hex = n.toString(16).padStart(8, "0");
  return `${hex}-0000-4000-8000-${hex.padStart(12, "0")}`;
}

/** An allocation as a plan sends it: without its job, which the store fills in. */
export function withoutJob(alloc: Allocation): AllocationInput {
  const { job: _job, ...rest } = alloc;
  return rest;
}
