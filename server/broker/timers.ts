// The broker's only view of time: a clock and one-shot timers. Tests pass a fake that they
// advance by hand; servers pass `realTimers()`.

export interface BrokerTimers {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms`; the returned function cancels it (a no-op once fired). */
  setTimer(ms: number, fn: () => void): () => void;
}

/** Wall-clock time and Node timers that do not keep the process alive. */
export function realTimers(): BrokerTimers {
  return {
    now: () => Date.now(),
    setTimer(ms, fn) {
      const handle = setTimeout(fn, Math.max(0, ms));
      handle.unref();
      return () => clearTimeout(handle);
    },
  };
}
