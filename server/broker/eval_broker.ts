// The eval broker (Nomad's EvalBroker): the leader's in-memory queue of evaluations waiting for a
// scheduler worker. Only the leader's broker is enabled; a new leader refills it from the state
// store. Every eval the broker knows is in exactly one place:
//
//   delayed  — waitUntilMs is in the future; becomes ready at that time
//   pending  — another eval of the same job is in flight; waits behind it
//   ready    — per scheduler type, best priority first, then FIFO
//   unacked  — handed to a worker with a token; redelivered if not acked within nackTimeoutMs
//   waiting  — nacked; ready again after the nack delay
//   failed   — delivered deliveryLimit times; the leader marks it failed and drains it
//
// At most one eval per job (namespace + job id) is in ready/unacked/waiting at a time, so two
// workers never schedule one job concurrently. When it is acked, the best pending eval of the job
// (highest priority, then newest) takes its place and the rest become "cancelable": they would
// only redo the work of the one released.

import type { Evaluation, JobType } from "../../shared/model/index.js";
import { EvalNotOutstandingError, EvalTokenMismatchError } from "./errors.js";
import { Heap } from "./heap.js";
import { defaultEvalBrokerOptions, silentLogger, type BrokerLogger, type EvalBrokerModules, type EvalBrokerOptions } from "./options.js";
import { realTimers, type BrokerTimers } from "./timers.js";

/** Scheduler queues: the job types plus `_core` for the leader's garbage-collection evals. */
export type EvalQueue = JobType | "_core";
export const EVAL_QUEUES: readonly EvalQueue[] = ["service", "batch", "system", "sysbatch", "_core"];

/** The fields of an evaluation the broker reads; `type` may also be `_core`. */
export interface BrokerEval {
  readonly id: string;
  readonly namespace: string;
  readonly jobId: string;
  readonly type: EvalQueue | JobType;
  readonly priority: number;
  readonly createIndex: number;
  readonly waitUntilMs: number;
}

export interface Delivery<E> {
  eval: E;
  /** Proof of this delivery for ack/nack; a redelivery gets a new one. */
  token: string;
}

export interface QueueStats {
  ready: number;
  unacked: number;
}

export interface EvalBrokerStats {
  totalReady: number;
  totalUnacked: number;
  /** Evals waiting behind another eval of the same job. */
  totalPending: number;
  /** Jobs with evals waiting behind an in-flight one. */
  jobsWithPending: number;
  /** Nacked evals waiting out their nack delay. */
  totalWaiting: number;
  /** Evals whose waitUntilMs is still in the future. */
  totalDelayed: number;
  totalFailed: number;
  totalCancelable: number;
  /** Workers blocked in dequeue. */
  waitingWorkers: number;
  byQueue: Record<string, QueueStats>;
}

type Place = "delayed" | "pending" | "ready" | "unacked" | "waiting" | "failed";

interface Tracked<E> {
  eval: E;
  place: Place;
  /** Times handed to a worker. */
  deliveries: number;
  /** Insertion order; ties in priority and createIndex come out FIFO. */
  seq: number;
  token: string;
  /** Cancels the nack timeout (unacked), the nack delay (waiting). */
  cancelTimer: (() => void) | undefined;
  /** Enqueued again while unacked (a reblocked eval was unblocked): re-admitted on ack. */
  requeue: E | undefined;
}

interface Waiter<E> {
  queues: readonly string[];
  resolve: (d: Delivery<E> | undefined) => void;
  cleanup: () => void;
}

const readyOrder = <E extends BrokerEval>(a: Tracked<E>, b: Tracked<E>): boolean =>
  a.eval.priority !== b.eval.priority
    ? a.eval.priority > b.eval.priority
    : a.eval.createIndex !== b.eval.createIndex
      ? a.eval.createIndex < b.eval.createIndex
      : a.seq < b.seq;

/** Pending evals of one job: the one to release next is the most urgent, then the newest. */
const pendingOrder = <E extends BrokerEval>(a: Tracked<E>, b: Tracked<E>): boolean =>
  a.eval.priority !== b.eval.priority
    ? a.eval.priority > b.eval.priority
    : a.eval.createIndex !== b.eval.createIndex
      ? a.eval.createIndex > b.eval.createIndex
      : a.seq > b.seq;

const delayOrder = <E extends BrokerEval>(a: Tracked<E>, b: Tracked<E>): boolean =>
  a.eval.waitUntilMs !== b.eval.waitUntilMs ? a.eval.waitUntilMs < b.eval.waitUntilMs : a.seq < b.seq;

export function jobKey(e: { namespace: string; jobId: string }): string {
  return `${e.namespace}\u0000${e.jobId}`;
}

export class EvalBroker<E extends BrokerEval = Evaluation> {
  private readonly opts: EvalBrokerOptions;
  private readonly timers: BrokerTimers;
  private readonly log: BrokerLogger;
  private readonly newToken: () => string;

  private enabled = false;
  /** Set while enqueueAll adds a batch: waiters are served once, after the batch. */
  private dispatching = false;
  private seq = 0;
  private tokenSeq = 0;
  private readonly tracked = new Map<string, Tracked<E>>();
  private readonly ready = new Map<string, Heap<Tracked<E>>>();
  private readonly unackedByQueue = new Map<string, number>();
  /** Job → id of its eval in ready/unacked/waiting. */
  private readonly inflight = new Map<string, string>();
  private readonly pending = new Map<string, Heap<Tracked<E>>>();
  private pendingCount = 0;
  private readonly delayed = new Heap<Tracked<E>>(delayOrder);
  private delayTimer: { at: number; cancel: () => void } | undefined;
  private failedQueue: E[] = [];
  private cancelableList: E[] = [];
  private readonly waiters = new Set<Waiter<E>>();

  constructor(opts: Partial<EvalBrokerOptions> = {}, modules: EvalBrokerModules = {}) {
    this.opts = { ...defaultEvalBrokerOptions, ...opts };
    if (this.opts.deliveryLimit < 1) throw new RangeError("deliveryLimit must be at least 1");
    this.timers = modules.timers ?? realTimers();
    this.log = modules.logger ?? silentLogger;
    this.newToken = modules.newToken ?? (() => `t${(++this.tokenSeq).toString(36)}`);
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  /** Only the leader's broker is enabled. Disabling drops everything and wakes blocked workers. */
  setEnabled(enabled: boolean): void {
    if (this.enabled === enabled) return;
    this.enabled = enabled;
    this.log.info(enabled ? "eval broker enabled" : "eval broker disabled");
    if (!enabled) this.flush();
  }

  /**
   * Adds an eval. Ignored while disabled (the next leader re-reads evals from the state store)
   * and when an eval with this id is already queued. An eval enqueued again while a worker holds
   * it (a blocked eval the worker re-blocked, then unblocked) runs again once that worker acks.
   */
  enqueue(evaluation: E): void {
    if (!this.enabled) return;
    const existing = this.tracked.get(evaluation.id);
    if (existing) {
      if (existing.place === "unacked") existing.requeue = evaluation;
      return;
    }
    const t: Tracked<E> = { eval: evaluation, place: "ready", deliveries: 0, seq: ++this.seq, token: "", cancelTimer: undefined, requeue: undefined };
    this.tracked.set(evaluation.id, t);
    if (evaluation.waitUntilMs > this.timers.now()) {
      t.place = "delayed";
      this.delayed.push(t);
      this.armDelayTimer();
      return;
    }
    this.admit(t);
    this.dispatch();
  }

  enqueueAll(evals: Iterable<E>): void {
    if (!this.enabled) return;
    const wasDispatching = this.dispatching;
    this.dispatching = true;
    try {
      for (const e of evals) this.enqueue(e);
    } finally {
      this.dispatching = wasDispatching;
    }
    this.dispatch();
  }

  /**
   * Waits for a ready eval of one of `queues` (fair across them: best priority first, then the
   * oldest). Resolves undefined after `timeoutMs` (0 or less: no timeout), when `signal` aborts,
   * or when the broker is disabled.
   */
  dequeue(queues: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<Delivery<E> | undefined> {
    if (!this.enabled || signal?.aborted) return Promise.resolve(undefined);
    const now = this.tryDequeue(queues);
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      let cancelTimeout: (() => void) | undefined;
      const onAbort = () => finish(undefined);
      const waiter: Waiter<E> = {
        queues,
        resolve: (d) => finish(d),
        cleanup: () => {
          cancelTimeout?.();
          signal?.removeEventListener("abort", onAbort);
        },
      };
      const finish = (d: Delivery<E> | undefined) => {
        if (!this.waiters.delete(waiter)) return;
        waiter.cleanup();
        resolve(d);
      };
      this.waiters.add(waiter);
      if (timeoutMs > 0) cancelTimeout = this.timers.setTimer(timeoutMs, () => finish(undefined));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Takes a ready eval of one of `queues` now, or undefined. */
  tryDequeue(queues: readonly string[]): Delivery<E> | undefined {
    if (!this.enabled) return undefined;
    let best: Heap<Tracked<E>> | undefined;
    let bestTop: Tracked<E> | undefined;
    for (const q of queues) {
      const heap = this.ready.get(q);
      const top = heap?.peek();
      if (top && (!bestTop || readyOrder(top, bestTop))) {
        best = heap;
        bestTop = top;
      }
    }
    if (!best || !bestTop) return undefined;
    best.pop();
    return this.deliver(bestTop);
  }

  /** The worker finished the eval: forget it and release the job's next eval. */
  ack(evalId: string, token: string): void {
    const t = this.outstandingEntry(evalId, token);
    t.cancelTimer?.();
    this.decUnacked(t.eval.type);
    this.tracked.delete(evalId);
    this.release(t.eval);
    if (t.requeue) this.enqueue(t.requeue);
    this.dispatch();
  }

  /**
   * The worker gave up on the eval: it is ready again after the nack delay, or goes to the failed
   * queue once delivered `deliveryLimit` times.
   */
  nack(evalId: string, token: string): void {
    const t = this.outstandingEntry(evalId, token);
    t.cancelTimer?.();
    this.decUnacked(t.eval.type);
    this.requeueAfterNack(t, "nacked");
  }

  /** The current delivery token of an unacked eval, if it is unacked. */
  outstanding(evalId: string): string | undefined {
    const t = this.tracked.get(evalId);
    return t?.place === "unacked" ? t.token : undefined;
  }

  /** A worker still planning pushes the redelivery deadline back by a full nack timeout. */
  outstandingReset(evalId: string, token: string): void {
    const t = this.outstandingEntry(evalId, token);
    t.cancelTimer?.();
    t.cancelTimer = this.nackTimer(t);
  }

  /** Stops the redelivery clock while the eval's plan waits in the plan queue. */
  pauseNackTimeout(evalId: string, token: string): void {
    const t = this.outstandingEntry(evalId, token);
    t.cancelTimer?.();
    t.cancelTimer = undefined;
  }

  /** Restarts the redelivery clock (a full nack timeout) after `pauseNackTimeout`. */
  resumeNackTimeout(evalId: string, token: string): void {
    this.outstandingReset(evalId, token);
  }

  /**
   * Drains evals that reached the delivery limit (at most `max`). The caller marks them failed
   * in the state store (with a follow-up eval); draining releases each job's next eval.
   */
  failed(max = Infinity): E[] {
    const out = this.failedQueue.length <= max ? this.failedQueue : this.failedQueue.slice(0, max);
    this.failedQueue = this.failedQueue.length <= max ? [] : this.failedQueue.slice(max);
    for (const e of out) {
      this.tracked.delete(e.id);
      this.release(e);
    }
    if (out.length > 0) this.dispatch();
    return out;
  }

  /** Drains evals superseded by a newer eval of the same job; the caller marks them canceled. */
  cancelable(max = Infinity): E[] {
    const out = this.cancelableList.length <= max ? this.cancelableList : this.cancelableList.slice(0, max);
    this.cancelableList = this.cancelableList.length <= max ? [] : this.cancelableList.slice(max);
    return out;
  }

  stats(): EvalBrokerStats {
    const byQueue: Record<string, QueueStats> = {};
    let totalReady = 0;
    let totalUnacked = 0;
    for (const q of EVAL_QUEUES) byQueue[q] = { ready: 0, unacked: 0 };
    for (const [q, heap] of this.ready) {
      (byQueue[q] ??= { ready: 0, unacked: 0 }).ready = heap.size;
      totalReady += heap.size;
    }
    for (const [q, n] of this.unackedByQueue) {
      (byQueue[q] ??= { ready: 0, unacked: 0 }).unacked = n;
      totalUnacked += n;
    }
    let totalWaiting = 0;
    for (const t of this.tracked.values()) if (t.place === "waiting") totalWaiting++;
    return {
      totalReady,
      totalUnacked,
      totalPending: this.pendingCount,
      jobsWithPending: this.pending.size,
      totalWaiting,
      totalDelayed: this.delayed.size,
      totalFailed: this.failedQueue.length,
      totalCancelable: this.cancelableList.length,
      waitingWorkers: this.waiters.size,
      byQueue,
    };
  }

  /** Drops every eval and timer; blocked dequeues resolve undefined. */
  flush(): void {
    for (const t of this.tracked.values()) t.cancelTimer?.();
    this.delayTimer?.cancel();
    this.delayTimer = undefined;
    this.tracked.clear();
    this.ready.clear();
    this.unackedByQueue.clear();
    this.inflight.clear();
    this.pending.clear();
    this.pendingCount = 0;
    this.delayed.clear();
    this.failedQueue = [];
    this.cancelableList = [];
    for (const w of [...this.waiters]) w.resolve(undefined);
  }

  // ---- internals ----

  /** Puts a ready-to-run eval in its queue, or behind the job's in-flight eval. */
  private admit(t: Tracked<E>): void {
    const key = jobKey(t.eval);
    const holder = this.inflight.get(key);
    if (holder !== undefined && holder !== t.eval.id) {
      t.place = "pending";
      let heap = this.pending.get(key);
      if (!heap) this.pending.set(key, (heap = new Heap<Tracked<E>>(pendingOrder)));
      heap.push(t);
      this.pendingCount++;
      return;
    }
    this.inflight.set(key, t.eval.id);
    t.place = "ready";
    let heap = this.ready.get(t.eval.type);
    if (!heap) this.ready.set(t.eval.type, (heap = new Heap<Tracked<E>>(readyOrder)));
    heap.push(t);
  }

  /** The job's in-flight eval is done: the best pending one runs, the rest are superseded. */
  private release(e: E): void {
    const key = jobKey(e);
    if (this.inflight.get(key) === e.id) this.inflight.delete(key);
    const heap = this.pending.get(key);
    if (!heap) return;
    this.pending.delete(key);
    const [next, ...superseded] = heap.drain();
    this.pendingCount -= 1 + superseded.length;
    for (const s of superseded) {
      this.tracked.delete(s.eval.id);
      this.cancelableList.push(s.eval);
    }
    if (next) this.admit(next);
  }

  private deliver(t: Tracked<E>): Delivery<E> {
    t.place = "unacked";
    t.deliveries++;
    t.token = this.newToken();
    t.cancelTimer = this.nackTimer(t);
    this.unackedByQueue.set(t.eval.type, (this.unackedByQueue.get(t.eval.type) ?? 0) + 1);
    return { eval: t.eval, token: t.token };
  }

  private nackTimer(t: Tracked<E>): () => void {
    const token = t.token;
    return this.timers.setTimer(this.opts.nackTimeoutMs, () => {
      if (t.place !== "unacked" || t.token !== token) return;
      this.log.warn("eval not acked within the nack timeout; redelivering", { evalId: t.eval.id, deliveries: t.deliveries });
      this.decUnacked(t.eval.type);
      this.requeueAfterNack(t, "timed out");
    });
  }

  private requeueAfterNack(t: Tracked<E>, why: string): void {
    t.token = "";
    t.requeue = undefined;
    t.cancelTimer = undefined;
    if (t.deliveries >= this.opts.deliveryLimit) {
      this.log.warn("eval reached the delivery limit; moved to the failed queue", { evalId: t.eval.id, deliveries: t.deliveries, why });
      t.place = "failed";
      this.failedQueue.push(t.eval);
      return;
    }
    const delayMs = t.deliveries <= 1 ? this.opts.initialNackDelayMs : this.opts.subsequentNackDelayMs;
    if (delayMs <= 0) {
      this.admit(t);
      this.dispatch();
      return;
    }
    t.place = "waiting";
    t.cancelTimer = this.timers.setTimer(delayMs, () => {
      if (t.place !== "waiting" || this.tracked.get(t.eval.id) !== t) return;
      t.cancelTimer = undefined;
      this.admit(t);
      this.dispatch();
    });
  }

  private outstandingEntry(evalId: string, token: string): Tracked<E> {
    const t = this.tracked.get(evalId);
    if (!t || t.place !== "unacked") throw new EvalNotOutstandingError(evalId);
    if (t.token !== token) throw new EvalTokenMismatchError(evalId);
    return t;
  }

  private decUnacked(queue: string): void {
    const n = (this.unackedByQueue.get(queue) ?? 0) - 1;
    if (n > 0) this.unackedByQueue.set(queue, n);
    else this.unackedByQueue.delete(queue);
  }

  private armDelayTimer(): void {
    const next = this.delayed.peek();
    if (!next) {
      this.delayTimer?.cancel();
      this.delayTimer = undefined;
      return;
    }
    const at = next.eval.waitUntilMs;
    if (this.delayTimer && this.delayTimer.at <= at) return;
    this.delayTimer?.cancel();
    this.delayTimer = { at, cancel: this.timers.setTimer(at - this.timers.now(), () => this.releaseDelayed()) };
  }

  private releaseDelayed(): void {
    this.delayTimer = undefined;
    const now = this.timers.now();
    for (let top = this.delayed.peek(); top && top.eval.waitUntilMs <= now; top = this.delayed.peek()) {
      this.delayed.pop();
      if (this.tracked.get(top.eval.id) === top) this.admit(top);
    }
    this.armDelayTimer();
    this.dispatch();
  }

  /** Hands ready evals to blocked workers, oldest waiter first. */
  private dispatch(): void {
    if (this.dispatching || this.waiters.size === 0) return;
    for (const w of this.waiters) {
      const d = this.tryDequeue(w.queues);
      if (d) w.resolve(d);
    }
  }
}
