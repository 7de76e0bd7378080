// The Raft core's vocabulary. The core is a pure state machine in the etcd-io/raft mould: the
// caller feeds it ticks, messages and proposals, and drains Ready batches of work to do.

export type NodeId = string;

export type EntryType = "normal" | "config" | "noop";

export interface Entry {
  index: number;
  term: number;
  type: EntryType;
  /** normal: an application command; config: an encoded Membership; noop: empty. */
  data: Uint8Array;
}

/** What must be on disk before any message that depends on it is sent (Raft paper, Figure 2). */
export interface HardState {
  term: number;
  /** Candidate voted for in `term`, "" for none. */
  vote: NodeId;
  commit: number;
}

export interface Member {
  id: NodeId;
  address: string;
}

export interface Membership {
  voters: Member[];
}

export interface SnapshotMeta {
  /** Last log entry the snapshot covers, and its term. */
  index: number;
  term: number;
  /** Membership as of `index`. */
  membership: Membership;
}

/**
 * A snapshot's bytes kept elsewhere (on disk), read chunk by chunk when needed. A state machine's
 * snapshot can be gigabytes: neither the core nor the log may hold it in memory, so they keep
 * this handle, and whoever sends or restores the snapshot streams its chunks.
 */
export interface SnapshotSource {
  /** Total size in bytes. */
  readonly bytes: number;
  /**
   * The chunks in order, read afresh on each call. Fails if the bytes are no longer there (a
   * newer snapshot replaced them before the read began), or are damaged.
   */
  chunks(): AsyncIterable<Uint8Array>;
}

/**
 * A snapshot's bytes: chunks held in memory (small snapshots, tests, the simulation), or a source
 * to read them from. The core never reads them. Chunk boundaries carry no meaning; storage and
 * transport may split or join chunks.
 */
export type SnapshotData = readonly Uint8Array[] | SnapshotSource;

export interface Snapshot {
  meta: SnapshotMeta;
  data: SnapshotData;
}

export type Role = "follower" | "pre-candidate" | "candidate" | "leader";

interface Envelope {
  from: NodeId;
  to: NodeId;
  term: number;
}

/** Leader → follower: replicate entries (empty entries = heartbeat). */
export interface AppendMessage extends Envelope {
  type: "append";
  prevLogIndex: number;
  prevLogTerm: number;
  entries: Entry[];
  commit: number;
  /** Round number echoed by the response; ReadIndex waits for a quorum to echo a round. */
  seq: number;
}

export interface AppendResponseMessage extends Envelope {
  type: "appendResponse";
  success: boolean;
  /**
   * On success, the last index known to match the leader's log. On rejection, the prevLogIndex
   * that was rejected, so the leader can tell a stale rejection from a current one.
   */
  matchIndex: number;
  /** On rejection, a hint for fast back-off: first index of the conflicting term (§5.3). */
  conflictIndex: number;
  conflictTerm: number;
  lastLogIndex: number;
  seq: number;
}

export interface VoteMessage extends Envelope {
  type: "vote";
  lastLogIndex: number;
  lastLogTerm: number;
  /** Pre-vote (Raft dissertation §9.6): asks "would you vote for me?" without bumping terms. */
  preVote: boolean;
  /** Sent after TimeoutNow: overrides the leader-lease check (§3.10). */
  transfer: boolean;
}

export interface VoteResponseMessage extends Envelope {
  type: "voteResponse";
  granted: boolean;
  preVote: boolean;
}

/** Leader → follower: the whole snapshot (the transport streams it in chunks). */
export interface SnapshotMessage extends Envelope {
  type: "snapshot";
  snapshot: Snapshot;
}

export interface SnapshotResponseMessage extends Envelope {
  type: "snapshotResponse";
  success: boolean;
  /** Snapshot index the follower now has. */
  matchIndex: number;
}

/** Leader → transfer target: start an election now (leadership transfer, §3.10). */
export interface TimeoutNowMessage extends Envelope {
  type: "timeoutNow";
}

export type Message =
  | AppendMessage | AppendResponseMessage | VoteMessage | VoteResponseMessage
  | SnapshotMessage | SnapshotResponseMessage | TimeoutNowMessage;

/** A linearizable read may be served once the state machine has applied `index`. */
export interface ReadState {
  requestId: string;
  index: number;
}

export interface SoftState {
  leader: NodeId;
  role: Role;
}

/**
 * One batch of work. Duties, in this order:
 *   1. persist `snapshot`, `entries` (replacing any stored entries from entries[0].index on) and
 *      `hardState`, durably (fsync) when `mustSync`;
 *   2. send `messages`;
 *   3. restore the state machine from `snapshot`, then apply `committed` in order;
 *   4. hand `readStates` to their waiters once applied ≥ their index;
 *   5. call advance(ready).
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  entries: Entry[];
  snapshot?: Snapshot;
  committed: Entry[];
  messages: Message[];
  readStates: ReadState[];
  mustSync: boolean;
}

export type ProposeResult =
  | { ok: true; index: number; term: number }
  | {
    ok: false;
    /** invalid-membership-change: removing a server that is not a voter, or the last voter. */
    reason: "not-leader" | "transferring" | "membership-change-pending" | "not-a-member" | "invalid-membership-change";
    leader: NodeId;
  };

export type MembershipChange = { type: "add"; member: Member } | { type: "remove"; id: NodeId };

export interface PeerProgress {
  match: number;
  next: number;
  recentActive: boolean;
  /** Waiting for a snapshot to be installed. */
  snapshotting: boolean;
}

export interface RaftStatus {
  id: NodeId;
  role: Role;
  term: number;
  leader: NodeId;
  vote: NodeId;
  commit: number;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  membership: Membership;
  /** Leader only: replication progress per peer. */
  progress: Record<NodeId, PeerProgress>;
  transferTarget: NodeId;
}

/** Injected randomness (election timeouts); a seeded generator makes runs reproducible. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
}

export interface RaftLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Read access to the stable log, as the core needs it. Reads are synchronous: keep a cache. */
export interface LogStorage {
  initialState(): { hardState: HardState; membership: Membership };
  /** Index of the first entry still in the log (snapshot index + 1). */
  firstIndex(): number;
  lastIndex(): number;
  /** Term of an entry; the snapshot's term at snapshot index; undefined when compacted away or absent. */
  term(index: number): number | undefined;
  /** Entries in [lo, hi), at most `maxBytes` of data (always at least one). */
  entries(lo: number, hi: number, maxBytes?: number): Entry[];
  snapshot(): Snapshot | undefined;
}

export interface RaftOptions {
  id: NodeId;
  /** Ticks without a leader's word before an election; randomized in [electionTicks, 2·electionTicks). */
  electionTicks: number;
  heartbeatTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** Most entry bytes in one AppendEntries message (batching). */
  maxAppendBytes: number;
  /** Most AppendEntries in flight per follower before waiting for acks (pipelining). */
  maxInflightAppends: number;
  /** Last applied index at start (the restored snapshot's index, usually). */
  applied: number;
}

export interface RaftModules {
  storage: LogStorage;
  rng: Rng;
  logger?: RaftLogger;
}
