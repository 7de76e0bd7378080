// Defaults and validation for RaftOptions.

import { RaftError } from "./errors.js";
import type { RaftOptions } from "./types.js";

/** etcd-like defaults: with a 100 ms tick, elections after 1–2 s and heartbeats every 100 ms. */
export const defaultRaftOptions: Omit<RaftOptions, "id"> = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  maxAppendBytes: 1024 * 1024,
  maxInflightAppends: 256,
  applied: 0,
};

/**
 * Most bytes of committed entries handed out in one Ready (more follow in the next one). The
 * state machine applies them in one go: a megabyte of allocations takes it about 100 ms.
 */
export const maxCommittedBytesPerReady = 1024 * 1024;

/** Election timeouts a leader waits for a snapshot to be acknowledged before it tries again. */
export const snapshotTimeoutElections = 3;

function positiveInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}

/** Throws a RaftError naming the first option that cannot work. */
export function validateRaftOptions(opts: RaftOptions): void {
  if (typeof opts.id !== "string" || opts.id === "") throw new RaftError("raft: id must be a non-empty string");
  if (!positiveInteger(opts.heartbeatTicks)) throw new RaftError(`raft: heartbeatTicks must be a positive integer, not ${opts.heartbeatTicks}`);
  if (!positiveInteger(opts.electionTicks) || opts.electionTicks <= opts.heartbeatTicks) {
    throw new RaftError(`raft: electionTicks (${opts.electionTicks}) must be an integer greater than heartbeatTicks (${opts.heartbeatTicks})`);
  }
  if (!Number.isSafeInteger(opts.maxAppendBytes) || opts.maxAppendBytes < 0) throw new RaftError(`raft: maxAppendBytes must be ≥ 0, not ${opts.maxAppendBytes}`);
  if (!positiveInteger(opts.maxInflightAppends)) throw new RaftError(`raft: maxInflightAppends must be a positive integer, not ${opts.maxInflightAppends}`);
  if (!Number.isSafeInteger(opts.applied) || opts.applied < 0) throw new RaftError(`raft: applied must be an index ≥ 0, not ${opts.applied}`);
}
