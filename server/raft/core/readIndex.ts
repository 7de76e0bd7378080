// Linearizable reads without writing to the log (dissertation §6.4): the leader notes its commit
// index for the request, proves it is still the leader by a heartbeat round that a quorum
// answers, and then the read may be served once the state machine has applied that index.

import type { ReadState } from "./types.js";

interface PendingRead {
  requestId: string;
  index: number;
  /** Heartbeat round that must be answered by a quorum; 0 until a round is started. */
  seq: number;
}

export class ReadIndexQueue {
  /** Requests made before the leader committed an entry of its own term (its commit index may lag). */
  private waitingForTermCommit: string[] = [];
  private pending: PendingRead[] = [];
  private head = 0;
  private unassigned = 0;

  add(requestId: string, commitIndex: number | undefined): void {
    if (commitIndex === undefined) {
      this.waitingForTermCommit.push(requestId);
      return;
    }
    this.pending.push({ requestId, index: commitIndex, seq: 0 });
    this.unassigned++;
  }

  /** The leader committed an entry of its term: its commit index is now a safe read index. */
  termCommitted(commitIndex: number): void {
    for (const requestId of this.waitingForTermCommit) this.add(requestId, commitIndex);
    this.waitingForTermCommit = [];
  }

  /** Requests are waiting for a heartbeat round to be started. */
  needsRound(): boolean {
    return this.unassigned > 0;
  }

  assign(seq: number): void {
    for (let i = this.pending.length - this.unassigned; i < this.pending.length; i++) (this.pending[i] as PendingRead).seq = seq;
    this.unassigned = 0;
  }

  /** Moves the reads whose round a quorum acknowledged to `out`, oldest first. */
  release(acknowledged: (seq: number) => boolean, out: ReadState[]): void {
    while (this.head < this.pending.length) {
      const read = this.pending[this.head] as PendingRead;
      if (read.seq === 0 || !acknowledged(read.seq)) break;
      out.push({ requestId: read.requestId, index: read.index });
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  size(): number {
    return this.pending.length - this.head + this.waitingForTermCommit.length;
  }

  clear(): void {
    this.waitingForTermCommit = [];
    this.pending = [];
    this.head = 0;
    this.unassigned = 0;
  }
}
