// The Raft log as the core sees it: the stable part in LogStorage (what the node loop has
// persisted) followed by an unstable tail (entries, or a snapshot, not yet persisted). The
// unstable tail shadows the storage from `offset` on, so a suffix truncated by a new leader is
// invisible here before the node loop has overwritten it on disk.

import type { Entry, LogStorage, Snapshot } from "./types.js";

export class RaftLog {
  /** Highest index known to be committed. */
  committed: number;
  /** Highest index the application has applied (acknowledged through advance). */
  applied: number;
  /** Highest index handed out for applying (committed entries or a snapshot in a Ready). */
  private applying: number;

  /** Index of unstable[0]; everything below it is in storage. */
  private offset: number;
  private unstable: Entry[] = [];
  /** Unstable entries up to this index have been handed out in a Ready. */
  private inProgress: number;
  /** A snapshot received from the leader, not yet persisted; it replaces the whole log. */
  private pendingSnapshot: Snapshot | undefined;
  private snapshotHandedOut = false;

  constructor(private readonly storage: LogStorage, committed: number, applied: number) {
    this.offset = storage.lastIndex() + 1;
    this.inProgress = this.offset - 1;
    this.committed = committed;
    this.applied = applied;
    this.applying = applied;
  }

  firstIndex(): number {
    return this.pendingSnapshot ? this.pendingSnapshot.meta.index + 1 : this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.offset + this.unstable.length - 1;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** Term of the entry at `index`; the snapshot's term at its index; undefined when unknown. */
  term(index: number): number | undefined {
    if (index === 0) return 0;
    if (index >= this.offset) return this.unstable[index - this.offset]?.term;
    if (this.pendingSnapshot) return index === this.pendingSnapshot.meta.index ? this.pendingSnapshot.meta.term : undefined;
    return this.storage.term(index);
  }

  /** Whether a log ending at (lastIndex, lastTerm) is at least as up to date as this one (§5.4.1). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Highest index that is on disk (the leader counts itself only that far, §10.2.1). */
  persistedIndex(): number {
    return this.pendingSnapshot ? 0 : this.offset - 1;
  }

  /** Entries in [lo, hi), at most maxBytes of data but always at least one. lo ≥ firstIndex. */
  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo >= hi) return [];
    let out: Entry[] = [];
    let bytes = 0;
    if (lo < this.offset) {
      const stableHi = Math.min(hi, this.offset);
      out = this.storage.entries(lo, stableHi, maxBytes);
      if (out.length < stableHi - lo) return out;
      for (const e of out) bytes += e.data.length;
    }
    for (let i = Math.max(lo, this.offset); i < hi; i++) {
      const entry = this.unstable[i - this.offset];
      if (!entry) break;
      bytes += entry.data.length;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  /** Leader: appends a new entry at lastIndex + 1. */
  appendNew(entry: Entry): void {
    this.unstable.push(entry);
  }

  /**
   * Index of the first entry whose term differs from (or is missing in) this log, or 0 when all
   * are present. Entries must be contiguous. When the last entry matches, all do (log matching).
   */
  findConflict(entries: readonly Entry[]): number {
    const last = entries[entries.length - 1];
    if (!last || this.term(last.index) === last.term) return 0;
    for (const entry of entries) {
      if (this.term(entry.index) !== entry.term) return entry.index;
    }
    return 0;
  }

  /**
   * Writes `entries` at entries[0].index, replacing whatever follows (§5.3). The caller has
   * checked that entries[0].index is above the commit index and at most lastIndex + 1.
   */
  truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0];
    if (!first) return;
    const at = first.index;
    if (at === this.offset + this.unstable.length) {
      for (const e of entries) this.unstable.push(e);
      return;
    }
    if (at > this.offset) {
      this.unstable.length = at - this.offset;
      for (const e of entries) this.unstable.push(e);
    } else {
      this.offset = at;
      this.unstable = entries.slice();
    }
    this.inProgress = Math.min(this.inProgress, at - 1);
  }

  /** Smallest index in [lo, hi] holding `term`, given term(hi) === term (terms never decrease). */
  firstIndexOfTerm(term: number, lo: number, hi: number): number {
    let a = lo;
    let b = hi;
    while (a < b) {
      const mid = Math.floor((a + b) / 2);
      const t = this.term(mid);
      if (t !== undefined && t >= term) b = mid;
      else a = mid + 1;
    }
    return a;
  }

  /** Largest index ≤ hi whose term is ≤ `term`, or -1 when none is known. */
  lastIndexWithTermAtMost(term: number, hi: number): number {
    let a = this.firstIndex() - 1;
    let b = Math.min(hi, this.lastIndex());
    const lowTerm = this.term(a);
    if (lowTerm === undefined || lowTerm > term) return -1;
    while (a < b) {
      const mid = Math.ceil((a + b) / 2);
      const t = this.term(mid);
      if (t !== undefined && t <= term) a = mid;
      else b = mid - 1;
    }
    return a;
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    this.committed = Math.min(index, this.lastIndex());
    return true;
  }

  /** Replaces the log with a snapshot from the leader; it is persisted through the next Ready. */
  restore(snapshot: Snapshot): void {
    const index = snapshot.meta.index;
    this.pendingSnapshot = snapshot;
    this.snapshotHandedOut = false;
    this.offset = index + 1;
    this.unstable = [];
    this.inProgress = index;
    this.committed = index;
  }

  // ---- Ready hand-out ----

  hasUnhandedEntries(): boolean {
    return this.inProgress < this.lastIndex();
  }

  takeUnhandedEntries(): Entry[] {
    if (!this.hasUnhandedEntries()) return [];
    const out = this.unstable.slice(this.inProgress + 1 - this.offset);
    this.inProgress = this.lastIndex();
    return out;
  }

  hasUnhandedSnapshot(): boolean {
    return this.pendingSnapshot !== undefined && !this.snapshotHandedOut;
  }

  takeUnhandedSnapshot(): Snapshot | undefined {
    if (!this.pendingSnapshot || this.snapshotHandedOut) return undefined;
    this.snapshotHandedOut = true;
    this.applying = Math.max(this.applying, this.pendingSnapshot.meta.index);
    return this.pendingSnapshot;
  }

  /** Committed entries may be applied only once they are on disk here. */
  private applicableUpTo(): number {
    return this.pendingSnapshot ? 0 : Math.min(this.committed, this.offset - 1);
  }

  hasCommittedToApply(): boolean {
    // Entries compacted before they were applied cannot be handed out (see applyGap).
    return this.applicableUpTo() > this.applying && this.applying + 1 >= this.storage.firstIndex();
  }

  /** Committed, persisted entries not yet handed out, at most maxBytes (at least one). */
  takeCommitted(maxBytes: number): Entry[] {
    const hi = this.applicableUpTo();
    const lo = this.applying + 1;
    if (hi < lo) return [];
    const from = Math.max(lo, this.storage.firstIndex());
    if (from !== lo) return []; // compacted past what was applied: the caller broke the contract
    const out = this.storage.entries(lo, hi + 1, maxBytes);
    const last = out[out.length - 1];
    if (last) this.applying = last.index;
    return out;
  }

  // ---- advance ----

  /** Entries of a Ready are on disk: drop them from the unstable tail (those still current). */
  stableTo(entries: readonly Entry[]): void {
    for (let k = entries.length - 1; k >= 0; k--) {
      const entry = entries[k] as Entry;
      if (entry.index < this.offset) return;
      if (entry.index <= this.inProgress && this.term(entry.index) === entry.term) {
        this.unstable = this.unstable.slice(entry.index + 1 - this.offset);
        this.offset = entry.index + 1;
        return;
      }
    }
  }

  stableSnapTo(index: number): void {
    if (this.pendingSnapshot?.meta.index === index && this.snapshotHandedOut) {
      this.pendingSnapshot = undefined;
      this.snapshotHandedOut = false;
    }
  }

  appliedTo(index: number): void {
    if (index > this.applied) this.applied = index;
    if (index > this.applying) this.applying = index;
  }

  /** The unpersisted snapshot, if any (it may be the newest one to send to a follower). */
  unstableSnapshot(): Snapshot | undefined {
    return this.pendingSnapshot;
  }

  /** The committed-entries stall that takeCommitted reports by returning nothing. */
  applyGap(): { applying: number; firstIndex: number } | undefined {
    const hi = this.applicableUpTo();
    if (hi <= this.applying || this.applying + 1 >= this.storage.firstIndex()) return undefined;
    return { applying: this.applying, firstIndex: this.storage.firstIndex() };
  }
}
