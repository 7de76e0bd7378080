// Small domain objects for state store tests, and a store that numbers its own Raft indexes.

import type { Allocation, Deployment, DeploymentState, Job, Node, TaskGroup } from "../../../shared/model/index.js";
import { group as baseGroup, job as baseJob, node as baseNode, task } from "../../support/model.js";

export { evaluation } from "../../support/model.js";
import {
  StateStore, type AllocationInput, type ApplyResult, type StateCommand, type StateSnapshot, type StateStoreOptions,
} from "../../../server/state/index.js";

/** The state tests' group: one small mock task that runs for 10 s. */
export function group(name = "web", count = 1): TaskGroup {
  return baseGroup(name, count, { tasks: [task("server", { config: { run_for: "10s" } }, { cpuMhz: 100, memoryMb: 64 })] });
}

export function job(id = "web", overrides: Partial<Job> = {}): Job {
  return baseJob(id, { taskGroups: [group()], ...overrides });
}

export function node(id = "node-1", overrides: Partial<Node> = {}): Node {
  return baseNode(id, { attributes: { "kernel.name": "linux", "cpu.arch": "amd64" }, computedClass: "v1:1", ...overrides }, { networks: [] });
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

/** Every table and index of a state, with its indexes: what a snapshot round trip must reproduce exactly. */
export function stateTables(s: StateSnapshot): Record<string, unknown> {
  const d = s.data;
  const out: Record<string, unknown> = { latestIndex: d.latestIndex, tableIndexes: d.tableIndexes };
  for (const [name, value] of Object.entries(d)) {
    if (typeof value === "object" && value !== null && "entries" in value && typeof value.entries === "function") {
      out[name] = (value.entries as () => unknown)();
    }
  }
  return out;
}
