// The state store's public surface: the FSM the Raft log is applied to, its snapshots, blocking
// queries and event stream, and the commands that change it.

export { DEFAULT_SNAPSHOT_SLICE_MS, StateStore, type BlockingResult, type PersistOptions } from "./store.js";
export { defaultStateStoreOptions, type StateStoreModules, type StateStoreOptions } from "./options.js";
export { EventBroker, type EventSubscription, type SubscribeRequest } from "./events.js";
export {
  CommandDecodeError, EventIndexTooOldError, IndexWaitTimeoutError, StateRestoreError, SubscriptionClosedError,
  type SubscriptionCloseReason,
} from "./errors.js";
export { StateSnapshot, DEFAULT_VARIABLE_NAMESPACE, type PrefixOptions } from "./fsm/snapshot.js";
export { COMMAND_TYPES, checkCommand, decodeCommand, encodeCommand } from "./fsm/codec.js";
export { DEFAULT_SNAPSHOT_CHUNK_BYTES, SNAPSHOT_FORMAT_VERSION, StateEncoder, type StateChunks } from "./fsm/persist.js";
export { JOB_TRACKED_VERSIONS } from "./fsm/txn.js";
export {
  deriveJobStatus, isAllocClientTerminal, isAllocFullyStopped, isAllocServerTerminal, isAllocTerminal, isEvalTerminal,
} from "./fsm/status.js";
export { jobSpecEqual } from "./fsm/equal.js";
export { PackedAllocMetric } from "./fsm/packed-metric.js";
export * from "./fsm/types.js";
