// Linearizable histories made from a real sequential execution of the job table: operations take
// effect one after another, and each one's invocation and completion are then spread randomly
// around that instant, so neighbours overlap. Used to test that the checker accepts large valid
// histories quickly, and rejects them once tampered with.

import type { JobValue, Operation, OpKind } from "./history.js";
import { seededRandom } from "./random.js";

export interface SyntheticOptions {
  seed: number;
  operations: number;
  keys: number;
  /** Processes issuing the operations (labels only: overlaps come from `spreadMs`). */
  processes?: number;
  /** Mean time between two operations' effects. */
  gapMs?: number;
  /** How far invocation and completion may lie from the effect, each way. */
  spreadMs?: number;
  /** Share of writes whose outcome is unknown (half of them take effect, half never do). */
  unknownShare?: number;
  /** Share of operations that fail (and so have no effect). */
  failShare?: number;
}

export function syntheticHistory(opts: SyntheticOptions): Operation[] {
  const rng = seededRandom(opts.seed);
  const gapMs = opts.gapMs ?? 1;
  const spreadMs = opts.spreadMs ?? 8;
  const processes = opts.processes ?? 16;
  const state = new Map<string, JobValue>();
  const ops: Operation[] = [];
  let now = 0;
  for (let i = 0; i < opts.operations; i++) {
    now += rng.between(0, 2 * gapMs);
    const key = `job-${rng.int(opts.keys)}`;
    const kind: OpKind = rng.pick(["register", "register", "deregister", "read", "read", "read"] as const);
    const invokedAt = now - rng.between(0, spreadMs);
    const completedAt = now + rng.between(0, spreadMs);
    const op: Operation = { id: i, process: rng.int(processes), kind, key, value: null, invokedAt, completedAt, outcome: "ok" };
    if (kind === "register") op.value = `v${i}`;
    const roll = rng.next();
    if (roll < (opts.failShare ?? 0.02)) {
      op.outcome = "fail";
      if (kind === "read") op.value = null;
    } else if (kind !== "read" && roll < (opts.failShare ?? 0.02) + (opts.unknownShare ?? 0.03)) {
      op.outcome = "unknown";
      op.completedAt = Infinity;
      if (rng.next() < 0.5) state.set(key, kind === "register" ? op.value : null);
    } else if (kind === "read") {
      op.value = state.get(key) ?? null;
    } else {
      state.set(key, kind === "register" ? op.value : null);
    }
    ops.push(op);
  }
  return ops.sort((a, b) => a.invokedAt - b.invokedAt).map((op, id) => ({ ...op, id }));
}

/**
 * A copy of `history` in which one late read returns a stale value: the token of a register that
 * was overwritten (by a write that completed before the read was invoked) — a value the read
 * cannot return in any order. Returns the tampered read's id, or undefined if none qualifies.
 */
export function withStaleRead(history: readonly Operation[]): { history: Operation[]; readId: number; key: string } | undefined {
  const copy = history.map((op) => ({ ...op }));
  const okWrites = copy.filter((op) => op.outcome === "ok" && op.kind !== "read");
  for (let r = copy.length - 1; r >= 0; r--) {
    const read = copy[r] as Operation;
    if (read.kind !== "read" || read.outcome !== "ok") continue;
    const sameKey = okWrites.filter((w) => w.key === read.key && w.completedAt < read.invokedAt);
    const stale = sameKey.find((w) => w.kind === "register" && w.value !== read.value &&
      sameKey.some((later) => later.invokedAt > w.completedAt));
    if (!stale) continue;
    read.value = stale.value;
    return { history: copy, readId: read.id, key: read.key };
  }
  return undefined;
}
