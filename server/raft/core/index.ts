// The Raft core's public surface: a pure state machine (RaftNode), an in-memory log store, and
// the encoding of membership config entries. See Ready in types.ts for the order of duties.
//
// What a node loop owes the core:
//  - tick() at a steady rate; step() every message from a peer (malformed ones are dropped here);
//  - for each ready(): persist snapshot, entries and hard state (fsync when mustSync), mirror them
//    into the LogStorage the core reads (MemoryStorage.applySnapshot, then append, then
//    setHardState), then send the messages, restore the state machine from the snapshot, apply
//    the committed entries, serve read states once applied, and call advance(ready) — and ask
//    hasReady() again: advance can produce more work (a leader commits its own entries then);
//  - after taking a snapshot at an applied index, pass it to compact() before (or after)
//    compacting the storage; the core sends it to followers whose next entry is gone;
//  - reportSnapshotFailure(peer) when the transport could not deliver a snapshot.

export type * from "./types.js";
export { RaftNode } from "./raft.js";
export { MemoryStorage, type MemoryStorageOptions } from "./memoryStorage.js";
export { LogArena } from "./logArena.js";
export { applyChange, decodeMembership, encodeMembership, isMembership, isVoter, quorum, tryDecodeMembership } from "./membership.js";
export { defaultRaftOptions, validateRaftOptions } from "./options.js";
export { RaftError } from "./errors.js";
export { isSnapshotSource, snapshotBytes, snapshotChunks } from "./snapshotData.js";
