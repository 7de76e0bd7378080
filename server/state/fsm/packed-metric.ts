// A stored allocation's placement metrics with its score table packed. The table (the best
// few nodes, each with a score per scorer) is most of an allocation's size as plain objects:
// a dozen small objects and boxed numbers. Packed, it is one array of unboxed numbers and a list
// of node ids, and it reads back as the model's shape on demand (`alloc status -verbose`, the
// API). The plan applier packs metrics before they go into the log, so Raft entries and
// snapshots carry the compact form too.

import type { AllocMetric } from "../../../shared/model/index.js";

type ScoreMeta = AllocMetric["scoreMetaData"][number];

/** Scorer name lists, shared by every metric that used the same scorers. */
const scorerLists = new Map<string, readonly string[]>();

/** The scorers of every entry, in order of first appearance; usually every entry has the same ones. */
function scorersOf(entries: readonly ScoreMeta[]): readonly string[] {
  const first = entries[0]?.scores ?? {};
  const names = Object.keys(first);
  const uniform = entries.every((e) => {
    let n = 0;
    for (const name in e.scores) {
      if (!(name in first)) return false;
      n++;
    }
    return n === names.length;
  });
  if (uniform) return sharedScorers(names);
  const all = new Set<string>();
  for (const e of entries) for (const name in e.scores) all.add(name);
  return sharedScorers([...all]);
}

type MetricCounts = Omit<AllocMetric, "scoreMetaData">;

/**
 * How a packed metric is written (Raft entries, snapshots): the counts as they are, and the score
 * table as three arrays. Scores a scorer did not give are null (JSON has no NaN). Less than half
 * the size of the table as objects, and quicker to parse.
 */
export type CompactAllocMetric = MetricCounts & {
  scoreTable: { scorers: string[]; nodeIds: string[]; values: (number | null)[] };
};

/** A metric as decoded from JSON: the model's plain shape, or the compact one. */
export function isCompactMetric(m: AllocMetric | CompactAllocMetric): m is CompactAllocMetric {
  return (m as Partial<CompactAllocMetric>).scoreTable !== undefined;
}

export class PackedAllocMetric implements AllocMetric {
  readonly nodesEvaluated: number;
  readonly nodesFiltered: number;
  readonly nodesInPool: number;
  readonly nodesAvailable: Record<string, number>;
  readonly classFiltered: Record<string, number>;
  readonly constraintFiltered: Record<string, number>;
  readonly nodesExhausted: number;
  readonly classExhausted: Record<string, number>;
  readonly dimensionExhausted: Record<string, number>;
  readonly quotaExhausted: string[];
  readonly allocationTimeMs: number;
  readonly coalescedFailures: number;
  readonly #nodeIds: readonly string[];
  readonly #scorers: readonly string[];
  /** Per node: its normalized score, then one value per scorer (NaN where the scorer did not score it). */
  readonly #values: number[];

  private constructor(m: MetricCounts, scorers: readonly string[], nodeIds: readonly string[], values: number[]) {
    this.nodesEvaluated = m.nodesEvaluated;
    this.nodesFiltered = m.nodesFiltered;
    this.nodesInPool = m.nodesInPool;
    this.nodesAvailable = m.nodesAvailable;
    this.classFiltered = m.classFiltered;
    this.constraintFiltered = m.constraintFiltered;
    this.nodesExhausted = m.nodesExhausted;
    this.classExhausted = m.classExhausted;
    this.dimensionExhausted = m.dimensionExhausted;
    this.quotaExhausted = m.quotaExhausted;
    this.allocationTimeMs = m.allocationTimeMs;
    this.coalescedFailures = m.coalescedFailures;
    this.#scorers = scorers;
    this.#nodeIds = nodeIds;
    this.#values = values;
  }

  /** Packs a metric in the model's shape (or one decoded in the compact shape); `nodeId` may swap each node id for a shared copy. */
  static pack(m: AllocMetric | CompactAllocMetric, nodeId: (id: string) => string = (id) => id): PackedAllocMetric {
    if (m instanceof PackedAllocMetric) return m;
    if (isCompactMetric(m)) {
      const { scoreTable, ...counts } = m;
      const scorers = sharedScorers(scoreTable.scorers);
      return new PackedAllocMetric(counts, scorers, scoreTable.nodeIds.map(nodeId),
        doubles(scoreTable.values.length, (i) => scoreTable.values[i] ?? Number.NaN));
    }
    const { scoreMetaData: entries, ...counts } = m;
    const scorers = scorersOf(entries);
    const stride = scorers.length + 1;
    const nodeIds = entries.map((e) => nodeId(e.nodeId));
    return new PackedAllocMetric(counts, scorers, nodeIds, doubles(entries.length * stride, (i) => {
      const e = entries[Math.floor(i / stride)] as ScoreMeta;
      const j = i % stride;
      return j === 0 ? e.normScore : e.scores[scorers[j - 1] as string] ?? Number.NaN;
    }));
  }

  get scoreMetaData(): ScoreMeta[] {
    const stride = this.#scorers.length + 1;
    return this.#nodeIds.map((nodeId, i) => {
      const scores: Record<string, number> = {};
      this.#scorers.forEach((name, j) => {
        const v = this.#values[i * stride + 1 + j] as number;
        if (!Number.isNaN(v)) scores[name] = v;
      });
      return { nodeId, scores, normScore: this.#values[i * stride] as number };
    });
  }

  toJSON(): CompactAllocMetric {
    // One literal (no spread of this instance): written for every allocation of every plan and snapshot.
    let values: (number | null)[] = this.#values;
    for (const v of values) {
      if (Number.isNaN(v)) {
        values = this.#values.map((x) => (Number.isNaN(x) ? null : x));
        break;
      }
    }
    return {
      nodesEvaluated: this.nodesEvaluated, nodesFiltered: this.nodesFiltered, nodesInPool: this.nodesInPool,
      nodesAvailable: this.nodesAvailable, classFiltered: this.classFiltered, constraintFiltered: this.constraintFiltered,
      nodesExhausted: this.nodesExhausted, classExhausted: this.classExhausted, dimensionExhausted: this.dimensionExhausted,
      quotaExhausted: this.quotaExhausted, allocationTimeMs: this.allocationTimeMs, coalescedFailures: this.coalescedFailures,
      scoreTable: { scorers: this.#scorers as string[], nodeIds: this.#nodeIds as string[], values },
    };
  }
}

/**
 * `n` numbers in a plain array sized up front and filled with a fraction first: V8 then keeps
 * them unboxed (double elements) with no spare capacity.
 */
function doubles(n: number, at: (i: number) => number): number[] {
  const values = new Array<number>(n).fill(0.5);
  for (let i = 0; i < n; i++) values[i] = at(i);
  return values;
}

function sharedScorers(names: readonly string[]): readonly string[] {
  const key = names.join("\u0000");
  let shared = scorerLists.get(key);
  if (shared === undefined) {
    if (scorerLists.size >= 1000) scorerLists.clear();
    shared = Object.freeze([...names]);
    scorerLists.set(key, shared);
  }
  return shared;
}
