// An in-memory LogStorage: the node loop's mirror of the durable log, and the simulation's disk.
// Entries live in one array indexed by offset; element 0 is a placeholder that carries the
// snapshot's index and term, so term(snapshotIndex) needs no special case.

import { RaftError } from "./errors.js";
import type { LogArena } from "./logArena.js";
import { cloneMembership } from "./membership.js";
import type { Entry, HardState, LogStorage, Membership, Snapshot } from "./types.js";

const empty = new Uint8Array(0);

export interface MemoryStorageOptions {
  /** Membership before any snapshot or config entry (the bootstrap configuration). */
  membership?: Membership;
  hardState?: HardState;
  /**
   * Where appended entries' data is copied to be held (see logArena.ts); without one, entries
   * are held as given. With one, data read from the log is valid only until it is compacted
   * away: whoever keeps it longer (a message waiting to be sent) keeps a copy.
   */
  arena?: LogArena;
}

export class MemoryStorage implements LogStorage {
  private hard: HardState;
  private snap: Snapshot | undefined;
  private readonly bootstrap: Membership;
  /** ents[0] is the placeholder at the snapshot index; ents[i] has index ents[0].index + i. */
  private ents: Entry[];
  /** Bytes of entry data held. */
  private held = 0;
  private readonly arena: LogArena | undefined;

  constructor(opts: MemoryStorageOptions = {}) {
    this.arena = opts.arena;
    this.bootstrap = cloneMembership(opts.membership ?? { voters: [] });
    this.hard = opts.hardState ? { ...opts.hardState } : { term: 0, vote: "", commit: 0 };
    this.ents = [{ index: 0, term: 0, type: "noop", data: empty }];
  }

  private get offset(): number {
    return (this.ents[0] as Entry).index;
  }

  initialState(): { hardState: HardState; membership: Membership } {
    return { hardState: { ...this.hard }, membership: cloneMembership(this.snap?.meta.membership ?? this.bootstrap) };
  }

  hardState(): HardState {
    return { ...this.hard };
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.ents.length - 1;
  }

  term(index: number): number | undefined {
    const at = index - this.offset;
    if (!Number.isInteger(at) || at < 0 || at >= this.ents.length) return undefined;
    return this.ents[at]?.term;
  }

  entries(lo: number, hi: number, maxBytes = Number.POSITIVE_INFINITY): Entry[] {
    if (lo < this.firstIndex() || hi > this.lastIndex() + 1) {
      throw new RaftError(`raft storage: entries [${lo}, ${hi}) are outside the log [${this.firstIndex()}, ${this.lastIndex() + 1})`);
    }
    if (lo >= hi) return [];
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo - this.offset; i < hi - this.offset; i++) {
      const entry = this.ents[i] as Entry;
      bytes += entry.data.length;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  snapshot(): Snapshot | undefined {
    return this.snap;
  }

  /** Bytes of entry data held in memory. */
  bytes(): number {
    return this.held;
  }

  /** Appends entries, replacing any stored entries from entries[0].index on (§5.3). */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (!first) return;
    if (first.index > this.lastIndex() + 1) {
      throw new RaftError(`raft storage: entry ${first.index} would leave a gap after ${this.lastIndex()}`);
    }
    // Entries the snapshot already covers are dropped.
    const skip = Math.max(0, this.firstIndex() - first.index);
    if (skip >= entries.length) return;
    const keep = first.index + skip - this.offset;
    for (let i = keep; i < this.ents.length; i++) this.held -= (this.ents[i] as Entry).data.length;
    this.ents.length = keep;
    for (let i = skip; i < entries.length; i++) {
      const entry = entries[i] as Entry;
      this.ents.push(this.arena === undefined ? entry : { ...entry, data: this.arena.copy(entry.index, entry.data) });
      this.held += entry.data.length;
    }
  }

  setHardState(hardState: HardState): void {
    this.hard = { ...hardState };
  }

  /** Replaces the whole log with a snapshot; false (and no change) when it is not newer. */
  applySnapshot(snapshot: Snapshot): boolean {
    if (this.snap && snapshot.meta.index <= this.snap.meta.index) return false;
    // Entries taken out before may not have been applied yet (the same Ready): their data stays.
    // A log holding none (a server starting from its snapshot) keeps its chunks.
    if (this.ents.length > 1) this.arena?.reset();
    this.snap = snapshot;
    this.ents = [{ index: snapshot.meta.index, term: snapshot.meta.term, type: "noop", data: empty }];
    this.held = 0;
    return true;
  }

  /**
   * Drops the oldest entries, up to `maxIndex` at most, until no more than `targetBytes` of entry
   * data are held. No snapshot covers them: whoever calls this still has them elsewhere (on disk).
   */
  release(maxIndex: number, targetBytes: number): void {
    let held = this.held;
    let index = this.offset;
    const last = Math.min(maxIndex, this.lastIndex());
    while (held > targetBytes && index < last) {
      index += 1;
      held -= (this.ents[index - this.offset] as Entry).data.length;
    }
    this.compact(index);
  }

  /**
   * Drops the entries up to and including `index` (no-op when already compacted that far). Pass the
   * snapshot that covers them to have snapshot() return it; the core also keeps the one given
   * to RaftNode.compact().
   */
  compact(index: number, snapshot?: Snapshot): void {
    if (snapshot && (!this.snap || snapshot.meta.index > this.snap.meta.index)) this.snap = snapshot;
    if (index <= this.offset) return;
    if (index > this.lastIndex()) {
      throw new RaftError(`raft storage: cannot compact to ${index}, the log ends at ${this.lastIndex()}`);
    }
    const at = index - this.offset;
    for (let i = 1; i <= at; i++) this.held -= (this.ents[i] as Entry).data.length;
    const kept = this.ents.slice(at);
    const head = kept[0] as Entry;
    kept[0] = { index: head.index, term: head.term, type: "noop", data: empty };
    this.ents = kept;
    this.arena?.releaseThrough(index);
  }
}
