// Collects an AllocMetric while one placement runs: how many nodes were looked at, why each
// rejected node was rejected, and how the best ones scored.

import type { AllocMetric, Node } from "../../shared/model/index.js";

type ScoreMeta = AllocMetric["scoreMetaData"][number];

function increment(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/**
 * A score or time as the metric keeps it: to six decimal places. Scores lie within [-1, 1] and
 * are shown to three; the seventeen digits of a full double would make the score tables, which
 * every allocation carries through the Raft log and snapshots, twice as long.
 */
function recorded(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

export class MetricsRecorder {
  private readonly metric: AllocMetric;
  private readonly pending = new Map<string, Record<string, number>>();

  constructor(private readonly topN: number) {
    this.metric = {
      nodesEvaluated: 0,
      nodesFiltered: 0,
      nodesInPool: 0,
      nodesAvailable: {},
      classFiltered: {},
      constraintFiltered: {},
      nodesExhausted: 0,
      classExhausted: {},
      dimensionExhausted: {},
      quotaExhausted: [],
      scoreMetaData: [],
      allocationTimeMs: 0,
      coalescedFailures: 0,
    };
  }

  setPool(nodesInPool: number, nodesAvailable: Record<string, number>): void {
    this.metric.nodesInPool = nodesInPool;
    this.metric.nodesAvailable = { ...nodesAvailable };
  }

  evaluateNode(): void {
    this.metric.nodesEvaluated++;
  }

  /** The node cannot run the group at all; `reason` is the constraint (or check) it failed. */
  filterNode(node: Node, reason: string): void {
    this.metric.nodesFiltered++;
    if (node.nodeClass !== "") increment(this.metric.classFiltered, node.nodeClass);
    if (reason !== "") increment(this.metric.constraintFiltered, reason);
  }

  /** The node could run the group but lacks free capacity in `dimension` now. */
  exhaustedNode(node: Node, dimension: string): void {
    this.metric.nodesExhausted++;
    if (node.nodeClass !== "") increment(this.metric.classExhausted, node.nodeClass);
    if (dimension !== "") increment(this.metric.dimensionExhausted, dimension);
  }

  scoreNode(node: Node, scorer: string, score: number): void {
    let scores = this.pending.get(node.id);
    if (scores === undefined) {
      scores = {};
      this.pending.set(node.id, scores);
    }
    scores[scorer] = score;
  }

  /** The node's final score: keep it if it is among the best `topN`. */
  finishNode(node: Node, normScore: number): Record<string, number> {
    const scores = this.pending.get(node.id) ?? {};
    this.pending.delete(node.id);
    scores["normalized-score"] = normScore;
    const top = this.metric.scoreMetaData;
    let at = top.length;
    while (at > 0 && (top[at - 1] as ScoreMeta).normScore < normScore) at--;
    if (at < this.topN) {
      top.splice(at, 0, { nodeId: node.id, scores, normScore });
      if (top.length > this.topN) top.pop();
    }
    return scores;
  }

  setAllocationTime(ms: number): void {
    this.metric.allocationTimeMs = ms;
  }

  /** The finished metric (a copy; the recorder may keep recording). */
  result(): AllocMetric {
    const m = this.metric;
    return {
      ...m,
      nodesAvailable: { ...m.nodesAvailable },
      classFiltered: { ...m.classFiltered },
      constraintFiltered: { ...m.constraintFiltered },
      classExhausted: { ...m.classExhausted },
      dimensionExhausted: { ...m.dimensionExhausted },
      quotaExhausted: [...m.quotaExhausted],
      allocationTimeMs: recorded(m.allocationTimeMs),
      scoreMetaData: m.scoreMetaData.map((s) => {
        const scores: Record<string, number> = {};
        for (const name in s.scores) scores[name] = recorded(s.scores[name] as number);
        return { nodeId: s.nodeId, scores, normScore: recorded(s.normScore) };
      }),
    };
  }
}
