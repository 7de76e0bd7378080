// A persistent secondary index: rows grouped under one key (a node, a job, an evaluation), each
// group a PMap from the row's id to a value.
//
// One flat map of composite keys ("node id\0alloc id") would hold a second, long key string per
// row, about 90 bytes a million times over, and every lookup would compare the long shared prefix
// again. Grouped, the row's own id string is the key and comparisons stop at the first differing
// character of two ids. Versions, transactions and owner tags work as in PMap.

import { FROZEN, PMap, type Owner } from "./pmap.js";

export class PIndex<V> {
  private static readonly EMPTY = new PIndex<never>(PMap.empty(), 0);

  private constructor(private readonly groups: PMap<PMap<V>>, readonly size: number) {}

  static empty<V>(): PIndex<V> {
    return PIndex.EMPTY as PIndex<V>;
  }

  /** Builds an index from [group, id, value] entries in any order; ids are unique within a group. */
  static from<V>(entries: readonly (readonly [string, string, V])[]): PIndex<V> {
    const byGroup = new Map<string, [string, V][]>();
    for (const [group, id, val] of entries) {
      let rows = byGroup.get(group);
      if (rows === undefined) byGroup.set(group, rows = []);
      rows.push([id, val]);
    }
    const groups: [string, PMap<V>][] = [];
    for (const [group, rows] of byGroup) {
      rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      groups.push([group, PMap.fromSorted(rows)]);
    }
    groups.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return new PIndex(PMap.fromSorted(groups), entries.length);
  }

  /** The group's entries as a map (empty when the group has none). */
  group(group: string): PMap<V> {
    return this.groups.get(group) ?? PMap.empty<V>();
  }

  get(group: string, id: string): V | undefined {
    return this.groups.get(group)?.get(id);
  }

  /** The group's values in id order. */
  values(group: string): V[] {
    return this.groups.get(group)?.values() ?? [];
  }

  set(group: string, id: string, val: V, owner: Owner = FROZEN): PIndex<V> {
    const before = this.groups.get(group) ?? PMap.empty<V>();
    const after = before.set(id, val, owner);
    if (after === before) return this;
    return new PIndex(this.groups.set(group, after, owner), this.size + after.size - before.size);
  }

  delete(group: string, id: string, owner: Owner = FROZEN): PIndex<V> {
    const before = this.groups.get(group);
    if (before === undefined) return this;
    const after = before.delete(id, owner);
    if (after === before) return this;
    const groups = after.size === 0 ? this.groups.delete(group, owner) : this.groups.set(group, after, owner);
    return new PIndex(groups, this.size - 1);
  }

  /** Each group with its entries, in group order, until `fn` returns false. */
  forEachGroup(fn: (group: string, entries: PMap<V>) => boolean | void): void {
    this.groups.forEach(fn);
  }

  /** Structural problems of every tree, and sizes that do not add up (tests only). */
  check(): string[] {
    const problems = this.groups.check();
    let total = 0;
    this.groups.forEach((group, entries) => {
      if (entries.size === 0) problems.push(`group ${JSON.stringify(group)} is empty`);
      total += entries.size;
      for (const p of entries.check()) problems.push(`group ${JSON.stringify(group)}: ${p}`);
    });
    if (total !== this.size) problems.push(`size ${this.size} but ${total} entries`);
    return problems;
  }
}
