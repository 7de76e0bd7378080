// Wakes the watchers of one node's allocations when the servers change that node's allocations,
// instead of waking every watcher on every allocation write (5,000 nodes would mean 5,000
// wakeups each) or on the clients' own status reports.

import type { StateStore } from "../state/index.js";

export class NodeAllocWatchHub {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly detach: () => void;

  constructor(store: StateStore) {
    this.detach = store.onApply((batch) => {
      let touched: Set<string> | undefined;
      const snap = store.snapshot();
      for (const event of batch.events) {
        if (event.topic !== "Allocation") continue;
        // A client's own status reports change nothing it is sent: wake only for the servers'
        // changes (they set allocModifyIndex) and deletions.
        const alloc = snap.alloc(event.key);
        if (alloc !== undefined && alloc.allocModifyIndex !== batch.index) continue;
        (touched ??= new Set()).add(event.payload.allocation.nodeId);
      }
      for (const nodeId of touched ?? []) this.wake(nodeId);
    });
  }

  /** Resolves when an allocation of the node changes, after `timeoutMs`, or on abort. */
  wait(nodeId: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(nodeId);
      if (!set) this.waiters.set(nodeId, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(nodeId) === set) this.waiters.delete(nodeId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener("abort", done, { once: true });
      set.add(done);
    });
  }

  private wake(nodeId: string): void {
    const set = this.waiters.get(nodeId);
    if (!set) return;
    for (const done of [...set]) done();
  }

  close(): void {
    this.detach();
    for (const set of [...this.waiters.values()]) for (const done of [...set]) done();
  }
}
