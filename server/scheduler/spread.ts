// Spread blocks: steer a group's allocations across the values of a node property — to the
// target percentages when the block has targets, evenly otherwise (Nomad's spread iterator).

import type { Job, Spread, TaskGroup } from "../../shared/model/index.js";
import type { EvalContext } from "./context.js";
import type { RankedNode, RankIterator } from "./rank.js";
import { resolveNodeTarget } from "./target.js";

/** Target value that stands for every value the targets do not name, when their percentages sum below 100. */
const IMPLICIT_TARGET = "*";

interface SpreadInfo {
  spread: Spread;
  /** This spread's share of the total spread weight. */
  weight: number;
  /** Allocations wanted per property value; empty for an even spread. */
  desired: Map<string, number>;
  /** Allocations of the group per property value once the plan is applied; computed per placement. */
  used: Map<string, number> | undefined;
}

/**
 * The even-spread boost for a node whose property value has `current` allocations, given the
 * counts of every value in use: a value below the least-used one is boosted, one above it is
 * penalized, and when all values are level every node gets the full penalty.
 */
export function evenSpreadBoost(used: ReadonlyMap<string, number>, value: string): number {
  if (used.size === 0) return 0;
  const current = used.get(value) ?? 0;
  let min = Infinity;
  let max = 0;
  for (const count of used.values()) {
    min = Math.min(min, count);
    max = Math.max(max, count);
  }
  if (current !== min) return (min - current) / min;
  if (min === max) return -1;
  return (max - min) / min;
}

export class SpreadIterator implements RankIterator {
  private job: Job | undefined;
  private group: TaskGroup | undefined;
  private infos: SpreadInfo[] = [];

  constructor(private readonly ctx: EvalContext, private readonly source: RankIterator) {}

  setJob(job: Job): void {
    this.job = job;
  }

  setTaskGroup(group: TaskGroup): void {
    this.group = group;
    const spreads = [...(this.job?.spreads ?? []), ...group.spreads];
    const sumWeights = spreads.reduce((sum, s) => sum + s.weight, 0);
    this.infos = spreads.map((spread) => {
      const desired = new Map<string, number>();
      let sumPercent = 0;
      for (const target of spread.targets) {
        desired.set(target.value, (target.percent / 100) * group.count);
        sumPercent += target.percent;
      }
      if (spread.targets.length > 0 && sumPercent < 100) desired.set(IMPLICIT_TARGET, ((100 - sumPercent) / 100) * group.count);
      return { spread, weight: sumWeights > 0 ? spread.weight / sumWeights : 0, desired, used: undefined };
    });
  }

  hasSpreads(): boolean {
    return this.infos.length > 0;
  }

  private usedCounts(info: SpreadInfo, job: Job, group: TaskGroup): Map<string, number> {
    if (info.used === undefined) {
      info.used = new Map();
      for (const a of this.ctx.proposedJobAllocs(job)) {
        if (a.taskGroup !== group.name) continue;
        const node = this.ctx.node(a.nodeId);
        const value = node === undefined ? undefined : resolveNodeTarget(info.spread.attribute, node);
        if (value !== undefined) info.used.set(value, (info.used.get(value) ?? 0) + 1);
      }
    }
    return info.used;
  }

  next(): RankedNode | undefined {
    const option = this.source.next();
    if (option === undefined || this.infos.length === 0 || this.job === undefined || this.group === undefined) return option;
    let total = 0;
    for (const info of this.infos) {
      const value = resolveNodeTarget(info.spread.attribute, option.node);
      if (value === undefined) {
        total -= 1; // the node lacks the property: the largest penalty
        continue;
      }
      const used = this.usedCounts(info, this.job, this.group);
      if (info.desired.size === 0) {
        total += evenSpreadBoost(used, value) * info.weight;
        continue;
      }
      const desired = info.desired.get(value) ?? info.desired.get(IMPLICIT_TARGET);
      if (desired === undefined || desired <= 0) {
        total -= 1; // no allocation is wanted on this value
        continue;
      }
      // Including this placement: positive while the value is below its target, negative past it.
      const current = (used.get(value) ?? 0) + 1;
      total += ((desired - current) / desired) * info.weight;
    }
    if (total !== 0) {
      option.scores.push(total);
      this.ctx.metrics.scoreNode(option.node, "allocation-spread", total);
    }
    return option;
  }

  reset(): void {
    for (const info of this.infos) info.used = undefined;
    this.source.reset();
  }
}
