// The context every stage of the chain shares: the cluster view, the plan so far, the seeded
// generator, the caches that live for the whole evaluation, and the metrics of the placement
// in progress.

import type { Allocation, Job, Node } from "../../shared/model/index.js";
import { EvalEligibility, NodeClassCache } from "./class.js";
import { MetricsRecorder } from "./metrics.js";
import { OperatorCache } from "./operators.js";
import type { PlacementOptions } from "./options.js";
import { isTerminal, nodeUsage, type NodeUsage } from "./resources.js";
import type { Rng } from "./rng.js";
import { EMPTY_PLAN, type PlacementState, type PlanView } from "./types.js";

export class EvalContext {
  readonly operators = new OperatorCache();
  readonly eligibility = new EvalEligibility();
  readonly classes = new NodeClassCache();
  plan: PlanView = EMPTY_PLAN;
  metrics: MetricsRecorder;
  private nodesById: Map<string, Node> | undefined;
  /**
   * Per node: its proposed allocations and their usage, kept across the placements of one
   * evaluation and recomputed only for nodes whose part of the plan changed since (the plan
   * only grows between placements, so the lengths of its lists tell). Without this, every
   * placement re-read and re-summed every candidate's allocations: thousands on a big node.
   */
  private proposed = new Map<string, { key: string; allocs: Allocation[]; usage: NodeUsage | undefined }>();
  private jobAllocs: { job: Job; allocs: Allocation[] } | undefined;

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
    this.metrics = new MetricsRecorder(this.options.scoreMetaTopN);
    this.jobAllocs = undefined;
  }

  private planKey(nodeId: string): string {
    return `${this.plan.nodeAllocation[nodeId]?.length ?? 0}/${this.plan.nodeUpdate[nodeId]?.length ?? 0}/${this.plan.nodePreemptions?.[nodeId]?.length ?? 0}`;
  }

  /** What the node's proposed allocations take, summed once per plan change. */
  proposedUsage(nodeId: string): NodeUsage {
    this.proposedAllocs(nodeId);
    const entry = this.proposed.get(nodeId) as { allocs: Allocation[]; usage: NodeUsage | undefined };
    entry.usage ??= nodeUsage(entry.allocs);
    return entry.usage;
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

  /**
   * The allocations a node will hold once the plan is applied: its live ones, minus those the
   * plan stops or preempts, with the plan's placements (and in-place updates) on top.
   */
  proposedAllocs(nodeId: string): Allocation[] {
    const key = this.planKey(nodeId);
    const cached = this.proposed.get(nodeId);
    if (cached !== undefined && cached.key === key) return cached.allocs;
    const stopped = this.stoppedIds(nodeId);
    const placed = this.plan.nodeAllocation[nodeId] ?? [];
    const replaced = new Set(placed.map((a) => a.id));
    const allocs = this.state.allocsByNode(nodeId).filter((a) => !isTerminal(a) && !replaced.has(a.id) && !(stopped?.has(a.id) ?? false));
    for (const a of placed) if (!isTerminal(a)) allocs.push(a);
    this.proposed.set(nodeId, { key, allocs, usage: undefined });
    return allocs;
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
