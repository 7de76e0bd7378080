// Errors of the state store. Failed writes (CAS conflicts, missing rows) are results, not errors;
// these are for bytes that are not what they claim to be and for event subscribers.

/** A Raft log entry that does not hold a state command. */
export class CommandDecodeError extends Error {
  override readonly name = "CommandDecodeError";
}

/** Bytes that are not a state snapshot this version can read. */
export class StateRestoreError extends Error {
  override readonly name = "StateRestoreError";
}

/**
 * The events after the requested index are no longer buffered: the subscriber missed some and
 * must read the current state again, then subscribe from its index.
 */
export class EventIndexTooOldError extends Error {
  override readonly name = "EventIndexTooOldError";
  constructor(readonly requestedIndex: number, readonly oldestAvailableIndex: number) {
    super(`events after index ${requestedIndex} are no longer buffered (the oldest kept follow index ${oldestAvailableIndex}); re-read the state and subscribe again`);
  }
}

export type SubscriptionCloseReason =
  /** The subscriber fell too far behind the live stream. */
  | "too-slow"
  /** The state was replaced by a Raft snapshot; the stream has a gap. */
  | "reset"
  /** The store was closed. */
  | "closed";

/** The server ended a subscription; the subscriber should re-read the state and subscribe again. */
export class SubscriptionClosedError extends Error {
  override readonly name = "SubscriptionClosedError";
  constructor(readonly reason: SubscriptionCloseReason, message: string) {
    super(message);
  }
}

/** The store did not reach a Raft index in time. */
export class IndexWaitTimeoutError extends Error {
  override readonly name = "IndexWaitTimeoutError";
  constructor(readonly wantedIndex: number, readonly latestIndex: number, timeoutMs: number) {
    super(`the state did not reach index ${wantedIndex} within ${timeoutMs} ms (it is at ${latestIndex})`);
  }
}
