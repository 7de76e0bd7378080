// Drives the pure Raft core: ticks it on a timer, feeds it messages, and works off each Ready
// batch in the order the core requires — persist (one fsync'd LevelDB batch: group commit), send,
// apply, release reads, advance. Proposals resolve once their entry is applied.
//
// Snapshot bytes never stay in memory here: a snapshot is encoded straight to disk chunk by
// chunk, and the core and the in-memory log keep only its meta and a source that reads the
// chunks back from disk (to restore, or to send to a follower).

import { UserError } from "../../shared/errors.js";
import type { Logger } from "../../shared/log.js";
import {
  decodeMembership, encodeMembership, LogArena, MemoryStorage, RaftNode, snapshotBytes, snapshotChunks,
  type Entry, type HardState, type Membership, type MembershipChange, type Message, type NodeId, type RaftStatus, type Ready, type Snapshot,
} from "./core/index.js";
import type { RaftDiskStorage, SnapshotWriter } from "./storage.js";

/** The replicated state machine: the state store, as Raft sees it. */
export interface StateMachine {
  /** Applies a committed command; the result goes to whoever proposed it. */
  apply(index: number, data: Uint8Array): unknown;
  /** Counts an entry that holds no command (no-op, membership change) as applied. */
  skip(index: number): void;
  /**
   * The whole state as of the last applied index, for a snapshot, handed to `sink` chunk by
   * chunk; the next chunk is made only once the sink resolved (it stores each on disk), so the
   * snapshot is never in memory whole. The state is captured when called; encoding it may take
   * many event-loop turns, during which entries keep being applied. Rejects once `signal` is
   * aborted.
   */
  persist(signal: AbortSignal, sink: (chunk: Uint8Array) => Promise<void>): Promise<unknown>;
  /** Replaces the whole state with a snapshot's, read chunk by chunk. */
  restore(chunks: AsyncIterable<Uint8Array>): Promise<void>;
}

export interface RaftLoopOptions {
  id: NodeId;
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  maxAppendBytes: number;
  maxInflightAppends: number;
  /**
   * Take a snapshot and compact the log once this many entries were applied since the last one,
   * but no sooner than `snapshotIntervalMs` after it (as Nomad does). Past `snapshotMaxBytes` of
   * entries a snapshot comes regardless, to bound the log on disk and its replay after a restart.
   * Either way the log since the last snapshot must have grown to `snapshotLogRatio` times that
   * snapshot's size: a snapshot encodes and writes the whole state, so a large state is encoded
   * rarely, and all snapshots together cost at most that fraction of the log's bytes.
   */
  snapshotThreshold: number;
  snapshotIntervalMs: number;
  snapshotMaxBytes: number;
  snapshotLogRatio: number;
  /**
   * Entries held in memory past this many bytes are let go once applied (and, on a leader, held
   * by every follower): they stay on disk until a snapshot covers them. A follower that needs one
   * of them after all gets a snapshot, taken then.
   */
  memoryLogMaxBytes: number;
  /** Entries kept behind a snapshot so slightly lagging followers need no snapshot. */
  snapshotTrailingEntries: number;
  /** A proposal or read not done by then fails (its outcome unknown). */
  requestTimeoutMs: number;
}

export interface RaftLoopModules {
  disk: RaftDiskStorage;
  fsm: StateMachine;
  send(messages: Message[]): void;
  /** The set of servers changed: the transport should talk to these. */
  membershipChanged(membership: Membership): void;
  /** This server became leader (true) or stopped being leader (false). */
  leadershipChanged?(isLeader: boolean): void;
  logger: Logger;
}

/** This server cannot take the request because it does not lead; nothing was applied. */
export class NotLeaderError extends Error {
  override readonly name = "NotLeaderError";
  constructor(readonly leaderId: NodeId, reason = "not the leader") {
    super(leaderId ? `${reason}; the leader is ${leaderId}` : `${reason}; no leader is known right now`);
  }
}

/** No leader appeared in time; nothing was applied, so another server may be asked. */
export class NoLeaderError extends NotLeaderError {
  override readonly message = "no cluster leader: the servers have not elected one (is a majority of them running?)";
  constructor() {
    super("");
  }
}

/** A write or read that may or may not have taken effect: it timed out, or the server stopped. */
export class OutcomeUnknownError extends Error {
  override readonly name = "OutcomeUnknownError";
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

const rng = { next: () => Math.random() };

/** A disk write that takes this long is worth a warning (a fsync'd batch normally takes a millisecond). */
const SLOW_WRITE_MS = 1000;

/** Chunks of the in-memory log (core/logArena.ts): a plan of a thousand allocations fits a quarter of one many times over. */
const LOG_ARENA_CHUNK_BYTES = 16 << 20;

export class RaftLoop {
  private readonly node: RaftNode;
  private readonly memory: MemoryStorage;
  private ticker: NodeJS.Timeout | undefined;
  private draining = false;
  private kickScheduled = false;
  private stopped = false;
  private applied: number;
  private snapshotIndex: number;
  private bytesSinceSnapshot = 0;
  /** Size of the snapshot in force: the log must grow as large before the next one. */
  private lastSnapshotBytes = 0;
  private lastSnapshotAt = Date.now();
  /** The snapshot being encoded, at most one; aborted when overtaken or stopped. */
  private encoding: AbortController | undefined;
  /** The index of the snapshot being encoded or waiting to be recorded: the entries after it are kept in memory. */
  private encodingIndex = 0;
  /** An encoded snapshot waiting to be recorded by the drain loop, between two Readies. */
  private encoded: { snapshot: Snapshot; bytesBefore: number; writer: SnapshotWriter } | undefined;
  /** Membership as of the applied index: what a snapshot records. */
  private appliedMembership: Membership;
  /** The membership last handed to the transport (in force as soon as appended, §4.1). */
  private announcedPeers = "";
  private lastLeaderContact = Date.now();
  private lastTickAt = Date.now();
  private readonly proposals = new Map<number, { term: number } & Waiter<{ index: number; result: unknown }>>();
  private readonly reads = new Map<string, Waiter<number>>();
  private readonly readyReads: { index: number; requestId: string }[] = [];
  private nextReadId = 0;
  private lastLeader: NodeId = "";
  private leading = false;
  /** The term and vote on disk. */
  private persistedHard: HardState;

  private constructor(
    private readonly opts: RaftLoopOptions,
    private readonly modules: RaftLoopModules,
    memory: MemoryStorage,
    snapshot: Snapshot | undefined,
  ) {
    this.memory = memory;
    this.persistedHard = memory.hardState();
    this.applied = snapshot?.meta.index ?? 0;
    this.snapshotIndex = this.applied;
    this.lastSnapshotBytes = snapshot ? snapshotBytes(snapshot.data) : 0;
    this.appliedMembership = memory.initialState().membership;
    this.node = new RaftNode(
      {
        id: opts.id, electionTicks: opts.electionTicks, heartbeatTicks: opts.heartbeatTicks, preVote: true, checkQuorum: true,
        maxAppendBytes: opts.maxAppendBytes, maxInflightAppends: opts.maxInflightAppends, applied: this.applied,
      },
      { storage: memory, rng, logger: modules.logger },
    );
    this.announcePeers();
  }

  /** Loads the durable log into memory, restores the state machine from the snapshot, starts ticking. */
  static async start(opts: RaftLoopOptions, modules: RaftLoopModules): Promise<RaftLoop> {
    const stored = await modules.disk.load();
    if (stored.snapshot) await modules.fsm.restore(snapshotChunks(stored.snapshot.data));
    const memory = new MemoryStorage({ arena: new LogArena(opts.memoryLogMaxBytes + LOG_ARENA_CHUNK_BYTES, LOG_ARENA_CHUNK_BYTES) });
    if (stored.snapshot) memory.applySnapshot(stored.snapshot);
    memory.append(stored.entries);
    if (stored.hardState) memory.setHardState(stored.hardState);
    const loop = new RaftLoop(opts, modules, memory, stored.snapshot);
    loop.ticker = setInterval(() => loop.tick(), opts.tickMs);
    loop.kick();
    return loop;
  }

  /**
   * Writes the first configuration of a new cluster: the same entry on every founding server,
   * so they all start from one identical log (index 1, term 1).
   */
  static async bootstrap(disk: RaftDiskStorage, membership: Membership): Promise<void> {
    const entry: Entry = { index: 1, term: 1, type: "config", data: encodeMembership(membership) };
    await disk.persist({ entries: [entry], hardState: { term: 1, vote: "", commit: 1 } }, true);
  }

  private tick(): void {
    // A loop held up for half an election timeout is close to costing one: say so, with how long.
    const now = Date.now();
    const heldMs = now - this.lastTickAt - this.opts.tickMs;
    if (heldMs * 2 >= this.opts.electionTicks * this.opts.tickMs) {
      this.modules.logger.warn("the event loop was held up; an election timeout is not much longer", {
        ms: heldMs, electionTimeoutMs: this.opts.electionTicks * this.opts.tickMs,
      });
    }
    this.lastTickAt = now;
    this.node.tick();
    this.kick();
  }

  /** A message from a peer. */
  deliver(message: Message): void {
    if (this.stopped) return;
    if (message.type === "append" || message.type === "snapshot") this.lastLeaderContact = Date.now();
    this.node.step(message);
    this.kickSoon();
  }

  /**
   * Kicks once the current I/O callbacks are done: the proposals of one request and the
   * messages of one read from a peer then make one Ready — one disk write, one append a peer.
   */
  private kickSoon(): void {
    if (this.kickScheduled) return;
    this.kickScheduled = true;
    setImmediate(() => {
      this.kickScheduled = false;
      this.kick();
    });
  }

  /** Works off Ready batches until there are none; one batch at a time, never two at once. */
  private kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      // A Ready is being written (a fsync behind a busy disk can take seconds): a leader's
      // heartbeats and appends go out now rather than after it, or followers would call an
      // election against a leader that is only waiting for its disk.
      const appends = this.node.takeAppends();
      // A configuration entry among them is in force already (see handle()): the transport must
      // know a server it adds before the entry is sent to it.
      if (appends.some((m) => m.entries.some((e) => e.type === "config"))) this.announcePeers();
      if (appends.length > 0) this.modules.send(appends);
      return;
    }
    if (!this.hasWork()) return;
    this.draining = true;
    void this.drain().finally(() => {
      this.draining = false;
      if (this.hasWork()) setImmediate(() => this.kick());
    });
  }

  private hasWork(): boolean {
    return this.encoded !== undefined || this.node.hasReady();
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.hasWork()) {
      try {
        // Recorded here, between Readies, so its disk write never races a Ready's (an installed
        // snapshot must not be overwritten by an older local one).
        if (this.encoded) await this.recordSnapshot();
        if (this.node.hasReady()) await this.handle(this.node.ready());
      } catch (err) {
        // A failed fsync leaves us unable to promise durability: stop rather than acknowledge.
        this.modules.logger.error("raft storage failed; stopping", { error: err as Error });
        this.stop();
        throw err;
      }
      // A Ready whose entries were already on disk awaits nothing that lets other work in, and a
      // backlog of committed entries is many Readies: without this, applying it would hold the
      // event loop for seconds, and heartbeats waiting behind it would cost an election.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async handle(ready: Ready): Promise<void> {
    if (ready.softState) {
      this.noteLeader(ready.softState.leader);
      const leading = ready.softState.role === "leader";
      if (leading !== this.leading) {
        this.leading = leading;
        this.modules.leadershipChanged?.(leading);
      }
    }
    // A leader may send its entries while it writes them to its own disk (Raft dissertation
    // §10.2.1): its term and vote are already durable, and it counts its own copy only once
    // persisted. Everything else (votes, acknowledgements) waits for the disk.
    // A configuration is in force once appended: the transport must reach a new server now,
    // or the entry adding it could never commit without it.
    if (this.mayChangeMembership(ready)) this.announcePeers();
    const early = ready.messages.filter((m) => m.type === "append");
    const late = early.length === 0 ? ready.messages : ready.messages.filter((m) => m.type !== "append");
    if (early.length > 0) this.modules.send(early);
    // A hard state that differs only in its commit index is not written: the commit index is
    // volatile (Raft §5, Figure 2) and is learnt again from the leader after a restart. Writing
    // it with every batch would also put its key into every LevelDB table beside the entries, so
    // that no table of entries could move down a level without being rewritten.
    const hardState = ready.hardState && (ready.hardState.term !== this.persistedHard.term || ready.hardState.vote !== this.persistedHard.vote)
      ? ready.hardState
      : undefined;
    const persisting = ready.entries.length > 0 || ready.snapshot || hardState
      ? this.timedWrite(this.modules.disk.persist({
        entries: ready.entries,
        ...(hardState ? { hardState } : {}),
        ...(ready.snapshot ? { snapshot: ready.snapshot } : {}),
      }, ready.mustSync), ready.entries.length)
      : undefined;
    if (hardState) this.persistedHard = hardState;
    // Committed entries were persisted by earlier batches: apply them while this one is written.
    if (!ready.snapshot) this.applyCommitted(ready);
    const stored = await persisting;
    // From here on the installed snapshot is read from disk: bytes that came in memory are let go.
    const installed = ready.snapshot && stored ? { meta: ready.snapshot.meta, data: stored } : ready.snapshot;
    if (installed) this.memory.applySnapshot(installed);
    this.memory.append(ready.entries);
    if (ready.hardState) this.memory.setHardState(ready.hardState);
    if (late.length > 0) this.modules.send(late);
    if (installed) {
      // A local snapshot still being encoded is older than this one: drop it.
      this.encoding?.abort(new Error("overtaken by an installed snapshot"));
      this.dropEncoded();
      await this.modules.fsm.restore(snapshotChunks(installed.data));
      this.applied = installed.meta.index;
      this.snapshotIndex = this.applied;
      this.bytesSinceSnapshot = 0;
      this.lastSnapshotBytes = snapshotBytes(installed.data);
      this.lastSnapshotAt = Date.now();
      this.appliedMembership = installed.meta.membership;
      this.applyCommitted(ready);
    }
    this.node.advance(ready);
    if (this.snapshotDue()) this.startSnapshot();
    if (this.memory.bytes() > this.opts.memoryLogMaxBytes) this.releaseLog();
  }

  private snapshotDue(): boolean {
    if (this.node.needsSnapshot()) return true;
    if (this.bytesSinceSnapshot < this.opts.snapshotLogRatio * this.lastSnapshotBytes) return false;
    if (this.bytesSinceSnapshot >= this.opts.snapshotMaxBytes) return true;
    return this.applied - this.snapshotIndex >= this.opts.snapshotThreshold && Date.now() - this.lastSnapshotAt >= this.opts.snapshotIntervalMs;
  }

  /**
   * Lets go of the oldest entries held in memory, down to half the bound: only applied ones and,
   * on a leader, none that a follower still lacks, nor any after a snapshot being made or sent
   * (the follower goes on from there). A follower that paused for a few seconds then catches up
   * from memory: a snapshot of a large state costs every server far more. Past twice the bound a
   * follower is not waited for (it may be down): it gets a snapshot instead.
   */
  private releaseLog(): void {
    const max = this.opts.memoryLogMaxBytes;
    let upTo = this.applied;
    if (this.encoding || this.encoded) upTo = Math.min(upTo, this.encodingIndex);
    const { role, progress } = this.node.status();
    if (role === "leader" && this.memory.bytes() <= 2 * max) {
      for (const id in progress) {
        const peer = progress[id];
        if (id === this.opts.id || !peer) continue;
        upTo = Math.min(upTo, peer.snapshotting ? this.snapshotIndex : peer.match);
      }
    }
    this.memory.release(upTo, max / 2);
  }

  /** The write, with a warning when it took long (a busy disk: LevelDB compacting, other writers). */
  private async timedWrite<T>(write: Promise<T>, entries: number): Promise<T> {
    const started = Date.now();
    const result = await write;
    const ms = Date.now() - started;
    if (ms >= SLOW_WRITE_MS) this.modules.logger.warn("a write to the Raft log took long", { ms, entries });
    return result;
  }

  private applyCommitted(ready: Ready): void {
    for (const entry of ready.committed) this.applyEntry(entry);
    this.readyReads.push(...ready.readStates);
    this.releaseReads();
  }

  private applyEntry(entry: Entry): void {
    if (entry.index <= this.applied) return;
    let result: unknown;
    if (entry.type === "normal") {
      try {
        result = this.modules.fsm.apply(entry.index, entry.data);
      } catch (err) {
        // A command the state machine cannot apply is a bug or garbage; every server skips it alike.
        this.modules.logger.error("could not apply a log entry", { index: entry.index, error: err as Error });
        result = err;
      }
    } else {
      if (entry.type === "config") this.appliedMembership = decodeMembership(entry.data);
      this.modules.fsm.skip(entry.index);
    }
    this.applied = entry.index;
    this.bytesSinceSnapshot += entry.data.length;
    const waiter = this.proposals.get(entry.index);
    if (!waiter) return;
    this.proposals.delete(entry.index);
    clearTimeout(waiter.timer);
    if (waiter.term !== entry.term) waiter.reject(new NotLeaderError(this.node.status().leader, "leadership changed before the write committed; it was not applied"));
    else if (result instanceof Error) waiter.reject(result);
    else waiter.resolve({ index: entry.index, result });
  }

  /** Only a snapshot, a config entry, or a truncated suffix (which may drop one) changes it. */
  private mayChangeMembership(ready: Ready): boolean {
    const first = ready.entries[0];
    return ready.snapshot !== undefined || (first !== undefined && first.index <= this.memory.lastIndex()) ||
      ready.entries.some((e) => e.type === "config");
  }

  private announcePeers(): void {
    const { membership } = this.node.status();
    const key = membership.voters.map((v) => `${v.id}@${v.address}`).join(",");
    if (key === this.announcedPeers) return;
    this.announcedPeers = key;
    this.modules.membershipChanged(membership);
  }

  /**
   * Starts encoding a snapshot of the state at the applied index, in the background: the loop
   * goes on replicating and applying meanwhile. The log is compacted only once the encoding is
   * complete (recordSnapshot). At most one is encoded at a time.
   */
  private startSnapshot(): void {
    if (this.encoding || this.encoded || this.stopped) return;
    const index = this.applied;
    const term = this.memory.term(index);
    if (term === undefined) return;
    const meta = { index, term, membership: this.appliedMembership };
    const bytesBefore = this.bytesSinceSnapshot;
    const started = Date.now();
    const controller = new AbortController();
    this.encoding = controller;
    this.encodingIndex = index;
    // Each chunk is stored as soon as it is made, under a generation nothing refers to until
    // recordSnapshot switches to it: a crash meanwhile leaves the previous snapshot in force.
    const writer = this.modules.disk.snapshotWriter();
    let persisting: Promise<unknown>;
    try {
      persisting = this.modules.fsm.persist(controller.signal, (chunk) => writer.write(chunk));
    } catch (err) {
      persisting = Promise.reject(err as Error);
    }
    persisting.then(() => {
      if (controller.signal.aborted || this.stopped) {
        this.discard(writer);
        return;
      }
      const data = writer.finish(index);
      this.encoded = { snapshot: { meta, data }, bytesBefore, writer };
      this.modules.logger.info("encoded a snapshot", { index, bytes: data.bytes, ms: Date.now() - started });
      this.kick();
    }, (err: unknown) => {
      this.discard(writer);
      if (controller.signal.aborted) return;
      // Nothing is lost: the log is kept, and the next due check tries again.
      this.modules.logger.error("could not encode a snapshot", { index, error: err as Error });
      this.lastSnapshotAt = Date.now();
    }).finally(() => {
      if (this.encoding === controller) this.encoding = undefined;
    });
  }

  /** Deletes the chunks of a snapshot that will not be used (in the background). */
  private discard(writer: SnapshotWriter): void {
    writer.abort().catch((err: unknown) => {
      // After a stop the disk may be closed: the next load deletes the chunks instead.
      if (!this.stopped) this.modules.logger.warn("could not delete an unused snapshot", { error: err as Error });
    });
  }

  private dropEncoded(): void {
    if (this.encoded) this.discard(this.encoded.writer);
    this.encoded = undefined;
  }

  /**
   * Switches the stored snapshot to the encoded one (its chunks are on disk already: this is one
   * small batch) and compacts the log up to it, unless a newer one got there first.
   */
  private async recordSnapshot(): Promise<void> {
    const encoded = this.encoded;
    this.encoded = undefined;
    if (!encoded) return;
    const { snapshot, bytesBefore } = encoded;
    const { index, term } = snapshot.meta;
    // An applied entry let go of (below the first held) is committed: its term cannot have changed.
    const heldTerm = this.memory.term(index);
    const released = heldTerm === undefined && index < this.memory.firstIndex();
    if (index <= this.snapshotIndex || (heldTerm !== term && !released)) {
      this.modules.logger.debug("dropped a snapshot that a newer one overtook", { index, snapshotIndex: this.snapshotIndex });
      this.discard(encoded.writer);
      return;
    }
    await this.modules.disk.compact(snapshot);
    this.node.compact(snapshot);
    this.memory.compact(index - this.opts.snapshotTrailingEntries, snapshot);
    this.snapshotIndex = index;
    this.lastSnapshotBytes = snapshotBytes(snapshot.data);
    // Entries applied while it was encoded are not in it: they count towards the next one.
    this.bytesSinceSnapshot = Math.max(0, this.bytesSinceSnapshot - bytesBefore);
    this.lastSnapshotAt = Date.now();
    this.modules.logger.debug("took a snapshot", { index, bytes: snapshotBytes(snapshot.data) });
  }

  private releaseReads(): void {
    for (let i = this.readyReads.length - 1; i >= 0; i--) {
      const read = this.readyReads[i] as { index: number; requestId: string };
      if (read.index > this.applied) continue;
      this.readyReads.splice(i, 1);
      const waiter = this.reads.get(read.requestId);
      if (!waiter) continue;
      this.reads.delete(read.requestId);
      clearTimeout(waiter.timer);
      waiter.resolve(read.index);
    }
  }

  /** A new leader counts as contact: "last contact" measures silence since it was known. */
  private noteLeader(leader: NodeId): void {
    if (leader === this.lastLeader) return;
    this.lastLeader = leader;
    if (leader !== "") this.lastLeaderContact = Date.now();
  }

  private waiter<T>(what: string, onTimeout: () => void, resolve: (v: T) => void, reject: (e: Error) => void): Waiter<T> {
    const timer = setTimeout(() => {
      onTimeout();
      reject(new OutcomeUnknownError(`${what} timed out after ${this.opts.requestTimeoutMs} ms; its outcome is unknown`));
    }, this.opts.requestTimeoutMs);
    return { resolve, reject, timer };
  }

  /** Replicates and applies a command; resolves with the state machine's result. */
  propose(data: Uint8Array): Promise<{ index: number; result: unknown }> {
    const proposed = this.node.propose(data);
    if (!proposed.ok) return Promise.reject(new NotLeaderError(proposed.leader, proposed.reason === "transferring" ? "leadership is being transferred" : "not the leader"));
    return this.awaitApplied(proposed.index, proposed.term, "write");
  }

  /** Registers the waiter for an appended entry, then lets the loop run (which may apply it at once). */
  private awaitApplied(index: number, term: number, what: string): Promise<{ index: number; result: unknown }> {
    const applied = new Promise<{ index: number; result: unknown }>((resolve, reject) => {
      const w = this.waiter(what, () => this.proposals.delete(index), resolve, reject);
      this.proposals.set(index, { ...w, term });
    });
    this.kickSoon();
    return applied;
  }

  /** Resolves once a linearizable read may be served from the local state (Raft §6.4). */
  readBarrier(): Promise<number> {
    const requestId = `r${this.nextReadId++}`;
    if (!this.node.readIndex(requestId)) return Promise.reject(new NotLeaderError(this.node.status().leader));
    const read = new Promise<number>((resolve, reject) => {
      this.reads.set(requestId, this.waiter("read", () => this.reads.delete(requestId), resolve, reject));
    });
    this.kickSoon();
    return read;
  }

  changeMembership(change: MembershipChange): Promise<{ index: number; result: unknown }> {
    const proposed = this.node.proposeMembership(change);
    if (!proposed.ok) {
      if (proposed.reason === "membership-change-pending") return Promise.reject(new UserError("another membership change is still in progress; try again shortly"));
      if (proposed.reason === "invalid-membership-change") return Promise.reject(new UserError("that change would leave the cluster without a valid configuration (unknown server, or the last voter)"));
      return Promise.reject(new NotLeaderError(proposed.leader));
    }
    return this.awaitApplied(proposed.index, proposed.term, "membership change");
  }

  transferLeadership(to: NodeId): void {
    this.node.transferLeadership(to);
    this.kick();
  }

  snapshotFailed(peer: NodeId): void {
    this.node.reportSnapshotFailure(peer);
    this.kick();
  }

  /** The leader as of the last Ready, "" while none is known: cheap, unlike status(). */
  leaderId(): NodeId {
    return this.lastLeader;
  }

  status(): RaftStatus & { applied: number; lastContactMs: number; lastSnapshotIndex: number; logBytesInMemory: number } {
    const status = this.node.status();
    const lastContactMs = status.role === "leader" ? 0 : Date.now() - this.lastLeaderContact;
    return { ...status, applied: this.applied, lastContactMs, lastSnapshotIndex: this.snapshotIndex, logBytesInMemory: this.memory.bytes() };
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.ticker);
    this.encoding?.abort(new Error("the server is shutting down"));
    // Not deleted: the disk may be closing. Unused chunks are deleted when the log is next loaded.
    this.encoded = undefined;
    const stopped = new OutcomeUnknownError("the server is shutting down; the outcome of requests in progress is unknown");
    for (const waiter of [...this.proposals.values(), ...this.reads.values()]) {
      clearTimeout(waiter.timer);
      waiter.reject(stopped);
    }
    this.proposals.clear();
    this.reads.clear();
  }
}
