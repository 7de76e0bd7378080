// The sequential specification the history is checked against: one job id of the job table,
// absent or present with a value (the token in the job's meta).

import type { JobValue, Operation } from "./history.js";

/** A sequential object for the checker: what each operation does to a state, if it can happen at all. */
export interface Model<S> {
  readonly initial: S;
  /** The state after `op`, or undefined when `op` cannot happen in `state` (e.g. a read of another value). */
  step(state: S, op: Operation): S | undefined;
  /** Equal states have equal keys (the checker's cache compares states by key). */
  key(state: S): string;
  describe(state: S): string;
  /**
   * For operations whose result does not depend on the state (blind writes): a key equal for
   * operations with the same effect. Undefined for the others.
   */
  effect?(op: Operation): string | undefined;
  /** True for operations that never change the state (reads). */
  readOnly?(op: Operation): boolean;
  /**
   * Drops operations whose presence cannot change the verdict, before the search. Must keep
   * every ok operation; may drop unknown ones that no linearization needs.
   */
  prune?(ops: readonly Operation[]): Operation[];
}

const ABSENT_KEY = "\u0000absent";

/**
 * Per job id: register → present(token), deregister with purge → absent (whatever the state: a purge
 * of a job already gone is accepted), read → must return the current state and changes nothing.
 */
export const jobTableModel: Model<JobValue> = {
  initial: null,
  step(state, op) {
    switch (op.kind) {
      case "register":
        return op.value;
      case "deregister":
        return null;
      case "read":
        return op.value === state ? state : undefined;
    }
  },
  key: (state) => (state === null ? ABSENT_KEY : state),
  describe: (state) => (state === null ? "absent" : `present(${state})`),
  effect: (op) => (op.kind === "register" ? `register ${op.value ?? ""}` : op.kind === "deregister" ? "deregister" : undefined),
  readOnly: (op) => op.kind === "read",
  prune: pruneUnobservedRegisters,
};

/**
 * An unknown register whose token no successful read returned can be left out: wherever it would
 * take effect, the next operation in that order is a write (a read would have to return its
 * token), and a write's effect does not depend on the state before it; so removing it keeps any
 * valid order valid. This keeps timed-out writes from multiplying the search.
 */
export function pruneUnobservedRegisters(ops: readonly Operation[]): Operation[] {
  const observed = new Set<string>();
  for (const op of ops) if (op.kind === "read" && op.outcome === "ok" && op.value !== null) observed.add(op.value);
  return ops.filter((op) => !(op.kind === "register" && op.outcome === "unknown" && (op.value === null || !observed.has(op.value))));
}
