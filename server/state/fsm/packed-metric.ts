// A stored allocation's placement metrics with its score table packed. The table (the best
// few nodes, each with a score per scorer) is most of an allocation's size as plain objects:
// a dozen small objects and boxed numbers. Packed, it is one array of unboxed numbers and a list
// of node ids, and it reads back as the model's shape on demand (`alloc status -verbose`, the
// API); JSON sees the plain form, so snapshots are unchanged.

import type { AllocMetric } from "../../../shared/model/index.js";

type ScoreMeta = AllocMetric["scoreMetaData"][number];

/** Scorer name lists, shared by every metric that used the same scorers. */
const scorerLists = new Map<string, readonly string[]>();

/** The scorers of every entry, in order of first appearance; usually every entry has the same ones. */
function scorersOf(entries: readonly ScoreMeta[]): readonly string[] {
  let key = "";
  let uniform = true;
  let first: Record<string, number> | undefined;
  for (const e of entries) {
    if (first === undefined) {
      first = e.scores;
      for (const name in first) key += `${name}\u0000`;
      continue;
    }
    let n = 0;
    for (const name in e.scores) {
      if (!(name in first)) uniform = false;
      n++;
    }
    if (n !== Object.keys(first).length) uniform = false;
  }
  if (!uniform) {
    const names = new Set<string>();
    for (const e of entries) for (const name in e.scores) names.add(name);
    key = [...names].join("\u0000");
  }
  let shared = scorerLists.get(key);
  if (shared === undefined) {
    if (scorerLists.size >= 1000) scorerLists.clear();
    shared = Object.freeze(key.split("\u0000").filter((name) => name !== ""));
    scorerLists.set(key, shared);
  }
  return shared;
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

  constructor(m: AllocMetric, nodeId: (id: string) => string) {
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
    const entries = m.scoreMetaData;
    this.#scorers = scorersOf(entries);
    const ids: string[] = new Array<string>(entries.length);
    for (let i = 0; i < entries.length; i++) ids[i] = nodeId((entries[i] as ScoreMeta).nodeId);
    this.#nodeIds = ids;
    // Sized up front and filled with a fraction first, a plain array keeps its numbers unboxed
    // (V8's double elements) with no spare capacity.
    const values: number[] = new Array<number>(entries.length * (this.#scorers.length + 1)).fill(0.5);
    let at = 0;
    for (const e of entries) {
      values[at++] = e.normScore;
      for (const name of this.#scorers) values[at++] = e.scores[name] ?? Number.NaN;
    }
    this.#values = values;
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

  /** The model's plain shape. */
  toJSON(): AllocMetric {
    return { ...this, scoreMetaData: this.scoreMetaData };
  }
}
