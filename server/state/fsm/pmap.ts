// A persistent sorted map from string keys to values: a copy-on-write B+ tree.
//
// Every version of the map stays readable forever, so a reader's snapshot is just a root pointer
// (O(1) to take). A write copies only the path from the root to one leaf: O(log n) nodes of at
// most MAX_ENTRIES entries. Within one write transaction the nodes it already copied carry the
// transaction's `owner` tag and are changed in place (Clojure's "transients"), so a transaction
// that touches many rows does not copy the same path over and over. Once a transaction is done
// its owner tag is never used again, which freezes every node it produced.
//
// Keys are compared as JavaScript strings (UTF-16 code units), which is deterministic on every
// server; composite keys join their parts with "\u0000" so a prefix scan finds one group.

const MAX_ENTRIES = 32;
const MIN_ENTRIES = 8;

/** Tag of a write transaction; 0 marks nodes that belong to no transaction (frozen). */
export type Owner = number;
export const FROZEN: Owner = 0;

interface Leaf<V> {
  leaf: true;
  owner: Owner;
  keys: string[];
  vals: V[];
}

interface Branch<V> {
  leaf: false;
  owner: Owner;
  /** keys[i] is the smallest key under children[i]. */
  keys: string[];
  children: BNode<V>[];
}

type BNode<V> = Leaf<V> | Branch<V>;

/** Index of the first key ≥ `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the child of a branch whose range holds `key`. */
function childIndex(keys: readonly string[], key: string): number {
  // The last child whose smallest key is ≤ key; keys before keys[0] go to child 0.
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : lo - 1;
}

function editable<V>(node: BNode<V>, owner: Owner): BNode<V> {
  if (owner !== FROZEN && node.owner === owner) return node;
  return node.leaf
    ? { leaf: true, owner, keys: node.keys.slice(), vals: node.vals.slice() }
    : { leaf: false, owner, keys: node.keys.slice(), children: node.children.slice() };
}

function entryCount<V>(node: BNode<V>): number {
  return node.keys.length;
}

/** Splits an over-full node in two halves; returns the new right half. */
function splitNode<V>(node: BNode<V>, owner: Owner): BNode<V> {
  const half = node.keys.length >>> 1;
  if (node.leaf) {
    const right: Leaf<V> = { leaf: true, owner, keys: node.keys.splice(half), vals: node.vals.splice(half) };
    return right;
  }
  const right: Branch<V> = { leaf: false, owner, keys: node.keys.splice(half), children: node.children.splice(half) };
  return right;
}

interface SetOutcome<V> {
  node: BNode<V>;
  /** A new right sibling when the node split. */
  split: BNode<V> | undefined;
  added: boolean;
  previous: V | undefined;
}

function setIn<V>(node: BNode<V>, key: string, val: V, owner: Owner): SetOutcome<V> {
  if (node.leaf) {
    const i = lowerBound(node.keys, key);
    if (i < node.keys.length && node.keys[i] === key) {
      const previous = node.vals[i];
      if (previous === val) return { node, split: undefined, added: false, previous };
      const copy = editable(node, owner) as Leaf<V>;
      copy.vals[i] = val;
      return { node: copy, split: undefined, added: false, previous };
    }
    const copy = editable(node, owner) as Leaf<V>;
    copy.keys.splice(i, 0, key);
    copy.vals.splice(i, 0, val);
    const split = copy.keys.length > MAX_ENTRIES ? splitNode(copy, owner) : undefined;
    return { node: copy, split, added: true, previous: undefined };
  }
  const i = childIndex(node.keys, key);
  const child = node.children[i] as BNode<V>;
  const out = setIn(child, key, val, owner);
  if (out.node === child && out.split === undefined && key >= (node.keys[i] as string)) {
    return { node, split: undefined, added: out.added, previous: out.previous };
  }
  const copy = editable(node, owner) as Branch<V>;
  copy.children[i] = out.node;
  copy.keys[i] = out.node.keys[0] as string;
  if (out.split) {
    copy.children.splice(i + 1, 0, out.split);
    copy.keys.splice(i + 1, 0, out.split.keys[0] as string);
  }
  const split = copy.keys.length > MAX_ENTRIES ? splitNode(copy, owner) : undefined;
  return { node: copy, split, added: out.added, previous: out.previous };
}

/** Joins two neighbouring nodes, or evens them out when together they are too many for one. */
function rebalance<V>(left: BNode<V>, right: BNode<V>, owner: Owner): BNode<V>[] {
  const total = entryCount(left) + entryCount(right);
  if (left.leaf && right.leaf) {
    const keys = left.keys.concat(right.keys);
    const vals = left.vals.concat(right.vals);
    if (total <= MAX_ENTRIES) return [{ leaf: true, owner, keys, vals }];
    const half = total >>> 1;
    return [
      { leaf: true, owner, keys: keys.slice(0, half), vals: vals.slice(0, half) },
      { leaf: true, owner, keys: keys.slice(half), vals: vals.slice(half) },
    ];
  }
  const l = left as Branch<V>;
  const r = right as Branch<V>;
  const keys = l.keys.concat(r.keys);
  const children = l.children.concat(r.children);
  if (total <= MAX_ENTRIES) return [{ leaf: false, owner, keys, children }];
  const half = total >>> 1;
  return [
    { leaf: false, owner, keys: keys.slice(0, half), children: children.slice(0, half) },
    { leaf: false, owner, keys: keys.slice(half), children: children.slice(half) },
  ];
}

interface DeleteOutcome<V> {
  node: BNode<V>;
  removed: V | undefined;
  found: boolean;
}

function deleteIn<V>(node: BNode<V>, key: string, owner: Owner): DeleteOutcome<V> {
  if (node.leaf) {
    const i = lowerBound(node.keys, key);
    if (i >= node.keys.length || node.keys[i] !== key) return { node, removed: undefined, found: false };
    const removed = node.vals[i];
    const copy = editable(node, owner) as Leaf<V>;
    copy.keys.splice(i, 1);
    copy.vals.splice(i, 1);
    return { node: copy, removed, found: true };
  }
  const i = childIndex(node.keys, key);
  const child = node.children[i] as BNode<V>;
  const out = deleteIn(child, key, owner);
  if (!out.found) return { node, removed: undefined, found: false };
  const copy = editable(node, owner) as Branch<V>;
  const updated = out.node;
  if (entryCount(updated) === 0) {
    copy.children.splice(i, 1);
    copy.keys.splice(i, 1);
  } else if (entryCount(updated) < MIN_ENTRIES && copy.children.length > 1) {
    const j = i > 0 ? i - 1 : i + 1;
    const [lo, hi] = j < i ? [j, i] : [i, j];
    const left = lo === i ? updated : (copy.children[lo] as BNode<V>);
    const right = hi === i ? updated : (copy.children[hi] as BNode<V>);
    const merged = rebalance(left, right, owner);
    copy.children.splice(lo, 2, ...merged);
    copy.keys.splice(lo, 2, ...merged.map((n) => n.keys[0] as string));
  } else {
    copy.children[i] = updated;
    copy.keys[i] = updated.keys[0] as string;
  }
  return { node: copy, removed: out.removed, found: true };
}

const EMPTY_LEAF: Leaf<never> = { leaf: true, owner: FROZEN, keys: [], vals: [] };

/**
 * An immutable sorted map. `set` and `delete` return a new map and leave this one unchanged;
 * pass the same `owner` for all writes of one transaction to let them share copied nodes.
 */
export class PMap<V> {
  private static readonly EMPTY = new PMap<never>(EMPTY_LEAF, 0);

  private constructor(private readonly root: BNode<V>, readonly size: number) {}

  static empty<V>(): PMap<V> {
    return PMap.EMPTY as PMap<V>;
  }

  /** Builds a map from entries already sorted by key, without duplicates. */
  static fromSorted<V>(entries: readonly (readonly [string, V])[]): PMap<V> {
    if (entries.length === 0) return PMap.empty<V>();
    const fill = Math.max(MIN_ENTRIES, Math.floor(MAX_ENTRIES * 0.75));
    let level: BNode<V>[] = [];
    for (let i = 0; i < entries.length; i += fill) {
      const chunk = entries.slice(i, i + fill);
      level.push({ leaf: true, owner: FROZEN, keys: chunk.map((e) => e[0]), vals: chunk.map((e) => e[1]) });
    }
    level = PMap.evenTail(level);
    while (level.length > 1) {
      const next: BNode<V>[] = [];
      for (let i = 0; i < level.length; i += fill) {
        const chunk = level.slice(i, i + fill);
        next.push({ leaf: false, owner: FROZEN, keys: chunk.map((n) => n.keys[0] as string), children: chunk });
      }
      level = PMap.evenTail(next);
    }
    return new PMap(level[0] as BNode<V>, entries.length);
  }

  /** Makes sure the last node of a level is not under-full by sharing with its neighbour. */
  private static evenTail<V>(level: BNode<V>[]): BNode<V>[] {
    if (level.length < 2) return level;
    const last = level[level.length - 1] as BNode<V>;
    if (entryCount(last) >= MIN_ENTRIES) return level;
    const merged = rebalance(level[level.length - 2] as BNode<V>, last, FROZEN);
    return [...level.slice(0, -2), ...merged];
  }

  get(key: string): V | undefined {
    let node = this.root;
    while (!node.leaf) node = node.children[childIndex(node.keys, key)] as BNode<V>;
    const i = lowerBound(node.keys, key);
    return i < node.keys.length && node.keys[i] === key ? node.vals[i] : undefined;
  }

  has(key: string): boolean {
    let node = this.root;
    while (!node.leaf) node = node.children[childIndex(node.keys, key)] as BNode<V>;
    const i = lowerBound(node.keys, key);
    return i < node.keys.length && node.keys[i] === key;
  }

  set(key: string, val: V, owner: Owner = FROZEN): PMap<V> {
    const out = setIn(this.root, key, val, owner);
    if (out.node === this.root && out.split === undefined && !out.added) return this;
    let root = out.node;
    if (out.split) {
      root = { leaf: false, owner, keys: [out.node.keys[0] as string, out.split.keys[0] as string], children: [out.node, out.split] };
    }
    return new PMap(root, this.size + (out.added ? 1 : 0));
  }

  delete(key: string, owner: Owner = FROZEN): PMap<V> {
    const out = deleteIn(this.root, key, owner);
    if (!out.found) return this;
    let root = out.node;
    while (!root.leaf && root.children.length === 1) root = root.children[0] as BNode<V>;
    if (!root.leaf && root.children.length === 0) root = EMPTY_LEAF;
    return new PMap(root, this.size - 1);
  }

  /**
   * Calls `fn` for each entry with key ≥ `from`, in key order, until it returns false.
   * Walks with an explicit stack so a scan costs O(log n + entries visited).
   */
  forEachFrom(from: string, fn: (key: string, val: V) => boolean | void): void {
    const stack: { node: Branch<V>; i: number }[] = [];
    let node = this.root;
    while (!node.leaf) {
      const i = childIndex(node.keys, from);
      stack.push({ node, i });
      node = node.children[i] as BNode<V>;
    }
    let i = lowerBound(node.keys, from);
    for (;;) {
      const leaf = node as Leaf<V>;
      for (; i < leaf.keys.length; i++) {
        if (fn(leaf.keys[i] as string, leaf.vals[i] as V) === false) return;
      }
      // Climb to the next subtree to the right, then down to its leftmost leaf.
      let top = stack[stack.length - 1];
      while (top && top.i + 1 >= top.node.children.length) {
        stack.pop();
        top = stack[stack.length - 1];
      }
      if (!top) return;
      top.i += 1;
      node = top.node.children[top.i] as BNode<V>;
      while (!node.leaf) {
        stack.push({ node, i: 0 });
        node = node.children[0] as BNode<V>;
      }
      i = 0;
    }
  }

  /** Each entry whose key starts with `prefix`, in key order, until `fn` returns false. */
  forEachPrefix(prefix: string, fn: (key: string, val: V) => boolean | void): void {
    this.forEachFrom(prefix, (key, val) => {
      if (!key.startsWith(prefix)) return false;
      return fn(key, val);
    });
  }

  forEach(fn: (key: string, val: V) => boolean | void): void {
    this.forEachFrom("", fn);
  }

  /** Values whose keys start with `prefix`, in key order (at most `limit`). */
  valuesWithPrefix(prefix: string, limit = Infinity): V[] {
    const out: V[] = [];
    if (limit <= 0) return out;
    this.forEachPrefix(prefix, (_key, val) => {
      out.push(val);
      return out.length < limit;
    });
    return out;
  }

  keysWithPrefix(prefix: string, limit = Infinity): string[] {
    const out: string[] = [];
    if (limit <= 0) return out;
    this.forEachPrefix(prefix, (key) => {
      out.push(key);
      return out.length < limit;
    });
    return out;
  }

  /** The entry with the greatest key starting with `prefix`. */
  lastWithPrefix(prefix: string): [string, V] | undefined {
    // The smallest string greater than every key with this prefix: bump the prefix's last unit.
    const upper = prefixUpperBound(prefix);
    let node = this.root;
    const path: { node: Branch<V>; i: number }[] = [];
    while (!node.leaf) {
      const i = upper === undefined ? node.children.length - 1 : childIndex(node.keys, upper);
      path.push({ node, i });
      node = node.children[i] as BNode<V>;
    }
    // Step back from the upper bound to the entry before it, possibly in an earlier leaf.
    let i = upper === undefined ? node.keys.length - 1 : lowerBound(node.keys, upper) - 1;
    for (;;) {
      if (i >= 0) {
        const key = node.keys[i] as string;
        return key.startsWith(prefix) ? [key, (node as Leaf<V>).vals[i] as V] : undefined;
      }
      let top = path[path.length - 1];
      while (top && top.i === 0) {
        path.pop();
        top = path[path.length - 1];
      }
      if (!top) return undefined;
      top.i -= 1;
      node = top.node.children[top.i] as BNode<V>;
      while (!node.leaf) {
        path.push({ node, i: node.children.length - 1 });
        node = node.children[node.children.length - 1] as BNode<V>;
      }
      i = node.keys.length - 1;
    }
  }

  values(): V[] {
    const out: V[] = [];
    this.forEach((_k, v) => {
      out.push(v);
    });
    return out;
  }

  entries(): [string, V][] {
    const out: [string, V][] = [];
    this.forEach((k, v) => {
      out.push([k, v]);
    });
    return out;
  }

  /** Tree height, for tests and diagnostics. */
  depth(): number {
    let depth = 1;
    let node = this.root;
    while (!node.leaf) {
      depth += 1;
      node = node.children[0] as BNode<V>;
    }
    return depth;
  }

  /** Checks the tree's structural invariants; returns the problems found (tests only). */
  check(): string[] {
    const problems: string[] = [];
    let count = 0;
    let last: string | undefined;
    const walk = (node: BNode<V>, depth: number, isRoot: boolean): number => {
      if (node.keys.length > MAX_ENTRIES) problems.push(`node over-full: ${node.keys.length}`);
      if (!isRoot && node.keys.length === 0) problems.push("empty non-root node");
      if (node.leaf) {
        if (node.keys.length !== node.vals.length) problems.push("leaf keys and values differ in length");
        for (const key of node.keys) {
          if (last !== undefined && key <= last) problems.push(`keys out of order: ${JSON.stringify(last)} then ${JSON.stringify(key)}`);
          last = key;
          count += 1;
        }
        return depth;
      }
      if (node.keys.length !== node.children.length) problems.push("branch keys and children differ in length");
      let leafDepth = -1;
      node.children.forEach((child, i) => {
        if (child.keys[0] !== node.keys[i]) problems.push(`separator ${JSON.stringify(node.keys[i])} is not the child's first key`);
        const d = walk(child, depth + 1, false);
        if (leafDepth === -1) leafDepth = d;
        else if (d !== leafDepth) problems.push("leaves at different depths");
      });
      return leafDepth;
    };
    walk(this.root, 1, true);
    if (count !== this.size) problems.push(`size ${this.size} but ${count} entries`);
    return problems;
  }
}

/** The least string greater than every string starting with `prefix`; undefined when none. */
export function prefixUpperBound(prefix: string): string | undefined {
  let p = prefix;
  while (p.length > 0) {
    const last = p.charCodeAt(p.length - 1);
    if (last < 0xffff) return p.slice(0, -1) + String.fromCharCode(last + 1);
    p = p.slice(0, -1);
  }
  return undefined;
}
