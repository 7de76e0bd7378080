// Tells the watchers of one node's allocations which of them the servers changed, instead of
// waking every watcher on every allocation write (5,000 nodes would mean 5,000 wakeups each) or
// making a watcher re-read all of its node's allocations to find out. The clients' own status
// reports change nothing they are sent, so they wake no one.

import type { StateStore } from "../state/index.js";

/** Ids a watcher collects at most between two frames before it settles for a complete frame. */
export const MAX_PENDING_ALLOC_IDS = 1024;

/**
 * What changed for a watcher since it last took its changes: the ids of its node's allocations
 * the servers wrote or deleted, or "full" when it must re-read them all (too many changes piled
 * up, or the state was replaced by a snapshot).
 */
export type AllocChanges = ReadonlySet<string> | "full";

/** One stream's view of its node's changes; see NodeAllocWatchHub.watch. */
export class NodeAllocWatcher {
  private pending: Set<string> | "full" = new Set();
  private wakeup: (() => void) | undefined;

  /** @internal */
  constructor(readonly nodeId: string, private readonly hub: NodeAllocWatchHub) {}

  /** Whether changes are waiting to be taken. */
  get hasChanges(): boolean {
    return this.pending === "full" || this.pending.size > 0;
  }

  /** The changes since the last take (or since `watch`), and starts collecting anew. */
  take(): AllocChanges {
    const taken = this.pending;
    this.pending = new Set();
    return taken;
  }

  /** Resolves at once when changes are waiting, else when some arrive, after `timeoutMs`, or on abort. */
  wait(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.hasChanges || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        if (this.wakeup === done) this.wakeup = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener("abort", done, { once: true });
      this.wakeup?.();
      this.wakeup = done;
    });
  }

  /** Stops collecting; ends a wait in progress. */
  close(): void {
    this.hub.unwatch(this);
    this.wakeup?.();
  }

  /** @internal */
  note(id: string): void {
    if (this.pending !== "full") {
      this.pending.add(id);
      if (this.pending.size > MAX_PENDING_ALLOC_IDS) this.pending = "full";
    }
    this.wakeup?.();
  }

  /** @internal */
  noteAll(): void {
    this.pending = "full";
    this.wakeup?.();
  }
}

export class NodeAllocWatchHub {
  private readonly watchers = new Map<string, Set<NodeAllocWatcher>>();
  private readonly detach: (() => void)[];

  constructor(store: StateStore) {
    this.detach = [
      store.onApply((batch) => {
        if (this.watchers.size === 0) return;
        let snap: ReturnType<StateStore["snapshot"]> | undefined;
        for (const event of batch.events) {
          if (event.topic !== "Allocation") continue;
          const set = this.watchers.get(event.payload.allocation.nodeId);
          if (set === undefined) continue;
          // A client's own status reports change nothing it is sent: only the servers' changes
          // (they set allocModifyIndex) and deletions count.
          const alloc = (snap ??= store.snapshot()).alloc(event.key);
          if (alloc !== undefined && alloc.allocModifyIndex !== batch.index) continue;
          for (const watcher of set) watcher.note(event.key);
        }
      }),
      // A restored snapshot may have changed anything without events: every watcher re-reads.
      store.onRestore(() => this.everyWatcher((w) => w.noteAll())),
    ];
  }

  /**
   * Starts collecting the changes to the node's allocations, for one stream. Call it before
   * reading the state the stream's first frame is made of, so nothing in between is missed;
   * close the watcher when the stream ends.
   */
  watch(nodeId: string): NodeAllocWatcher {
    const watcher = new NodeAllocWatcher(nodeId, this);
    let set = this.watchers.get(nodeId);
    if (!set) this.watchers.set(nodeId, (set = new Set()));
    set.add(watcher);
    return watcher;
  }

  /** @internal */
  unwatch(watcher: NodeAllocWatcher): void {
    const set = this.watchers.get(watcher.nodeId);
    if (!set?.delete(watcher)) return;
    if (set.size === 0) this.watchers.delete(watcher.nodeId);
  }

  /** Watchers registered now, over all nodes (for tests and stats). */
  get size(): number {
    let n = 0;
    for (const set of this.watchers.values()) n += set.size;
    return n;
  }

  private everyWatcher(fn: (w: NodeAllocWatcher) => void): void {
    for (const set of [...this.watchers.values()]) for (const w of [...set]) fn(w);
  }

  close(): void {
    for (const detach of this.detach) detach();
    this.everyWatcher((w) => w.close());
  }
}
