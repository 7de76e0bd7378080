// The record of a linearizability run: every operation a client invoked on the job table, when
// it was invoked and when its response arrived, and what the response proves about its effect.

export type OpKind = "register" | "deregister" | "read";

/**
 * ok: the server answered; the operation took effect exactly once, between invocation and completion.
 * fail: a definite refusal (validation error, not found, "not applied" from the server, no connection
 *   ever made): the operation had no effect and is left out of the check.
 * unknown: the request timed out or its connection broke after it was sent: it may have taken effect
 *   at any point after its invocation, or never (its completion is +infinity).
 */
export type Outcome = "ok" | "fail" | "unknown";

/** A job's observable state under one id: the token written in its meta, or null when absent. */
export type JobValue = string | null;

export interface Operation {
  /** Position in the history, in invocation order (unique within one history). */
  id: number;
  /** The client loop that issued it; a loop whose operation became unknown continues as a new process. */
  process: number;
  kind: OpKind;
  /** The job id. */
  key: string;
  /** register: the token written; read: the token read (null: no such job); deregister: null. */
  value: JobValue;
  /** performance.now() when the request was sent. */
  invokedAt: number;
  /** performance.now() when the response arrived; Infinity when the outcome is unknown. */
  completedAt: number;
  outcome: Outcome;
  /** The error that made the outcome fail or unknown, for the dump. */
  error?: string;
}

/** Collects operations from concurrent client loops; the clock is shared, so times are comparable. */
export class HistoryRecorder {
  private readonly ops: Operation[] = [];

  constructor(private readonly now: () => number) {}

  /** Records the invocation; the returned operation is completed in place by `complete`. */
  invoke(process: number, kind: OpKind, key: string, value: JobValue): Operation {
    const op: Operation = { id: this.ops.length, process, kind, key, value, invokedAt: this.now(), completedAt: Infinity, outcome: "unknown" };
    this.ops.push(op);
    return op;
  }

  complete(op: Operation, outcome: Outcome, detail: { value?: JobValue; error?: string } = {}): void {
    op.outcome = outcome;
    op.completedAt = outcome === "unknown" ? Infinity : this.now();
    if (detail.value !== undefined) op.value = detail.value;
    if (detail.error !== undefined) op.error = detail.error;
  }

  get operations(): readonly Operation[] {
    return this.ops;
  }
}

export interface HistoryCounts {
  total: number;
  byKind: Record<OpKind, Record<Outcome, number>>;
}

export function countOperations(ops: readonly Operation[]): HistoryCounts {
  const zero = (): Record<Outcome, number> => ({ ok: 0, fail: 0, unknown: 0 });
  const byKind: Record<OpKind, Record<Outcome, number>> = { register: zero(), deregister: zero(), read: zero() };
  for (const op of ops) byKind[op.kind][op.outcome]++;
  return { total: ops.length, byKind };
}

/** One line per operation for explanations and dumps: `#12 p3 read web-1 → t-3-17 [10.2, 14.9] ms ok`. */
export function describeOperation(op: Operation): string {
  const value = op.value === null ? "absent" : op.value;
  const what = op.kind === "register" ? `register ${op.key} := ${value}` : op.kind === "read" ? `read ${op.key} → ${value}` : `deregister ${op.key}`;
  const end = Number.isFinite(op.completedAt) ? op.completedAt.toFixed(1) : "∞";
  return `#${op.id} p${op.process} ${what} [${op.invokedAt.toFixed(1)}, ${end}] ms ${op.outcome}${op.error ? ` (${op.error})` : ""}`;
}

/** JSON cannot hold Infinity: unknown completions are written as null. */
export function historyToJson(ops: readonly Operation[]): string {
  return JSON.stringify(ops.map((op) => ({ ...op, completedAt: Number.isFinite(op.completedAt) ? op.completedAt : null })));
}

export function historyFromJson(text: string): Operation[] {
  const rows = JSON.parse(text) as (Omit<Operation, "completedAt"> & { completedAt: number | null })[];
  return rows.map((row) => ({ ...row, completedAt: row.completedAt ?? Infinity }));
}
