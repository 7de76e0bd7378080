// The Raft core's public surface: a pure state machine (RaftNode), an in-memory log store, and
// the encoding of membership config entries. See types.ts for the Ready/advance contract.

export type * from "./types.js";
export { RaftNode } from "./raft.js";
export { MemoryStorage, type MemoryStorageOptions } from "./memoryStorage.js";
export { applyChange, decodeMembership, encodeMembership, isMembership, isVoter, quorum, tryDecodeMembership } from "./membership.js";
export { defaultRaftOptions, validateRaftOptions } from "./options.js";
export { RaftError } from "./errors.js";
