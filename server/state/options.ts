// Options of the state store and their defaults.

import type { StateLogger } from "./fsm/types.js";

export interface StateStoreOptions {
  /** Event batches (one per Raft index that changed something) kept for replay to subscribers. */
  eventBufferSize: number;
  /**
   * Events kept at most, over all buffered batches: a few huge plans must not pin gigabytes.
   * The oldest batches go first; the newest batch is always kept. Each event holds its row, so
   * the buffer keeps every row version it covers alive: at thousands of placements a second,
   * 65,536 events held about 100 MB of superseded allocations per server.
   */
  eventBufferMaxEvents: number;
  /** A subscriber this many batches behind the newest is dropped instead of buffered for. */
  maxSubscriberLagBatches: number;
  /** Upper bound on a blocking query's wait, whatever the caller asks (Nomad: 10 minutes). */
  maxBlockingQueryMs: number;
  /**
   * Up to this fraction of the wait is added at random, so many watchers of one table do not
   * all return at once (Nomad uses 1/16). 0 turns it off.
   */
  blockingQueryJitterFraction: number;
}

export const defaultStateStoreOptions: StateStoreOptions = {
  eventBufferSize: 4096,
  eventBufferMaxEvents: 8_192,
  maxSubscriberLagBatches: 4096,
  maxBlockingQueryMs: 10 * 60_000,
  blockingQueryJitterFraction: 1 / 16,
};

export interface StateStoreModules {
  logger?: StateLogger;
  /** A float in [0, 1), for blocking-query jitter. */
  random?: () => number;
  /** Milliseconds now, for blocking-query deadlines. */
  now?: () => number;
}
