// Ranking: each feasible node that has room gets scores from several scorers (bin-packing, job
// anti-affinity, reschedule penalty, affinity, spread); their mean is the node's final score.
// A limit bounds how many nodes are ranked, and the best of those wins.

import type { Affinity, AllocatedResources, Job, Node, TaskGroup } from "../../shared/model/index.js";
import type { EvalContext } from "./context.js";
import type { FeasibleIterator } from "./feasible.js";
import { checkConstraint } from "./operators.js";
import type { SchedulerAlgorithm } from "./options.js";
import { fitGroup, nodeCapacity } from "./resources.js";
import { resolveNodeTarget } from "./target.js";

export interface RankedNode {
  node: Node;
  /** The scores that apply to this node; their mean is `finalScore`. */
  scores: number[];
  finalScore: number;
  /** What this placement would get on the node. */
  resources: AllocatedResources | undefined;
  /** Each scorer's score, for the metrics and the caller. */
  scoreMeta: Record<string, number>;
}

export interface RankIterator {
  next(): RankedNode | undefined;
  reset(): void;
}

/** Turns feasible nodes into ranked options with no scores yet. */
export class FeasibleRankIterator implements RankIterator {
  constructor(private readonly source: FeasibleIterator) {}

  next(): RankedNode | undefined {
    const node = this.source.next();
    return node === undefined ? undefined : { node, scores: [], finalScore: 0, resources: undefined, scoreMeta: {} };
  }

  reset(): void {
    this.source.reset();
  }
}

/** Nomad's bin-packing score ceiling: 20 − (10^0 + 10^0) when a node would be exactly full. */
const BINPACK_MAX_FIT_SCORE = 18;

/**
 * Nomad's fit score, normalized to [0, 1]. With `binpack`, 20 − (10^freeCpu + 10^freeMem):
 * fuller nodes score higher. With `spread`, (10^freeCpu + 10^freeMem) − 2: emptier nodes do.
 * `utilization` includes the allocation being placed.
 */
export function scoreFit(node: Node, utilization: { cpuMhz: number; memoryMb: number }, algorithm: SchedulerAlgorithm): number {
  const capacity = nodeCapacity(node);
  const free = (used: number, total: number) => (total > 0 ? 1 - used / total : 0);
  const total = 10 ** free(utilization.cpuMhz, capacity.cpuMhz) + 10 ** free(utilization.memoryMb, capacity.memoryMb);
  const raw = algorithm === "spread" ? total - 2 : 20 - total;
  return Math.min(Math.max(raw, 0), BINPACK_MAX_FIT_SCORE) / BINPACK_MAX_FIT_SCORE;
}

/** Fits the group on the node (skipping nodes without room, recording the exhausted dimension) and scores the fit. */
export class BinPackIterator implements RankIterator {
  private group: TaskGroup | undefined;

  constructor(
    private readonly ctx: EvalContext,
    private readonly source: RankIterator,
    private readonly algorithm: SchedulerAlgorithm,
  ) {}

  setTaskGroup(group: TaskGroup): void {
    this.group = group;
  }

  next(): RankedNode | undefined {
    const { metrics, options } = this.ctx;
    for (;;) {
      const option = this.source.next();
      if (option === undefined || this.group === undefined) return option;
      const fit = fitGroup(option.node, this.group, {
        cache: this.ctx.operators, rng: this.ctx.rng, dynamicPortMin: options.dynamicPortMin, dynamicPortMax: options.dynamicPortMax,
      }, this.ctx.proposedUsage(option.node.id));
      if (!fit.fit) {
        metrics.exhaustedNode(option.node, fit.dimension);
        continue;
      }
      option.resources = fit.resources;
      const score = scoreFit(option.node, fit.utilization, this.algorithm);
      option.scores.push(score);
      metrics.scoreNode(option.node, "binpack", score);
      if (fit.deviceAffinity !== undefined) {
        option.scores.push(fit.deviceAffinity);
        metrics.scoreNode(option.node, "devices", fit.deviceAffinity);
      }
      return option;
    }
  }

  reset(): void {
    this.source.reset();
  }
}

/** −(collisions + 1) / count on nodes already running this job's group, so its allocations spread over nodes. */
export class JobAntiAffinityIterator implements RankIterator {
  private job: Job | undefined;
  private group: TaskGroup | undefined;

  constructor(private readonly ctx: EvalContext, private readonly source: RankIterator) {}

  setJob(job: Job): void {
    this.job = job;
  }

  setTaskGroup(group: TaskGroup): void {
    this.group = group;
  }

  next(): RankedNode | undefined {
    const option = this.source.next();
    if (option === undefined || this.job === undefined || this.group === undefined) return option;
    const { job, group } = this;
    const collisions = this.ctx.proposedGroupCount(option.node.id, job, group.name);
    if (collisions > 0) {
      const penalty = -(collisions + 1) / Math.max(group.count, 1);
      option.scores.push(penalty);
      this.ctx.metrics.scoreNode(option.node, "job-anti-affinity", penalty);
    } else {
      this.ctx.metrics.scoreNode(option.node, "job-anti-affinity", 0);
    }
    return option;
  }

  reset(): void {
    this.source.reset();
  }
}

/** −1 on nodes where the allocation being replaced failed. */
export class NodeReschedulingPenaltyIterator implements RankIterator {
  private penaltyNodes: ReadonlySet<string> = new Set();

  constructor(private readonly ctx: EvalContext, private readonly source: RankIterator) {}

  setPenaltyNodes(ids: Iterable<string>): void {
    this.penaltyNodes = new Set(ids);
  }

  next(): RankedNode | undefined {
    const option = this.source.next();
    if (option === undefined) return option;
    if (this.penaltyNodes.has(option.node.id)) {
      option.scores.push(-1);
      this.ctx.metrics.scoreNode(option.node, "node-reschedule-penalty", -1);
    } else {
      this.ctx.metrics.scoreNode(option.node, "node-reschedule-penalty", 0);
    }
    return option;
  }

  reset(): void {
    this.source.reset();
  }
}

/** Sum of the weights of the job's, group's and tasks' affinities that hold, over the sum of |weights|. */
export class NodeAffinityIterator implements RankIterator {
  private jobAffinities: readonly Affinity[] = [];
  private affinities: readonly Affinity[] = [];
  private sumWeight = 0;

  constructor(private readonly ctx: EvalContext, private readonly source: RankIterator) {}

  setJob(job: Job): void {
    this.jobAffinities = job.affinities;
  }

  setTaskGroup(group: TaskGroup): void {
    this.affinities = [...this.jobAffinities, ...group.affinities, ...group.tasks.flatMap((t) => t.affinities)];
    this.sumWeight = this.affinities.reduce((sum, a) => sum + Math.abs(a.weight), 0);
  }

  hasAffinities(): boolean {
    return this.affinities.length > 0;
  }

  next(): RankedNode | undefined {
    const option = this.source.next();
    if (option === undefined || this.sumWeight === 0) return option;
    let matched = 0;
    for (const a of this.affinities) {
      const l = resolveNodeTarget(a.attribute, option.node);
      const r = resolveNodeTarget(a.value, option.node);
      if (checkConstraint(this.ctx.operators, a.operator, l, r)) matched += a.weight;
    }
    if (matched !== 0) {
      const score = matched / this.sumWeight;
      option.scores.push(score);
      this.ctx.metrics.scoreNode(option.node, "node-affinity", score);
    }
    return option;
  }

  reset(): void {
    this.source.reset();
  }
}

/** The final score is the mean of the scores that apply. */
export class ScoreNormalizationIterator implements RankIterator {
  constructor(private readonly ctx: EvalContext, private readonly source: RankIterator) {}

  next(): RankedNode | undefined {
    const option = this.source.next();
    if (option === undefined) return option;
    const n = option.scores.length;
    option.finalScore = n === 0 ? 0 : option.scores.reduce((a, b) => a + b, 0) / n;
    option.scoreMeta = this.ctx.metrics.finishNode(option.node, option.finalScore);
    return option;
  }

  reset(): void {
    this.source.reset();
  }
}

/**
 * Ranks at most `limit` nodes: scanning every node gains little. Nodes scoring at or below the
 * threshold are set aside (at most `maxSkip` of them) while better ones may follow, and used
 * only if the stream runs dry.
 */
export class LimitIterator implements RankIterator {
  private limit: number;
  private seen = 0;
  private skipped: RankedNode[] = [];

  constructor(
    private readonly source: RankIterator,
    limit: number,
    private readonly scoreThreshold: number,
    private readonly maxSkip: number,
  ) {
    this.limit = limit;
  }

  setLimit(limit: number): void {
    this.limit = limit;
  }

  private nextOption(): RankedNode | undefined {
    return this.source.next() ?? this.skipped.shift();
  }

  next(): RankedNode | undefined {
    if (this.seen >= this.limit) return undefined;
    let option = this.nextOption();
    if (option === undefined) return undefined;
    while (option !== undefined && option.finalScore <= this.scoreThreshold && this.skipped.length < this.maxSkip) {
      this.skipped.push(option);
      option = this.source.next();
    }
    this.seen++;
    return option ?? this.skipped.shift();
  }

  reset(): void {
    this.seen = 0;
    this.skipped = [];
    this.source.reset();
  }
}

/** Picks the best of what the limit lets through; the first seen wins a tie. */
export class MaxScoreIterator {
  constructor(private readonly source: RankIterator) {}

  best(): RankedNode | undefined {
    let max: RankedNode | undefined;
    for (let option = this.source.next(); option !== undefined; option = this.source.next()) {
      if (max === undefined || option.finalScore > max.finalScore) max = option;
    }
    return max;
  }

  reset(): void {
    this.source.reset();
  }
}
