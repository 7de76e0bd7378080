// The state store: the finite state machine the Raft log is applied to. It holds the current
// state (an immutable value, see fsm/tables.ts), applies commands through the pure apply logic,
// hands out snapshots, answers blocking queries and publishes the event stream.

import { CommandDecodeError, IndexWaitTimeoutError } from "./errors.js";
import { EventBroker } from "./events.js";
import { applyCommand } from "./fsm/apply.js";
import { decodeCommand } from "./fsm/codec.js";
import { setImmediate as nextTurn } from "node:timers/promises";
import { persistState, restoreState, restoreStateFrom, StateEncoder, type StateChunks } from "./fsm/persist.js";
import { StateSnapshot } from "./fsm/snapshot.js";
import { emptyState, type StateData } from "./fsm/tables.js";
import { TABLE_NAMES, type ApplyResult, type EventBatch, type StateCommand, type StateLogger, type TableName } from "./fsm/types.js";
import { defaultStateStoreOptions, type StateStoreModules, type StateStoreOptions } from "./options.js";

export interface BlockingResult<T> {
  value: T;
  /** The greatest index of the queried tables (at least 1): the next query's `minIndex`. */
  index: number;
}

type WakeReason = "change" | "timeout" | "restore" | "closed";

interface TableWaiter {
  tables: readonly TableName[];
  wake(reason: WakeReason): void;
}

interface IndexWaiter {
  index: number;
  wake(): void;
}

const silent: StateLogger = { debug: () => {}, info: () => {}, warn: () => {} };

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("the operation was aborted", "AbortError");
}

/** Work done between two yields to the event loop while a snapshot is encoded in the background. */
export const DEFAULT_SNAPSHOT_SLICE_MS = 10;

export interface PersistOptions {
  /** Size of the snapshot's chunks. */
  chunkBytes?: number;
  /** Longest stretch of encoding before yielding to the event loop. */
  sliceMs?: number;
  /** Stops the encoding; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export class StateStore {
  private state: StateData;
  private snap: StateSnapshot;
  /** Each apply writes with a fresh owner tag, so nothing it did can change a published state. */
  private ownerSeq = 0;
  private readonly opts: StateStoreOptions;
  private readonly log: StateLogger;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly tableWaiters = new Map<TableName, Set<TableWaiter>>();
  private readonly indexWaiters = new Set<IndexWaiter>();
  private closed = false;
  private readonly applyListeners = new Set<(batch: EventBatch) => void>();
  private readonly restoreListeners = new Set<() => void>();
  /** The event stream; see EventBroker.subscribe. */
  readonly events: EventBroker;

  constructor(opts: Partial<StateStoreOptions> = {}, modules: StateStoreModules = {}) {
    this.opts = { ...defaultStateStoreOptions, ...opts };
    this.log = modules.logger ?? silent;
    this.random = modules.random ?? Math.random;
    this.now = modules.now ?? Date.now;
    this.state = emptyState();
    this.snap = new StateSnapshot(this.state);
    this.events = new EventBroker({
      bufferSize: this.opts.eventBufferSize,
      maxEvents: this.opts.eventBufferMaxEvents,
      maxSubscriberLagBatches: this.opts.maxSubscriberLagBatches,
    });
    for (const t of TABLE_NAMES) this.tableWaiters.set(t, new Set());
  }

  /** A store holding the state of a snapshot made by `persist()`. */
  static restore(bytes: Uint8Array | StateChunks, opts: Partial<StateStoreOptions> = {}, modules: StateStoreModules = {}): StateStore {
    const store = new StateStore(opts, modules);
    store.restore(bytes);
    return store;
  }

  /** The last Raft index applied. */
  get latestIndex(): number {
    return this.state.latestIndex;
  }

  /** Index of the last write that changed `table`. */
  tableIndex(table: TableName): number {
    return this.state.tableIndexes[table];
  }

  /** An immutable view of the current state; O(1). */
  snapshot(): StateSnapshot {
    if (this.snap.data !== this.state) this.snap = new StateSnapshot(this.state);
    return this.snap;
  }

  /**
   * Applies a committed Raft entry: a command, or its encoded bytes. Failures a proposer can
   * cause (CAS conflicts, missing rows, undecodable bytes) are results with `ok: false`; the
   * entry's index counts as applied either way. Never throws.
   */
  apply(index: number, command: StateCommand | Uint8Array): ApplyResult {
    if (index <= this.state.latestIndex) {
      return { ok: false, index, code: "stale-index", error: `index ${index} is not above the last applied index ${this.state.latestIndex}` };
    }
    let cmd: StateCommand;
    if (command instanceof Uint8Array) {
      try {
        cmd = decodeCommand(command);
      } catch (err) {
        const error = err instanceof CommandDecodeError ? err.message : `not a state command: ${String(err)}`;
        this.log.warn("skipped a log entry that is not a state command", { index, error });
        this.advance(index);
        return { ok: false, index, code: "invalid", error };
      }
    } else {
      cmd = command;
    }
    let applied: ReturnType<typeof applyCommand>;
    try {
      applied = applyCommand(this.state, index, cmd, ++this.ownerSeq);
    } catch (err) {
      // A bug: every server fails the same way on the same entry, so skipping it keeps them equal.
      const error = err instanceof Error ? err.message : String(err);
      const type = String((cmd as { type?: unknown } | null)?.type);
      this.log.warn("applying a command failed; it changed nothing", { index, type, error });
      this.advance(index);
      return { ok: false, index, code: "internal", error: `applying ${type} failed: ${error}` };
    }
    if (applied.committed === undefined) {
      this.advance(index);
      return applied.result;
    }
    const { state, events, touched } = applied.committed;
    this.state = state;
    if (events.length > 0) {
      const batch = { index, events };
      this.events.publish(batch);
      for (const listener of this.applyListeners) listener(batch);
    }
    for (const t of touched) this.wakeTable(t);
    this.wakeIndex();
    return applied.result;
  }

  /**
   * Calls `listener` synchronously with the events of every apply, in order and without loss
   * (unlike a subscription, which may be dropped when it lags): the leader's loops run on it.
   * Returns the function that removes it. A listener must be quick and must not throw.
   */
  onApply(listener: (batch: EventBatch) => void): () => void {
    this.applyListeners.add(listener);
    return () => this.applyListeners.delete(listener);
  }

  /**
   * Calls `listener` synchronously after a restore replaced the whole state (which publishes no
   * events). Returns the function that removes it. A listener must be quick and must not throw.
   */
  onRestore(listener: () => void): () => void {
    this.restoreListeners.add(listener);
    return () => this.restoreListeners.delete(listener);
  }

  /** Counts a Raft entry that holds no command (no-op, membership change) as applied. */
  advanceIndex(index: number): void {
    if (index > this.state.latestIndex) this.advance(index);
  }

  private advance(index: number): void {
    this.state = { ...this.state, latestIndex: index };
    this.wakeIndex();
  }

  /** The whole state and its index as snapshot chunks, encoded in one go (tests, tools). */
  persist(chunkBytes?: number): Uint8Array[] {
    return persistState(this.state, chunkBytes);
  }

  /**
   * The state as of now, for a Raft snapshot at the last applied index, encoded a slice per
   * event-loop turn: the store keeps applying meanwhile, which cannot change the state being
   * encoded (it is immutable), so a large state never stalls the server.
   *
   * Each chunk goes to `sink` as soon as it is full, and encoding waits for the sink before it
   * goes on: only a few chunks are ever in memory, however large the state. A chunk's buffer is
   * reused once its sink call resolved, so the sink must be done with the bytes by then (store
   * or copy them). Resolves with the total bytes once the last chunk was taken.
   */
  async persistTo(sink: (chunk: Uint8Array) => Promise<void>, opts: PersistOptions = {}): Promise<number> {
    const encoder = new StateEncoder(this.state, opts.chunkBytes);
    const sliceMs = opts.sliceMs ?? DEFAULT_SNAPSHOT_SLICE_MS;
    const drain = async (chunks: Uint8Array[]) => {
      for (const chunk of chunks) {
        opts.signal?.throwIfAborted();
        await sink(chunk);
        encoder.recycle(chunk);
      }
    };
    for (;;) {
      opts.signal?.throwIfAborted();
      const deadline = performance.now() + sliceMs;
      // A slice also ends when a chunk is full, so that it is stored before the next is filled.
      const done = encoder.step(() => !encoder.hasChunks && performance.now() < deadline);
      if (done) {
        await drain(encoder.finish());
        return encoder.bytes;
      }
      if (encoder.hasChunks) await drain(encoder.takeChunks());
      // setImmediate, not a microtask: timers and network I/O (heartbeats, appends) run in between.
      await nextTurn();
    }
  }

  /** The state as of now as snapshot chunks, encoded in the background (see persistTo), in memory. */
  async persistInBackground(opts: PersistOptions = {}): Promise<Uint8Array[]> {
    const chunks: Uint8Array[] = [];
    // Copied: persistTo reuses the buffers.
    await this.persistTo((chunk) => {
      chunks.push(chunk.slice());
      return Promise.resolve();
    }, opts);
    return chunks;
  }

  /**
   * Replaces the whole state with a snapshot read chunk by chunk (from disk), decoding rows as
   * the chunks come rather than gathering the bytes; otherwise as restore().
   */
  async restoreFrom(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    this.replaceState(await restoreStateFrom(chunks));
  }

  /**
   * Replaces the whole state with a snapshot's. Blocking queries return at once with the new
   * state; event subscribers are closed (the stream has a gap) and must subscribe again.
   * Throws StateRestoreError, leaving the state as it was, when the bytes are not a snapshot.
   */
  restore(bytes: Uint8Array | StateChunks): void {
    this.replaceState(restoreState(bytes));
  }

  private replaceState(state: StateData): void {
    this.state = state;
    this.events.reset(state.latestIndex);
    this.log.info("restored the state from a snapshot", {
      index: state.latestIndex, jobs: state.jobs.size, nodes: state.nodes.size, allocs: state.allocs.size, evals: state.evals.size,
    });
    for (const set of this.tableWaiters.values()) for (const w of [...set]) w.wake("restore");
    for (const listener of this.restoreListeners) listener();
    this.wakeIndex();
  }

  /** Ends blocking queries (with the current state) and event subscriptions. */
  close(): void {
    this.closed = true;
    for (const set of this.tableWaiters.values()) for (const w of [...set]) w.wake("closed");
    this.events.close();
  }

  // --- blocking queries ------------------------------------------------------------------------

  /**
   * Nomad's blocking query: runs `query` on a snapshot as soon as one of `tables` has an index
   * above `minIndex` — at once if it already has — or when `timeoutMs` (plus a little jitter)
   * has passed, whichever comes first. `minIndex` 0 never blocks. Rejects with the signal's
   * reason when aborted.
   */
  async blockingQuery<T>(
    minIndex: number, timeoutMs: number, tables: readonly TableName[], query: (snap: StateSnapshot) => T, signal?: AbortSignal,
  ): Promise<BlockingResult<T>> {
    if (signal?.aborted) throw abortReason(signal);
    const capped = Math.min(Math.max(0, timeoutMs), this.opts.maxBlockingQueryMs);
    const jitter = capped * this.opts.blockingQueryJitterFraction * this.random();
    const deadline = this.now() + capped + jitter;
    let stop = minIndex <= 0 || this.closed;
    for (;;) {
      const snap = this.snapshot();
      const index = snap.maxIndex(tables);
      if (stop || index > minIndex) return { value: query(snap), index: Math.max(1, index) };
      const reason = await this.waitForTables(tables, deadline - this.now(), signal);
      if (reason !== "change") stop = true;
    }
  }

  private waitForTables(tables: readonly TableName[], remainingMs: number, signal: AbortSignal | undefined): Promise<WakeReason> {
    if (remainingMs <= 0) return Promise.resolve("timeout");
    return new Promise<WakeReason>((resolve, reject) => {
      const sets = tables.map((t) => this.tableWaiters.get(t) as Set<TableWaiter>);
      const done = () => {
        clearTimeout(timer);
        for (const set of sets) set.delete(waiter);
        signal?.removeEventListener("abort", onAbort);
      };
      const waiter: TableWaiter = {
        tables,
        wake: (reason) => {
          done();
          resolve(reason);
        },
      };
      const onAbort = () => {
        done();
        reject(abortReason(signal as AbortSignal));
      };
      const timer = setTimeout(() => waiter.wake("timeout"), remainingMs);
      for (const set of sets) set.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  private wakeTable(table: TableName): void {
    const set = this.tableWaiters.get(table);
    if (set === undefined || set.size === 0) return;
    for (const w of [...set]) w.wake("change");
  }

  /**
   * A snapshot that includes everything up to Raft index `index`, waiting up to `timeoutMs` for
   * the store to get there (Nomad's SnapshotMinIndex: a worker must not plan on older state than
   * the eval it dequeued). Rejects with IndexWaitTimeoutError, or the signal's reason.
   */
  async snapshotMinIndex(index: number, timeoutMs: number, signal?: AbortSignal): Promise<StateSnapshot> {
    if (signal?.aborted) throw abortReason(signal);
    if (this.state.latestIndex >= index) return this.snapshot();
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.indexWaiters.delete(waiter);
        signal?.removeEventListener("abort", onAbort);
      };
      const waiter: IndexWaiter = {
        index,
        wake: () => {
          done();
          resolve();
        },
      };
      const onAbort = () => {
        done();
        reject(abortReason(signal as AbortSignal));
      };
      const timer = setTimeout(() => {
        done();
        reject(new IndexWaitTimeoutError(index, this.state.latestIndex, timeoutMs));
      }, Math.max(0, timeoutMs));
      this.indexWaiters.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    return this.snapshot();
  }

  private wakeIndex(): void {
    if (this.indexWaiters.size === 0) return;
    for (const w of [...this.indexWaiters]) if (this.state.latestIndex >= w.index) w.wake();
  }
}
