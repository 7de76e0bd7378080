// Allocation status reports from many clients, gathered for a moment and committed as one Raft
// entry (Nomad batches them for 50 ms): thousands of clients then cost a few writes a second.

import type { AllocClientUpdate, Evaluation } from "../../shared/model/index.js";
import type { ApplyResult, StateCommand } from "../state/index.js";

export const ALLOC_UPDATE_BATCH_MS = 50;
/**
 * A batch this large is committed at once: after a pause (an election, a stall) thousands of
 * clients report together, and one entry of tens of thousands of updates held every server for
 * seconds to encode and apply it, long enough to cost the next election. About half a megabyte.
 */
export const MAX_UPDATES_PER_BATCH = 1000;

interface Pending {
  timer: NodeJS.Timeout;
  updates: AllocClientUpdate[];
  evals: Evaluation[];
  waiters: { resolve: (index: number) => void; reject: (err: unknown) => void }[];
}

export class AllocUpdateBatcher {
  private pending: Pending | undefined;

  constructor(private readonly propose: (command: StateCommand) => Promise<{ index: number; result: unknown }>) {}

  /** Resolves with the Raft index at which the batch holding these updates committed. */
  add(updates: AllocClientUpdate[], evals: Evaluation[]): Promise<number> {
    if (!this.pending) {
      this.pending = { timer: setTimeout(() => this.flush(), ALLOC_UPDATE_BATCH_MS), updates: [], evals: [], waiters: [] };
    }
    const batch = this.pending;
    batch.updates.push(...updates);
    batch.evals.push(...evals);
    const committed = new Promise<number>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    if (batch.updates.length >= MAX_UPDATES_PER_BATCH) this.flush();
    return committed;
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = undefined;
    if (!batch) return;
    clearTimeout(batch.timer);
    this.propose({ type: "alloc.clientUpdate", updates: batch.updates, evals: batch.evals }).then(
      ({ index, result }) => {
        const r = result as ApplyResult;
        // Allocations that no longer exist (garbage-collected) are skipped, not an error.
        if (!r.ok && r.code !== "not-found") throw new Error(r.error);
        for (const w of batch.waiters) w.resolve(index);
      },
    ).catch((err: unknown) => {
      for (const w of batch.waiters) w.reject(err);
    });
  }
}
