// The context every stage of the chain shares: the cluster view, the plan so far, the seeded
// generator, the caches that live for the whole evaluation, and the metrics of the placement
// in progress.

import { withAllocUsage, type Allocation, type Job, type Node, type NodeAllocUsage } from "../../shared/model/index.js";
import { EvalEligibility, NodeClassCache } from "./class.js";
import { MetricsRecorder } from "./metrics.js";
import { OperatorCache } from "./operators.js";
import type { PlacementOptions } from "./options.js";
import { isTerminal } from "./resources.js";
import type { Rng } from "./rng.js";
import { EMPTY_PLAN, type PlacementState, type PlanView } from "./types.js";

interface ProposedNode {
  /** Lengths of the plan's lists for the node when this was computed. */
  placed: number;
  stops: number;
  preempted: number;
  usage: NodeAllocUsage;
}

function hasKeys(record: object): boolean {
  for (const _ in record) return true;
  return false;
}

/** Nodes by id per node list (one list per version of the state's nodes table). */
const nodesByIdCache = new WeakMap<readonly Node[], ReadonlyMap<string, Node>>();

export class EvalContext {
  readonly operators = new OperatorCache();
  readonly eligibility = new EvalEligibility();
  readonly classes = new NodeClassCache();
  plan: PlanView = EMPTY_PLAN;
  metrics: MetricsRecorder;
  private nodesById: ReadonlyMap<string, Node> | undefined;
  /**
   * Per node: what its allocations will take once the plan is applied, kept across the
   * placements of one evaluation. Between placements the plan only grows, so a node whose stops
   * are unchanged and whose placements were appended to is brought up to date by adding the new
   * ones; anything else is derived again from the state's usage and the plan's entries for it.
   */
  private proposed = new Map<string, ProposedNode>();
  /** Whether the plan stops or preempts anything (checked at each placement's reset). */
  private planStops = false;
  private planPreemptions = false;
  private jobAllocs: { job: Job; allocs: Allocation[] } | undefined;
  /** Live allocations in the state of one job, per node and group: job anti-affinity counts from it. */
  private jobGroupsByNode: { job: Job; byNode: Map<string, Map<string, number>> } | undefined;

  constructor(
    readonly state: PlacementState,
    readonly rng: Rng,
    readonly options: PlacementOptions,
  ) {
    this.metrics = new MetricsRecorder(options.scoreMetaTopN);
  }

  /** Starts a new placement: fresh metrics, and forget whatever was derived from the previous plan. */
  reset(plan: PlanView): void {
    if (plan !== this.plan) this.proposed = new Map();
    this.plan = plan;
    this.planStops = hasKeys(plan.nodeUpdate);
    this.planPreemptions = hasKeys(plan.nodePreemptions ?? {});
    this.metrics = new MetricsRecorder(this.options.scoreMetaTopN);
    this.jobAllocs = undefined;
  }

  node(id: string): Node | undefined {
    if (this.nodesById === undefined) {
      const nodes = this.state.nodes();
      this.nodesById = nodesByIdCache.get(nodes);
      if (this.nodesById === undefined) nodesByIdCache.set(nodes, this.nodesById = new Map(nodes.map((n) => [n.id, n])));
    }
    return this.nodesById.get(id);
  }

  /** What the node's allocations take once the plan is applied: its live ones, less the plan's stops, with its placements. */
  proposedUsage(nodeId: string): NodeAllocUsage {
    const placed = this.plan.nodeAllocation[nodeId] ?? [];
    // Looking a node id up in an empty record is a lookup V8 cannot cache (thousands of ids, one
    // shape): the most expensive line of the placement loop until plans without stops skipped it.
    const stops = this.planStops ? this.plan.nodeUpdate[nodeId]?.length ?? 0 : 0;
    const preempted = this.planPreemptions ? this.plan.nodePreemptions?.[nodeId]?.length ?? 0 : 0;
    // Nothing of the plan on the node (most nodes): the state's usage as it is.
    if (placed.length === 0 && stops === 0 && preempted === 0) return this.state.nodeUsage(nodeId);
    const cached = this.proposed.get(nodeId);
    if (cached && cached.stops === stops && cached.preempted === preempted && cached.placed <= placed.length) {
      if (cached.placed === placed.length) return cached.usage;
      const added = placed.slice(cached.placed);
      // A placement that updates an allocation the state already has must take its old size away
      // first. New allocations (create index 0) cannot be in the state: no need to look.
      if (added.every((a) => a.createIndex === 0 || this.state.alloc(a.id) === undefined)) {
        for (const a of added) if (!isTerminal(a)) cached.usage = withAllocUsage(cached.usage, a, 1);
        cached.placed = placed.length;
        return cached.usage;
      }
    }
    let usage = this.state.nodeUsage(nodeId);
    const gone = new Set<string>();
    for (const list of [this.plan.nodeUpdate[nodeId], this.plan.nodePreemptions?.[nodeId]]) {
      for (const a of list ?? []) gone.add(a.id);
    }
    // Only in-place updates among the placements can already be in the state.
    for (const a of placed) if (a.createIndex !== 0) gone.add(a.id);
    for (const id of gone) {
      const row = this.state.alloc(id);
      if (row !== undefined && row.nodeId === nodeId && !isTerminal(row)) usage = withAllocUsage(usage, row, -1);
    }
    for (const a of placed) if (!isTerminal(a)) usage = withAllocUsage(usage, a, 1);
    this.proposed.set(nodeId, { placed: placed.length, stops, preempted, usage });
    return usage;
  }

  /** How many allocations of the job's group the node will run once the plan is applied. */
  proposedGroupCount(nodeId: string, job: Job, group: string): number {
    const sameGroup = (a: Allocation) => a.namespace === job.namespace && a.jobId === job.id && a.taskGroup === group;
    const liveHere = (id: string) => {
      const row = this.state.alloc(id);
      return row !== undefined && row.nodeId === nodeId && !isTerminal(row) && sameGroup(row);
    };
    let count = this.stateGroupsOnNode(job, nodeId)?.get(group) ?? 0;
    if (this.planStops) for (const a of this.plan.nodeUpdate[nodeId] ?? []) if (liveHere(a.id)) count--;
    if (this.planPreemptions) for (const a of this.plan.nodePreemptions?.[nodeId] ?? []) if (liveHere(a.id)) count--;
    for (const a of this.plan.nodeAllocation[nodeId] ?? []) {
      if (!sameGroup(a)) continue;
      if (a.createIndex !== 0 && liveHere(a.id)) count--;
      if (!isTerminal(a)) count++;
    }
    return count;
  }

  private stateGroupsOnNode(job: Job, nodeId: string): Map<string, number> | undefined {
    if (this.jobGroupsByNode?.job !== job) {
      const byNode = new Map<string, Map<string, number>>();
      for (const a of this.state.allocsByJob(job.namespace, job.id)) {
        if (isTerminal(a)) continue;
        let groups = byNode.get(a.nodeId);
        if (groups === undefined) byNode.set(a.nodeId, (groups = new Map()));
        groups.set(a.taskGroup, (groups.get(a.taskGroup) ?? 0) + 1);
      }
      this.jobGroupsByNode = { job, byNode };
    }
    return this.jobGroupsByNode.byNode.get(nodeId);
  }

  /** The job's allocations as they will be once the plan is applied, on every node. */
  proposedJobAllocs(job: Job): Allocation[] {
    if (this.jobAllocs?.job === job) return this.jobAllocs.allocs;
    const byId = new Map<string, Allocation>();
    for (const a of this.state.allocsByJob(job.namespace, job.id)) if (!isTerminal(a)) byId.set(a.id, a);
    for (const stops of [this.plan.nodeUpdate, this.plan.nodePreemptions ?? {}]) {
      for (const list of Object.values(stops)) for (const a of list) byId.delete(a.id);
    }
    for (const list of Object.values(this.plan.nodeAllocation)) {
      for (const a of list) {
        if (a.namespace !== job.namespace || a.jobId !== job.id) continue;
        if (isTerminal(a)) byId.delete(a.id);
        else byId.set(a.id, a);
      }
    }
    const allocs = [...byId.values()];
    this.jobAllocs = { job, allocs };
    return allocs;
  }
}
