// Linearizability checking (Wing & Gong 1993, with Lowe's 2017 memoization): search for an order
// of the operations that respects real time (an operation that completed before another was
// invoked comes first) and that the sequential model accepts. Pure code: no I/O, no clock.
//
// Each job id is checked on its own. Linearizability is local (Herlihy & Wing 1990, theorem 1):
// a history is linearizable iff the sub-history of every object is, and every operation here
// touches exactly one job id, so per-key searches are sound and complete — and exponentially
// cheaper than one search over all keys.

import { describeOperation, type Operation } from "./history.js";
import type { Model } from "./model.js";

export type Verdict = "linearizable" | "not-linearizable" | "unknown";

export interface CheckOptions {
  /** Search steps allowed per key before giving up with "unknown" (default 20 million). */
  maxStepsPerKey?: number;
  /** How many of the last operations of the longest valid order a violation shows (default 10). */
  explainTail?: number;
  /** Explain a violation from the shortest failing prefix of the key's history (default true). */
  narrow?: boolean;
}

/** Why a key's history is not linearizable, from the longest valid order the search found. */
export interface Violation {
  key: string;
  /** How many operations the longest valid order held before it got stuck. */
  linearizedCount: number;
  /** Its last operations, in order. */
  linearizedTail: Operation[];
  /** The model's state after them. */
  state: string;
  /** The operation that had to take effect next (it completed before anything else could) but could not. */
  blocked: Operation;
  /** Operations that could have taken effect at that point, and why none led anywhere. */
  candidates: { op: Operation; why: string }[];
  /**
   * The operations on this job around the blocked one: those concurrent with it and the last
   * few writes that completed before it was invoked, in invocation order.
   */
  context: Operation[];
  /** The history up to this instant (on the history's clock) is already not linearizable; before it, it is. */
  firstFailingAt?: number;
}

export interface KeyCheck {
  key: string;
  verdict: Verdict;
  /** Operations searched (ok ones plus the unknown writes kept after pruning). */
  operations: number;
  steps: number;
  violation?: Violation;
  /** For a linearizable key: the order found (unknown operations left out never took effect). */
  witness?: Operation[];
  /** For "unknown": why. */
  reason?: string;
}

export interface CheckResult {
  verdict: Verdict;
  keys: KeyCheck[];
  steps: number;
  /** The first violation, when not linearizable. */
  violation?: Violation;
}

const DEFAULT_MAX_STEPS = 20_000_000;

/** Checks every key's sub-history on its own (see the note on locality at the top). */
export function checkHistory<S>(history: readonly Operation[], model: Model<S>, opts: CheckOptions = {}): CheckResult {
  const byKey = new Map<string, Operation[]>();
  for (const op of history) {
    let list = byKey.get(op.key);
    if (!list) byKey.set(op.key, (list = []));
    list.push(op);
  }
  const keys = [...byKey.keys()].sort().map((key) => checkKey(key, byKey.get(key) ?? [], model, opts));
  const violated = keys.find((k) => k.verdict === "not-linearizable");
  const verdict: Verdict = violated ? "not-linearizable" : keys.some((k) => k.verdict === "unknown") ? "unknown" : "linearizable";
  const steps = keys.reduce((sum, k) => sum + k.steps, 0);
  return { verdict, keys, steps, ...(violated?.violation ? { violation: violated.violation } : {}) };
}

/**
 * The operations that constrain the search: ok ones, and writes whose outcome is unknown (which
 * may take effect at any point after their invocation, or never). Failed operations had no
 * effect and reads that got no answer observed nothing, so both are left out.
 */
function relevant<S>(ops: readonly Operation[], model: Model<S>): Operation[] {
  const kept = ops.filter((op) => op.outcome === "ok" || (op.outcome === "unknown" && op.kind !== "read"));
  const pruned = model.prune ? model.prune(kept) : kept;
  return [...pruned].sort((a, b) => a.invokedAt - b.invokedAt || a.id - b.id);
}

/** A node of the doubly linked lists the search lifts operations out of (Wing & Gong's "entries"). */
interface Entry {
  op: Operation;
  /** The operation's position among this key's searched operations (its bit in the linearized set). */
  index: number;
  call: boolean;
  time: number;
  /** The return entry of a call (ok operations only). */
  ret: Entry | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

/** The operation of the lists' head entries, which is never searched. */
const SENTINEL: Operation = { id: -1, process: -1, kind: "read", key: "", value: null, invokedAt: -Infinity, completedAt: -Infinity, outcome: "fail" };

function entry(op: Operation, index: number, call: boolean, time: number): Entry {
  return { op, index, call, time, ret: undefined, prev: undefined, next: undefined };
}

function link(head: Entry, entries: Entry[]): void {
  let prev = head;
  for (const e of entries) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
}

function unlink(e: Entry): void {
  (e.prev as Entry).next = e.next;
  if (e.next) e.next.prev = e.prev;
}

/** Puts back an entry removed by `unlink`; removals must be undone in reverse order. */
function relink(e: Entry): void {
  (e.prev as Entry).next = e;
  if (e.next) e.next.prev = e;
}

/**
 * Zobrist hashing of the linearized set: two independent 32-bit random words per operation,
 * XORed in and out as operations are linearized and undone, so the cache key costs O(1) per step
 * instead of copying a bitset. A collision (probability about n²/2⁶⁵, under 10⁻⁷ for a million
 * cached configurations) could only make the search skip a configuration it has not seen, so it
 * could turn a linearizable verdict into a false violation, never accept a bad history; and a
 * linearizable verdict is double-checked by replaying the order found (`verifyWitness`).
 */
function zobristWords(count: number, salt: number): Uint32Array {
  const words = new Uint32Array(count);
  let x = (0x9e3779b9 ^ salt) >>> 0;
  for (let i = 0; i < count; i++) {
    // xorshift32: deterministic, well spread, no shared random state.
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    words[i] = x;
  }
  return words;
}

interface Frame<S> {
  entry: Entry;
  stateBefore: S;
  /** Where the search was when it took this entry: among ok calls, or among unknown writes up to `bound`. */
  inUnknown: boolean;
  bound: number;
  blocking: Entry | undefined;
  /** Taken without alternatives (a read that fits the state): if it leads nowhere, neither does its parent. */
  forced: boolean;
}

/**
 * Checks one key's operations; a violation is explained from the shortest prefix of the history
 * that is already not linearizable, which puts the explanation where things first went wrong
 * rather than wherever the search happened to get deepest.
 */
export function checkKey<S>(key: string, history: readonly Operation[], model: Model<S>, opts: CheckOptions = {}): KeyCheck {
  const result = searchKey(key, history, model, opts);
  if (result.verdict !== "not-linearizable" || opts.narrow === false) return result;
  const narrowed = narrowViolation(key, history, model, opts) ?? result.violation;
  return narrowed ? { ...result, violation: narrowed } : result;
}

/**
 * The history as it stood at instant `at`: operations invoked by then; those still running are
 * pending (writes may or may not have taken effect; reads observed nothing yet).
 */
export function prefixAt(history: readonly Operation[], at: number): Operation[] {
  const prefix: Operation[] = [];
  for (const op of history) {
    if (op.invokedAt > at) continue;
    if (op.completedAt <= at || op.outcome !== "ok") prefix.push(op);
    else if (op.kind !== "read") prefix.push({ ...op, outcome: "unknown", completedAt: Infinity });
  }
  return prefix;
}

/**
 * Linearizability is prefix-closed (a linearization of the whole restricts to one of every
 * prefix), so "the prefix up to t is not linearizable" is monotone in t: bisect over completion
 * times for the first instant it fails, and explain that prefix's violation.
 */
function narrowViolation<S>(key: string, history: readonly Operation[], model: Model<S>, opts: CheckOptions): Violation | undefined {
  const times = [...new Set(history.filter((op) => op.outcome === "ok").map((op) => op.completedAt))].sort((a, b) => a - b);
  let low = 0;
  let high = times.length - 1;
  let best: { at: number; violation: Violation } | undefined;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const at = times[mid] as number;
    const check = searchKey(key, prefixAt(history, at), model, opts);
    if (check.verdict === "not-linearizable" && check.violation) {
      best = { at, violation: check.violation };
      high = mid - 1;
    } else if (check.verdict === "linearizable") {
      low = mid + 1;
    } else {
      break;
    }
  }
  if (!best) return undefined;
  // The prefix turned running operations into pending ones: show the operations as recorded.
  const byId = new Map(history.map((op) => [op.id, op]));
  const original = (op: Operation) => byId.get(op.id) ?? op;
  const v = best.violation;
  return {
    ...v, linearizedTail: v.linearizedTail.map(original), blocked: original(v.blocked),
    candidates: v.candidates.map((c) => ({ op: original(c.op), why: c.why })), context: contextOf(original(v.blocked), history), firstFailingAt: best.at,
  };
}

/** The operations a person needs next to a blocked one: those overlapping it and the last writes before it. */
function contextOf(blocked: Operation, history: readonly Operation[]): Operation[] {
  const effective = history.filter((op) => op.outcome !== "fail" && !(op.kind === "read" && op.outcome !== "ok"));
  const concurrent = effective.filter((op) => op.invokedAt <= blocked.completedAt && op.completedAt >= blocked.invokedAt);
  const before = effective.filter((op) => op.kind !== "read" && op.completedAt < blocked.invokedAt)
    .sort((a, b) => a.completedAt - b.completedAt).slice(-3);
  return [...new Set([...before, ...concurrent])].sort((a, b) => a.invokedAt - b.invokedAt || a.id - b.id);
}

/** Wing & Gong's search over one key's operations, with Lowe's cache of (linearized set, state). */
function searchKey<S>(key: string, history: readonly Operation[], model: Model<S>, opts: CheckOptions): KeyCheck {
  const maxSteps = opts.maxStepsPerKey ?? DEFAULT_MAX_STEPS;
  const tailLength = opts.explainTail ?? 10;
  const ops = relevant(history, model);

  // Ok operations live in one list of call and return events in time order (a call before a
  // return at the same instant: an operation precedes another only if it completed strictly
  // before the other was invoked). Unknown writes never complete, so they are kept apart, in
  // invocation order, and tried only when no ok operation can go next: they usually never
  // took effect, and trying them first would multiply the search for nothing.
  const mainHead = entry(SENTINEL, -1, false, -Infinity);
  const unknownHead = entry(SENTINEL, -1, false, -Infinity);
  const events: Entry[] = [];
  const unknowns: Entry[] = [];
  let okLeft = 0;
  ops.forEach((op, index) => {
    if (op.outcome !== "ok") {
      unknowns.push(entry(op, index, true, op.invokedAt));
      return;
    }
    okLeft++;
    const call = entry(op, index, true, op.invokedAt);
    const ret = entry(op, index, false, op.completedAt);
    call.ret = ret;
    events.push(call, ret);
  });
  events.sort((a, b) => a.time - b.time || (a.call === b.call ? a.index - b.index : a.call ? -1 : 1));
  link(mainHead, events);
  link(unknownHead, unknowns);

  const z1 = zobristWords(ops.length, 1);
  const z2 = zobristWords(ops.length, 2);
  let h1 = 0;
  let h2 = 0;
  const cache = new Set<string>();
  const stack: Frame<S>[] = [];
  let state = model.initial;
  let steps = 0;
  let cursor: Entry | undefined = mainHead.next;
  let inUnknown = false;
  let bound = 0;
  let blocking: Entry | undefined;
  let violation: Violation | undefined;
  /** The search just entered a configuration it had not seen. */
  let fresh = true;
  // Unknown writes with the same effect (say, two timed-out purges) are interchangeable: if an
  // order takes a later one at some point, swapping in the earliest one pending is valid too
  // (it was invoked even earlier). So at each point only the first of each effect is tried.
  const effects = new Map<Entry, string | undefined>(unknowns.map((e) => [e, model.effect?.(e.op)]));
  let triedEffects = new Set<string>();
  const effectsBefore = (stop: Entry): Set<string> => {
    const tried = new Set<string>();
    for (let u = unknownHead.next; u && u !== stop; u = u.next) {
      const effect = effects.get(u);
      if (effect !== undefined) tried.add(effect);
    }
    return tried;
  };

  /** Takes e as the next operation if the model allows it and the resulting configuration is new. */
  const lift = (e: Entry, forced = false): boolean => {
    const next = model.step(state, e.op);
    if (next === undefined) return false;
    const n1 = (h1 ^ (z1[e.index] as number)) >>> 0;
    const n2 = (h2 ^ (z2[e.index] as number)) >>> 0;
    const cacheKey = `${n1}.${n2}.${model.key(next)}`;
    if (cache.has(cacheKey)) return false;
    cache.add(cacheKey);
    stack.push({ entry: e, stateBefore: state, inUnknown, bound, blocking, forced });
    state = next;
    h1 = n1;
    h2 = n2;
    unlink(e);
    if (e.ret) {
      unlink(e.ret);
      okLeft--;
    }
    inUnknown = false;
    cursor = mainHead.next;
    fresh = true;
    return true;
  };

  /**
   * A read-only operation that fits the current state and may go next can be taken now without
   * trying alternatives: in any valid order from here, moving it to the front keeps the order
   * valid (nothing pending completed before it was invoked, and it changes no state). Returns
   * false when such a read exists but its configuration was already ruled out.
   */
  const takeFittingRead = (): boolean => {
    for (let c = mainHead.next; c && c.call; c = c.next) {
      if (!model.readOnly?.(c.op) || model.step(state, c.op) === undefined) continue;
      return lift(c, true);
    }
    return true;
  };

  const undo = (): Frame<S> => {
    const frame = stack.pop() as Frame<S>;
    const e = frame.entry;
    if (e.ret) {
      relink(e.ret);
      okLeft++;
    }
    relink(e);
    h1 = (h1 ^ (z1[e.index] as number)) >>> 0;
    h2 = (h2 ^ (z2[e.index] as number)) >>> 0;
    state = frame.stateBefore;
    inUnknown = frame.inUnknown;
    bound = frame.bound;
    blocking = frame.blocking;
    if (inUnknown) {
      triedEffects = effectsBefore(e);
      const effect = effects.get(e);
      if (effect !== undefined) triedEffects.add(effect);
    }
    fresh = false;
    return frame;
  };

  /** Undoes operations up to the latest choice with alternatives left; false when there is none. */
  const backtrack = (): boolean => {
    while (stack.length > 0) {
      const frame = undo();
      if (!frame.forced) {
        cursor = frame.entry.next;
        return true;
      }
    }
    return false;
  };

  const explain = (): Violation => {
    const candidates: { op: Operation; why: string }[] = [];
    const why = (op: Operation) => (model.step(state, op) === undefined
      ? `cannot take effect when the job is ${model.describe(state)}`
      : "every order in which it takes effect here was tried and got stuck later");
    for (let e = mainHead.next; e && e !== blocking; e = e.next) if (e.call) candidates.push({ op: e.op, why: why(e.op) });
    for (let e = unknownHead.next; e && e.time <= bound; e = e.next) candidates.push({ op: e.op, why: why(e.op) });
    const blocked = (blocking as Entry).op;
    return {
      key, linearizedCount: stack.length, linearizedTail: stack.slice(-tailLength).map((f) => f.entry.op), state: model.describe(state),
      blocked, candidates: [{ op: blocked, why: why(blocked) }, ...candidates.filter((c) => c.op !== blocked)], context: contextOf(blocked, ops),
    };
  };

  for (;;) {
    if (okLeft === 0) {
      const witness = stack.map((f) => f.entry.op);
      const problem = verifyWitness(witness, ops, model);
      if (problem) return { key, verdict: "unknown", operations: ops.length, steps, reason: `internal error: the order found is invalid: ${problem}` };
      return { key, verdict: "linearizable", operations: ops.length, steps, witness };
    }
    if (++steps > maxSteps) {
      return { key, verdict: "unknown", operations: ops.length, steps, reason: `budget exhausted after ${maxSteps} steps` };
    }
    if (fresh && !inUnknown) {
      fresh = false;
      const depth = stack.length;
      if (!takeFittingRead()) {
        if (backtrack()) continue;
        return { key, verdict: "not-linearizable", operations: ops.length, steps, ...(violation ? { violation } : {}) };
      }
      if (stack.length > depth) continue;
    }
    const e: Entry | undefined = cursor;
    if (!inUnknown) {
      if (!e) throw new Error("checker: ok operations left but no events");
      if (e.call) {
        if (!lift(e)) cursor = e.next;
      } else {
        // e's operation completed, so it must take effect before anything invoked later:
        // only the unknown writes invoked by then remain to be tried at this point.
        inUnknown = true;
        bound = e.time;
        blocking = e;
        cursor = unknownHead.next;
        triedEffects = new Set();
      }
      continue;
    }
    if (e && e.time <= bound) {
      const effect = effects.get(e);
      if (effect !== undefined && triedEffects.has(effect)) {
        cursor = e.next;
        continue;
      }
      if (effect !== undefined) triedEffects.add(effect);
      if (!lift(e)) cursor = e.next;
      continue;
    }
    // Dead end: nothing can go next. Remember the deepest one as the explanation, then backtrack.
    if (!violation || stack.length > violation.linearizedCount) violation = explain();
    if (!backtrack()) return { key, verdict: "not-linearizable", operations: ops.length, steps, violation };
  }
}

/**
 * Checks an order independently of the search: every ok operation exactly once, no unknown one
 * twice, real-time order respected, and the model accepts each step. Returns the first problem.
 */
export function verifyWitness<S>(order: readonly Operation[], ops: readonly Operation[], model: Model<S>): string | undefined {
  const seen = new Set<number>();
  let state = model.initial;
  let latestInvocation = -Infinity;
  let latestOp: Operation | undefined;
  for (const op of order) {
    if (seen.has(op.id)) return `${describeOperation(op)} appears twice`;
    seen.add(op.id);
    // Everything before op in the order was invoked before op completed.
    if (latestOp && op.completedAt < latestInvocation) return `${describeOperation(op)} completed before ${describeOperation(latestOp)} was invoked, yet comes after it`;
    if (op.invokedAt > latestInvocation) {
      latestInvocation = op.invokedAt;
      latestOp = op;
    }
    const next = model.step(state, op);
    if (next === undefined) return `${describeOperation(op)} cannot take effect when the job is ${model.describe(state)}`;
    state = next;
  }
  const missing = ops.find((op) => op.outcome === "ok" && !seen.has(op.id));
  return missing ? `${describeOperation(missing)} is missing` : undefined;
}

/** A violation for people: the valid prefix, the state, the operation that could not happen, and why. */
export function formatViolation(v: Violation): string {
  const lines = [`job ${v.key}: not linearizable`];
  const skipped = v.linearizedCount - v.linearizedTail.length;
  lines.push(`  the longest valid order found has ${v.linearizedCount} operations${skipped > 0 ? `; its last ${v.linearizedTail.length}` : ""}:`);
  for (const op of v.linearizedTail) lines.push(`    ${describeOperation(op)}`);
  lines.push(`  after them the job is ${v.state}, and this operation had to take effect next but could not:`);
  lines.push(`    ${describeOperation(v.blocked)}`);
  lines.push("  operations that could have taken effect at that point:");
  for (const c of v.candidates) lines.push(`    ${describeOperation(c.op)}: ${c.why}`);
  lines.push(`  operations on ${v.key} around it (the last writes before it, and those concurrent with it):`);
  for (const op of v.context) lines.push(`    ${describeOperation(op)}`);
  if (v.firstFailingAt !== undefined) lines.push(`  the history up to ${v.firstFailingAt.toFixed(1)} ms is already not linearizable; before that it is`);
  return lines.join("\n");
}
