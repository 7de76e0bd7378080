// The leader's view of one follower's log (etcd's Progress). States:
//   probe     — the match point is unknown: one append at a time, back off on rejection (§5.3);
//   replicate — the follower is in sync: stream appends optimistically, up to a window in flight;
//   snapshot  — the entries it needs are compacted: wait for the snapshot to be installed.

export type ProgressState = "probe" | "replicate" | "snapshot";

/** A ring of the last indexes of un-acknowledged appends (the pipelining window). */
export class Inflights {
  private readonly buffer: number[];
  private start = 0;
  count = 0;

  constructor(readonly size: number) {
    this.buffer = new Array<number>(size).fill(0);
  }

  full(): boolean {
    return this.count >= this.size;
  }

  add(lastIndex: number): void {
    this.buffer[(this.start + this.count) % this.size] = lastIndex;
    this.count++;
  }

  /** Acknowledges every append whose last index is ≤ index. */
  freeTo(index: number): void {
    while (this.count > 0 && (this.buffer[this.start] as number) <= index) {
      this.start = (this.start + 1) % this.size;
      this.count--;
    }
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = "probe";
  /** Probe state: an append is out and we wait for its answer before sending another. */
  probeSent = false;
  /** Snapshot state: index of the snapshot sent, and ticks spent waiting for it. */
  pendingSnapshot = 0;
  snapshotTicks = 0;
  /** Heard from in the current check-quorum period. */
  recentActive = false;
  /** Highest heartbeat round (seq) this follower has answered; ReadIndex counts these. */
  ackedSeq = 0;
  /** match when the last heartbeat went out (no progress across heartbeats suggests loss). */
  matchAtHeartbeat = 0;
  /** Highest commit index this follower has been told about (so idle followers learn commits). */
  sentCommit = 0;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  becomeProbe(next: number): void {
    this.state = "probe";
    this.next = Math.max(this.match + 1, next);
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.state = "replicate";
    this.next = this.match + 1;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  becomeSnapshot(index: number): void {
    this.state = "snapshot";
    this.pendingSnapshot = index;
    this.snapshotTicks = 0;
    this.inflights.reset();
  }

  /** Records an acknowledged match; false when it tells nothing new. */
  maybeUpdate(match: number): boolean {
    if (match <= this.match) return false;
    this.match = match;
    if (this.next <= match) this.next = match + 1;
    this.inflights.freeTo(match);
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case "probe": return this.probeSent;
      case "replicate": return this.inflights.full();
      case "snapshot": return true;
    }
  }
}
