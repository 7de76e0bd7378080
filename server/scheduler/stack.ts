// The placement engine: one iterator chain per evaluation, reused for each of its placements so
// that class verdicts, compiled regexps and the node order live as long as the evaluation.

import type { Job, Node, TaskGroup } from "../../shared/model/index.js";
import { EvalContext } from "./context.js";
import { PlacementInputError } from "./errors.js";
import {
  candidateNodes, ConstraintChecker, DeviceChecker, DistinctHostsIterator, DistinctPropertyIterator, DriverChecker,
  FeasibilityWrapper, groupConstraints, NetworkChecker, StaticIterator,
} from "./feasible.js";
import { defaultPlacementOptions, type PlacementOptions } from "./options.js";
import {
  BinPackIterator, FeasibleRankIterator, JobAntiAffinityIterator, LimitIterator, MaxScoreIterator, NodeAffinityIterator,
  NodeReschedulingPenaltyIterator, ScoreNormalizationIterator, type RankedNode,
} from "./rank.js";
import { SeededRng, shuffle } from "./rng.js";
import { SpreadIterator } from "./spread.js";
import { EMPTY_PLAN, type Placement, type PlacementState, type PlanView, type SelectOptions } from "./types.js";
import { escapesClass } from "./target.js";

export interface PlacementModules {
  state: PlacementState;
  /** Milliseconds from any fixed origin, only to fill `AllocMetric.allocationTimeMs`; left out, the time is 0. */
  clock?: () => number;
}

export type PlacementEngineOptions = Partial<PlacementOptions> & Pick<PlacementOptions, "evalId">;

export class PlacementEngine {
  readonly options: PlacementOptions;
  private readonly ctx: EvalContext;
  private readonly clock: (() => number) | undefined;

  private readonly source: StaticIterator;
  private readonly jobConstraints: ConstraintChecker;
  private readonly groupDrivers: DriverChecker;
  private readonly groupConstraints: ConstraintChecker;
  private readonly groupDevices: DeviceChecker;
  private readonly groupNetworks: NetworkChecker;
  private readonly wrapped: FeasibilityWrapper;
  private readonly distinctHosts: DistinctHostsIterator;
  private readonly distinctProperty: DistinctPropertyIterator;
  private readonly binPack: BinPackIterator;
  private readonly jobAntiAffinity: JobAntiAffinityIterator;
  private readonly reschedulePenalty: NodeReschedulingPenaltyIterator;
  private readonly nodeAffinity: NodeAffinityIterator;
  private readonly spread: SpreadIterator;
  private readonly limit: LimitIterator;
  private readonly maxScore: MaxScoreIterator;

  private job: Job | undefined;
  private nodesInPool = 0;
  private nodesAvailable: Record<string, number> = {};
  private baseLimit = 2;

  constructor(opts: PlacementEngineOptions, modules: PlacementModules) {
    this.options = { ...defaultPlacementOptions, ...opts };
    this.clock = modules.clock;
    const ctx = new EvalContext(modules.state, SeededRng.fromString(this.options.evalId), this.options);
    this.ctx = ctx;

    // Nodes in a seeded random order, each placement resuming where the last stopped, so load spreads and results reproduce.
    this.source = new StaticIterator(ctx);
    // The job's constraints: most nodes usually fail here, cheaply and cacheably.
    this.jobConstraints = new ConstraintChecker(ctx);
    // A node without the tasks' drivers cannot start them.
    this.groupDrivers = new DriverChecker();
    // The group's and its tasks' constraints.
    this.groupConstraints = new ConstraintChecker(ctx);
    // Device requests that no device group on the node could ever serve.
    this.groupDevices = new DeviceChecker(ctx);
    // Ports asking for host networks the node does not have.
    this.groupNetworks = new NetworkChecker();
    // The checks above read only the node's class: answer them once per class for the whole evaluation.
    this.wrapped = new FeasibilityWrapper(ctx, this.source, [this.jobConstraints],
      [this.groupDrivers, this.groupConstraints, this.groupDevices, this.groupNetworks]);
    // distinct_hosts depends on where the job's allocations are, planned ones included: never cached.
    this.distinctHosts = new DistinctHostsIterator(ctx, this.wrapped);
    // distinct_property likewise.
    this.distinctProperty = new DistinctPropertyIterator(ctx, this.distinctHosts);
    // From here on nodes carry scores.
    const ranked = new FeasibleRankIterator(this.distinctProperty);
    // Room for the group (cpu, cores, memory, disk, ports, devices) and the fit score of the chosen algorithm.
    this.binPack = new BinPackIterator(ctx, ranked, this.options.algorithm);
    // Allocations of one group should not pile onto one node.
    this.jobAntiAffinity = new JobAntiAffinityIterator(ctx, this.binPack);
    // A replacement should avoid the node its predecessor failed on.
    this.reschedulePenalty = new NodeReschedulingPenaltyIterator(ctx, this.jobAntiAffinity);
    // Affinities pull toward (or push away from) matching nodes.
    this.nodeAffinity = new NodeAffinityIterator(ctx, this.reschedulePenalty);
    // Spread blocks steer allocations across a property's values.
    this.spread = new SpreadIterator(ctx, this.nodeAffinity);
    // One final score per node: the mean of the scores that apply.
    const normalized = new ScoreNormalizationIterator(ctx, this.spread);
    // Ranking every node costs much and gains little: rank a few, skipping poor ones while better may follow.
    this.limit = new LimitIterator(normalized, this.options.minLimit, this.options.skipScoreThreshold, this.options.maxSkip);
    // The best of those.
    this.maxScore = new MaxScoreIterator(this.limit);
  }

  /** Prepares the chain for a job: its candidate nodes in seeded order, its constraints, fresh class verdicts. */
  private setJob(job: Job): void {
    if (this.job === job) return;
    this.job = job;
    const candidates = candidateNodes(this.ctx.state.nodes(), job);
    shuffle(candidates.nodes, this.ctx.rng);
    this.source.setNodes(candidates.nodes);
    this.nodesInPool = candidates.nodesInPool;
    this.nodesAvailable = candidates.nodesAvailable;
    const n = candidates.nodes.length;
    // Services compare ceil(log2 N) nodes for a good fit, batch jobs take the first good one, system jobs see every node.
    this.baseLimit = job.type === "service"
      ? Math.max(this.options.minLimit, n > 0 ? Math.ceil(Math.log2(n)) : 0)
      : job.type === "batch" ? this.options.minLimit : Math.max(n, 1);

    this.ctx.eligibility.reset();
    this.ctx.eligibility.jobEscaped = escapesClass(job.constraints);
    this.jobConstraints.setConstraints(job.constraints);
    this.distinctHosts.setJob(job);
    this.distinctProperty.setJob(job);
    this.jobAntiAffinity.setJob(job);
    this.nodeAffinity.setJob(job);
    this.spread.setJob(job);
  }

  private setTaskGroup(group: TaskGroup, options: SelectOptions): void {
    const constraints = groupConstraints(group);
    const deviceConstraints = group.tasks.flatMap((t) => t.resources.devices.flatMap((d) => d.constraints));
    this.ctx.eligibility.setGroupEscaped(group.name, escapesClass(constraints) || escapesClass(deviceConstraints));
    this.groupDrivers.setDrivers(group.tasks.map((t) => t.driver));
    this.groupConstraints.setConstraints(constraints);
    this.groupDevices.setTaskGroup(group);
    this.groupNetworks.setTaskGroup(group);
    this.wrapped.setTaskGroup(group.name);
    this.distinctHosts.setTaskGroup(group);
    this.distinctProperty.setTaskGroup(group);
    this.binPack.setTaskGroup(group);
    this.jobAntiAffinity.setTaskGroup(group);
    this.reschedulePenalty.setPenaltyNodes(options.penaltyNodeIds ?? []);
    this.nodeAffinity.setTaskGroup(group);
    this.spread.setTaskGroup(group);
    // Affinities and spreads only work if enough nodes are compared.
    const wide = this.nodeAffinity.hasAffinities() || this.spread.hasSpreads();
    this.limit.setLimit(wide ? Math.max(this.baseLimit, group.count, this.options.spreadAffinityLimit) : this.baseLimit);
  }

  /** One pass of the chain over the current source. */
  private run(group: TaskGroup, plan: PlanView, options: SelectOptions): RankedNode | undefined {
    this.ctx.reset(plan);
    this.ctx.metrics.setPool(this.nodesInPool, this.nodesAvailable);
    this.setTaskGroup(group, options);
    this.maxScore.reset();
    return this.maxScore.best();
  }

  /** Runs the chain over only `ids` (in the evaluation's node order); the source is restored afterwards. */
  private runOver(ids: readonly string[], group: TaskGroup, plan: PlanView, options: SelectOptions): RankedNode | undefined {
    const saved = this.source.save();
    const wanted = new Set(ids);
    this.source.setNodes(saved.nodes.filter((n: Node) => wanted.has(n.id)));
    try {
      return this.run(group, plan, options);
    } finally {
      this.source.restore(saved);
    }
  }

  private place(job: Job, group: TaskGroup, choose: () => RankedNode | undefined): Placement {
    if (!job.taskGroups.some((g) => g.name === group.name)) {
      throw new PlacementInputError(`task group "${group.name}" is not part of job "${job.id}"`);
    }
    const started = this.clock?.();
    this.setJob(job);
    const option = choose();
    const metrics = this.ctx.metrics;
    if (started !== undefined && this.clock !== undefined) metrics.setAllocationTime(this.clock() - started);
    if (option?.resources === undefined) return { node: undefined, metrics: metrics.result() };
    return { node: option.node, resources: option.resources, score: option.finalScore, scores: { ...option.scoreMeta }, metrics: metrics.result() };
  }

  /**
   * Chooses a node for one allocation of `group`, given what `plan` already places and stops.
   * Never throws for lack of room: a failed placement returns `node: undefined` and metrics that say why.
   * Pass the same Job object for every placement of the evaluation: another object re-prepares
   * the chain (new node order, cleared class verdicts).
   */
  select(job: Job, group: TaskGroup, plan: PlanView = EMPTY_PLAN, options: SelectOptions = {}): Placement {
    return this.place(job, group, () => {
      const preferred = options.preferredNodeIds ?? [];
      const option = preferred.length > 0 ? this.runOver(preferred, group, plan, options) : undefined;
      return option ?? this.run(group, plan, options);
    });
  }

  /**
   * Chooses among `nodeIds` only (the system scheduler places on each node by itself). Nodes
   * that are not schedulable or outside the job's datacenters and pool are never chosen.
   */
  selectAmong(nodeIds: readonly string[], job: Job, group: TaskGroup, plan: PlanView = EMPTY_PLAN, options: SelectOptions = {}): Placement {
    return this.place(job, group, () => this.runOver(nodeIds, group, plan, options));
  }

  /** Node classes found eligible (true) or not (false) so far: `Evaluation.classEligibility` of a blocked evaluation. */
  classEligibility(): Record<string, boolean> {
    return this.ctx.eligibility.classEligibility();
  }

  /** Whether some constraint read per-node unique values: `Evaluation.escapedComputedClass`. */
  escapedComputedClass(): boolean {
    return this.ctx.eligibility.escaped();
  }
}
