// The event stream: every apply publishes the events of its index as one batch into a bounded
// ring buffer. Subscribers read the ring through their own cursor, so one publish costs the same
// however many subscribers there are, and memory is bounded by the ring: a subscriber that falls
// so far behind that the ring would overwrite what it has not read yet is dropped with an error
// (it must re-read the state and subscribe again), never buffered for.

import { EventIndexTooOldError, SubscriptionClosedError, type SubscriptionCloseReason } from "./errors.js";
import type { EventBatch, EventTopic, StateEvent } from "./fsm/types.js";

export interface SubscribeRequest {
  /**
   * Topics to receive, each with the keys wanted: `["*"]` for every key, otherwise row ids or
   * filter keys (an allocation's or evaluation's job id, …). The topic "*" stands for all topics.
   */
  topics: Partial<Record<EventTopic | "*", string[]>>;
  /** Only events of this namespace (events without one, like nodes', always pass); "*" = all. */
  namespace?: string;
  /**
   * Replay buffered events with an index above this first. Left out: only events published from
   * now on. Throws EventIndexTooOldError when events after it were already dropped from the buffer.
   */
  fromIndex?: number;
  /** Ends the subscription: the iteration finishes without an error. */
  signal?: AbortSignal;
}

export interface EventBrokerOptions {
  bufferSize: number;
  /** Events kept at most over all buffered batches (the newest batch is always kept). */
  maxEvents?: number;
  maxSubscriberLagBatches: number;
}

type Filter = (event: StateEvent) => boolean;

function makeFilter(req: SubscribeRequest): Filter {
  const byTopic = new Map<string, Set<string> | "all">();
  for (const [topic, keys] of Object.entries(req.topics)) {
    if (keys === undefined) continue;
    byTopic.set(topic, keys.includes("*") ? "all" : new Set(keys));
  }
  const namespace = req.namespace === undefined || req.namespace === "*" ? undefined : req.namespace;
  return (event) => {
    if (namespace !== undefined && event.namespace !== "" && event.namespace !== namespace) return false;
    const keys = byTopic.get(event.topic) ?? byTopic.get("*");
    if (keys === undefined) return false;
    if (keys === "all") return true;
    return keys.has(event.key) || event.filterKeys.some((k) => keys.has(k));
  };
}

export class EventBroker {
  private readonly ring: (EventBatch | undefined)[];
  /** Sequence number of the oldest batch still in the ring. */
  private head = 0;
  /** Sequence number the next batch gets. */
  private tail = 0;
  /** Events at or below this index are gone (evicted, or from before a restore). */
  private lostThrough: number;
  /** Events in the buffered batches. */
  private buffered = 0;
  private readonly subscriptions = new Set<Subscription>();

  constructor(private readonly opts: EventBrokerOptions, startIndex = 0) {
    if (opts.bufferSize < 1) throw new RangeError("the event buffer needs room for at least one batch");
    this.ring = new Array<EventBatch | undefined>(opts.bufferSize);
    this.lostThrough = startIndex;
  }

  /** Index of the newest published batch, 0 when none. */
  get latestIndex(): number {
    return this.tail > this.head ? (this.at(this.tail - 1).index) : this.lostThrough;
  }

  /** Events with an index above this can still be replayed. */
  get oldestReplayableAfter(): number {
    return this.lostThrough;
  }

  get subscriberCount(): number {
    return this.subscriptions.size;
  }

  /** @internal */
  at(seq: number): EventBatch {
    return this.ring[seq % this.ring.length] as EventBatch;
  }

  /** @internal */
  get headSeq(): number {
    return this.head;
  }

  /** @internal */
  get tailSeq(): number {
    return this.tail;
  }

  publish(batch: EventBatch): void {
    if (batch.events.length === 0) return;
    const maxEvents = this.opts.maxEvents ?? Infinity;
    while (this.tail > this.head && (this.tail - this.head === this.ring.length || this.buffered + batch.events.length > maxEvents)) {
      const oldest = this.at(this.head);
      this.lostThrough = oldest.index;
      this.buffered -= oldest.events.length;
      this.ring[this.head % this.ring.length] = undefined;
      this.head += 1;
    }
    this.ring[this.tail % this.ring.length] = batch;
    this.tail += 1;
    this.buffered += batch.events.length;
    for (const sub of this.subscriptions) {
      if (this.tail - sub.cursor > this.opts.maxSubscriberLagBatches || sub.cursor < this.head) {
        sub.fail("too-slow", `event subscriber fell more than ${this.opts.maxSubscriberLagBatches} batches behind and was dropped; re-read the state and subscribe again`);
      } else {
        sub.poke();
      }
    }
  }

  subscribe(req: SubscribeRequest): EventSubscription {
    let cursor = this.tail;
    if (req.fromIndex !== undefined) {
      if (req.fromIndex < this.lostThrough) throw new EventIndexTooOldError(req.fromIndex, this.lostThrough);
      // The first buffered batch with an index above fromIndex (indexes only grow along the ring).
      let lo = this.head;
      let hi = this.tail;
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if (this.at(mid).index <= req.fromIndex) lo = mid + 1;
        else hi = mid;
      }
      cursor = lo;
    }
    const signal = req.signal;
    const onAbort = () => sub.end();
    const sub = new Subscription(this, makeFilter(req), cursor, () => {
      this.subscriptions.delete(sub);
      signal?.removeEventListener("abort", onAbort);
    });
    this.subscriptions.add(sub);
    if (signal !== undefined) {
      if (signal.aborted) sub.end();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
    return sub;
  }

  /** The state was replaced (Raft snapshot): nothing before `index` can be replayed any more. */
  reset(index: number): void {
    this.ring.fill(undefined);
    this.head = this.tail;
    this.buffered = 0;
    this.lostThrough = index;
    for (const sub of [...this.subscriptions]) {
      sub.fail("reset", `the state was restored from a snapshot at index ${index}; re-read the state and subscribe again`);
    }
  }

  close(): void {
    for (const sub of [...this.subscriptions]) sub.fail("closed", "the state store was closed");
  }
}

/** An AsyncIterable of event batches; break out of the loop (or abort) to unsubscribe. */
export interface EventSubscription extends AsyncIterableIterator<EventBatch> {
  /** Stops the subscription; a pending `next()` finishes with done. */
  end(): void;
}

class Subscription implements EventSubscription {
  cursor: number;
  private waiters: (() => void)[] = [];
  private error: SubscriptionClosedError | undefined;
  private done = false;

  constructor(
    private readonly broker: EventBroker,
    private readonly filter: Filter,
    cursor: number,
    private readonly detach: () => void,
  ) {
    this.cursor = cursor;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  poke(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  fail(reason: SubscriptionCloseReason, message: string): void {
    if (this.done || this.error !== undefined) return;
    this.error = new SubscriptionClosedError(reason, message);
    this.detach();
    this.poke();
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.detach();
    this.poke();
  }

  async next(): Promise<IteratorResult<EventBatch>> {
    for (;;) {
      if (this.done) return { done: true, value: undefined };
      if (this.error !== undefined) {
        const err = this.error;
        this.done = true;
        throw err;
      }
      while (this.cursor < this.broker.tailSeq) {
        const batch = this.broker.at(this.cursor);
        this.cursor += 1;
        const events = batch.events.filter(this.filter);
        if (events.length === batch.events.length) return { done: false, value: batch };
        if (events.length > 0) return { done: false, value: { index: batch.index, events } };
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
      });
    }
  }

  async return(): Promise<IteratorResult<EventBatch>> {
    this.end();
    return { done: true, value: undefined };
  }
}
