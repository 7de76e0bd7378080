// Small clusters for placement tests: nodes, jobs, an in-memory cluster view and a plan that
// the tests extend placement by placement, as a scheduler would.

import { sumAllocUsage, type AllocatedResources, type Allocation, type Job, type Node, type NodeAllocUsage, type TaskGroup } from "../../../shared/model/index.js";
import { job, node } from "../../support/model.js";
import {
  isTerminal, PlacementEngine, type PlacedNode, type Placement, type PlacementEngineOptions, type PlacementState, type PlanView,
} from "../../../server/scheduler/index.js";

export { group, job, node, task } from "../../support/model.js";

/** A job with one group; returns both. */
export function jobWith(g: TaskGroup, overrides: Partial<Job> = {}): { job: Job; group: TaskGroup } {
  const j = job(overrides.id ?? "web", { ...overrides, taskGroups: [g] });
  return { job: j, group: g };
}

/** `count` nodes named `${prefix}-0`… with the same overrides. */
export function nodes(count: number, prefix = "node", overrides: (i: number) => Partial<Node> = () => ({})): Node[] {
  return Array.from({ length: count }, (_, i) => node(`${prefix}-${i}`, overrides(i)));
}

export function allocation(id: string, of: Job, g: TaskGroup, nodeId: string, resources: AllocatedResources, overrides: Partial<Allocation> = {}): Allocation {
  return {
    id,
    namespace: of.namespace,
    evalId: "eval-0",
    name: `${of.id}.${g.name}[0]`,
    nodeId,
    nodeName: nodeId,
    jobId: of.id,
    job: of,
    taskGroup: g.name,
    allocatedResources: resources,
    metrics: {
      nodesEvaluated: 0, nodesFiltered: 0, nodesInPool: 0, nodesAvailable: {}, classFiltered: {}, constraintFiltered: {},
      nodesExhausted: 0, classExhausted: {}, dimensionExhausted: {}, quotaExhausted: [], scoreMetaData: [], allocationTimeMs: 0,
      coalescedFailures: 0,
    },
    desiredStatus: "run",
    desiredDescription: "",
    clientStatus: "running",
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
    createTimeMs: 0,
    modifyTimeMs: 0,
    ...overrides,
  };
}

/** Resources of an existing allocation using `cpuMhz`/`memoryMb` in one task. */
export function usage(cpuMhz: number, memoryMb: number, extra: Partial<AllocatedResources> = {}): AllocatedResources {
  return { tasks: { server: { cpuMhz, reservedCores: [], memoryMb, memoryMaxMb: 0, devices: [] } }, diskMb: 0, ports: [], ...extra };
}

/** The cluster view, indexed like the state store's. */
export class MemState implements PlacementState {
  private readonly byNode = new Map<string, Allocation[]>();
  private readonly byJob = new Map<string, Allocation[]>();
  private readonly byId = new Map<string, Allocation>();

  constructor(private readonly nodeList: Node[], allocs: Allocation[] = []) {
    for (const a of allocs) this.add(a);
  }

  add(a: Allocation): void {
    this.byId.set(a.id, a);
    const n = this.byNode.get(a.nodeId) ?? [];
    n.push(a);
    this.byNode.set(a.nodeId, n);
    const key = `${a.namespace}/${a.jobId}`;
    const j = this.byJob.get(key) ?? [];
    j.push(a);
    this.byJob.set(key, j);
  }

  nodes(): Node[] {
    return this.nodeList;
  }

  allocsByNode(nodeId: string): Allocation[] {
    return [...(this.byNode.get(nodeId) ?? [])];
  }

  allocsByJob(namespace: string, jobId: string): Allocation[] {
    return [...(this.byJob.get(`${namespace}/${jobId}`) ?? [])];
  }

  alloc(id: string): Allocation | undefined {
    return this.byId.get(id);
  }

  nodeUsage(nodeId: string): NodeAllocUsage {
    return sumAllocUsage(this.allocsByNode(nodeId).filter((a) => !isTerminal(a)));
  }
}

export interface TestPlan extends PlanView {
  nodeAllocation: Record<string, Allocation[]>;
  nodeUpdate: Record<string, Allocation[]>;
}

export function emptyPlan(): TestPlan {
  return { nodeAllocation: {}, nodeUpdate: {} };
}

let allocSeq = 0;

/** Adds a placement to the plan as the allocation a scheduler would create. */
export function accept(plan: TestPlan, of: Job, g: TaskGroup, placed: PlacedNode): Allocation {
  const a = allocation(`alloc-${++allocSeq}`, of, g, placed.node.id, placed.resources);
  (plan.nodeAllocation[placed.node.id] ??= []).push(a);
  return a;
}

/** Places `count` allocations one after the other, each seeing the previous ones in the plan. */
export function placeMany(
  engine: PlacementEngine, of: Job, g: TaskGroup, count: number, plan: TestPlan = emptyPlan(),
): { placements: Placement[]; plan: TestPlan; nodeIds: (string | undefined)[] } {
  const placements: Placement[] = [];
  for (let i = 0; i < count; i++) {
    const p = engine.select(of, g, plan);
    placements.push(p);
    if (p.node !== undefined) accept(plan, of, g, p);
  }
  return { placements, plan, nodeIds: placements.map((p) => p.node?.id) };
}

export function engineFor(state: PlacementState, opts: Partial<PlacementEngineOptions> = {}): PlacementEngine {
  return new PlacementEngine({ evalId: "eval-1", ...opts }, { state });
}

/** Counts of a list of strings. */
export function tally(values: readonly (string | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v ?? "none"] = (out[v ?? "none"] ?? 0) + 1;
  return out;
}
