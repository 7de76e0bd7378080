// Wakes the watchers of one node's allocations when a write touches that node, instead of
// waking every watcher on every allocation write (5,000 nodes would mean 5,000 wakeups each).

import type { StateStore } from "../state/index.js";

export class NodeAllocWatchHub {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly detach: () => void;

  constructor(store: StateStore) {
    this.detach = store.onApply((batch) => {
      let touched: Set<string> | undefined;
      for (const event of batch.events) {
        if (event.topic !== "Allocation") continue;
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
