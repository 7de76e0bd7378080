// The context every stage of the chain shares: the cluster view, the plan so far, the seeded
// generator, the caches that live for the whole evaluation, and the metrics of the placement
// in progress.

import type { Allocation, Job, Node } from "../../shared/model/index.js";
import { EvalEligibility, NodeClassCache } from "./class.js";
import { MetricsRecorder } from "./metrics.js";
import { OperatorCache } from "./operators.js";
import type { PlacementOptions } from "./options.js";
import { addUsage, cloneUsage, isTerminal, nodeUsage, type NodeUsage } from "./resources.js";
import type { NodeUsageCache } from "./usage-cache.js";
import type { Rng } from "./rng.js";
import { EMPTY_PLAN, type PlacementState, type PlanView } from "./types.js";

interface ProposedNode {
  /** Lengths of the plan's lists for the node when this was computed. */
  placed: number;
  stops: number;
  preempted: number;
  allocs: Allocation[];
  /** Ids of `allocs`, built when the plan first adds to the node. */
  ids: Set<string> | undefined;
  usage: NodeUsage;
  /** `allocs` and `usage` are the cross-evaluation cache's: copy before changing them. */
  shared: boolean;
}

export class EvalContext {
  readonly operators = new OperatorCache();
  readonly eligibility = new EvalEligibility();
  readonly classes = new NodeClassCache();
  plan: PlanView = EMPTY_PLAN;
  metrics: MetricsRecorder;
  private nodesById: Map<string, Node> | undefined;
  /**
   * Per node: its proposed allocations and their usage, kept across the placements of one
   * evaluation. Between placements the plan only grows, so a node whose stops are unchanged and
   * whose placements were appended to is brought up to date by adding the new ones; anything
   * else recomputes it. Without this, bin-packing re-read and re-summed the thousands of
   * allocations of the node it keeps choosing, for every placement.
   */
  private proposed = new Map<string, ProposedNode>();
  private jobAllocs: { job: Job; allocs: Allocation[] } | undefined;

  constructor(
    readonly state: PlacementState,
    readonly rng: Rng,
    readonly options: PlacementOptions,
    private readonly usageCache?: NodeUsageCache,
  ) {
    this.metrics = new MetricsRecorder(options.scoreMetaTopN);
  }

  /** Starts a new placement: fresh metrics, and forget whatever was derived from the previous plan. */
  reset(plan: PlanView): void {
    if (plan !== this.plan) this.proposed = new Map();
    this.plan = plan;
    this.metrics = new MetricsRecorder(this.options.scoreMetaTopN);
    this.jobAllocs = undefined;
  }

  node(id: string): Node | undefined {
    if (this.nodesById === undefined) this.nodesById = new Map(this.state.nodes().map((n) => [n.id, n]));
    return this.nodesById.get(id);
  }
  private stoppedIds(nodeId: string): Set<string> | undefined {
    const stops = this.plan.nodeUpdate[nodeId];
    const preempted = this.plan.nodePreemptions?.[nodeId];
    if ((stops === undefined || stops.length === 0) && (preempted === undefined || preempted.length === 0)) return undefined;
    return new Set([...(stops ?? []), ...(preempted ?? [])].map((a) => a.id));
  }

  /** The node's live allocations and their usage, as the state has them. */
  private liveOnNode(nodeId: string): { allocs: readonly Allocation[]; usage: Readonly<NodeUsage> } {
    const index = this.state.nodeAllocsIndex?.(nodeId);
    if (index !== undefined && this.usageCache) {
      const hit = this.usageCache.get(nodeId, index);
      if (hit) return hit;
    }
    const allocs = this.state.allocsByNode(nodeId).filter((a) => !isTerminal(a));
    const entry = { allocs, usage: nodeUsage(allocs) };
    if (index !== undefined) this.usageCache?.set(nodeId, { index, ...entry });
    return entry;
  }

  /** What the node's proposed allocations take. */
  proposedUsage(nodeId: string): NodeUsage {
    return this.proposedNode(nodeId).usage;
  }

  /**
   * The allocations a node will hold once the plan is applied: its live ones, minus those the
   * plan stops or preempts, with the plan's placements (and in-place updates) on top.
   */
  proposedAllocs(nodeId: string): Allocation[] {
    return this.proposedNode(nodeId).allocs;
  }

  private proposedNode(nodeId: string): ProposedNode {
    const placed = this.plan.nodeAllocation[nodeId] ?? [];
    const stops = this.plan.nodeUpdate[nodeId]?.length ?? 0;
    const preempted = this.plan.nodePreemptions?.[nodeId]?.length ?? 0;
    const cached = this.proposed.get(nodeId);
    if (cached && cached.stops === stops && cached.preempted === preempted && cached.placed <= placed.length) {
      if (cached.placed === placed.length) return cached;
      const added = placed.slice(cached.placed);
      if (cached.shared) {
        // The cached lists belong to every evaluation: copy before the first change.
        cached.allocs = [...cached.allocs];
        cached.usage = cloneUsage(cached.usage);
        cached.shared = false;
      }
      cached.ids ??= new Set(cached.allocs.map((a) => a.id));
      const ids = cached.ids;
      if (added.every((a) => !ids.has(a.id) && !isTerminal(a))) {
        cached.allocs.push(...added);
        for (const a of added) ids.add(a.id);
        addUsage(cached.usage, added);
        cached.placed = placed.length;
        return cached;
      }
    }
    // Nothing of the plan on the node yet: its live allocations as the state has them, from the
    // cross-evaluation cache when they have not changed since.
    if (placed.length === 0 && stops === 0 && preempted === 0) {
      const base = this.liveOnNode(nodeId);
      const entry: ProposedNode = { placed: 0, stops, preempted, allocs: base.allocs as Allocation[], ids: undefined, usage: base.usage as NodeUsage, shared: true };
      this.proposed.set(nodeId, entry);
      return entry;
    }
    const stopped = this.stoppedIds(nodeId);
    const replaced = new Set(placed.map((a) => a.id));
    const allocs = this.state.allocsByNode(nodeId).filter((a) => !isTerminal(a) && !replaced.has(a.id) && !(stopped?.has(a.id) ?? false));
    for (const a of placed) if (!isTerminal(a)) allocs.push(a);
    const entry: ProposedNode = { placed: placed.length, stops, preempted, allocs, ids: new Set(allocs.map((a) => a.id)), usage: nodeUsage(allocs), shared: false };
    this.proposed.set(nodeId, entry);
    return entry;
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
