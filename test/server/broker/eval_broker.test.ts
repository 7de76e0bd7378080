import test from "ava";
import type { Evaluation } from "../../../shared/model/index.js";
import { EvalBroker, EvalNotOutstandingError, EvalTokenMismatchError, type Delivery } from "../../../server/broker/index.js";
import { evaluation, FakeTimers } from "./fixtures.js";

function setup(opts: ConstructorParameters<typeof EvalBroker>[0] = {}) {
  const timers = new FakeTimers();
  const broker = new EvalBroker<Evaluation>(opts, { timers });
  broker.setEnabled(true);
  return { timers, broker };
}

function take(broker: EvalBroker<Evaluation>, queues: readonly string[] = ["service"]): Delivery<Evaluation> {
  const d = broker.tryDequeue(queues);
  if (!d) throw new Error("nothing ready");
  return d;
}

test("ready evals come out by priority, then in creation order", (t) => {
  const { broker } = setup();
  const low = evaluation({ priority: 10 });
  const midOld = evaluation({ priority: 50 });
  const high = evaluation({ priority: 90 });
  const midNew = evaluation({ priority: 50 });
  broker.enqueueAll([low, midNew, high, midOld]);
  const order = [1, 2, 3, 4].map(() => take(broker).eval.id);
  t.deepEqual(order, [high.id, midOld.id, midNew.id, low.id]);
  t.is(broker.tryDequeue(["service"]), undefined);
});

test("a worker only gets evals of the scheduler types it asks for, best priority across them", (t) => {
  const { broker } = setup();
  const svc = evaluation({ type: "service", priority: 50 });
  const batch = evaluation({ type: "batch", priority: 70 });
  const sys = evaluation({ type: "system", priority: 100 });
  broker.enqueueAll([svc, batch, sys]);
  t.is(take(broker, ["service", "batch"]).eval.id, batch.id);
  t.is(take(broker, ["service", "batch"]).eval.id, svc.id);
  t.is(broker.tryDequeue(["service", "batch"]), undefined);
  t.is(take(broker, ["system"]).eval.id, sys.id);
});

test("core evals have their own queue", (t) => {
  const { broker } = setup();
  const gc = { ...evaluation(), type: "_core" } as unknown as Evaluation;
  broker.enqueue(gc);
  t.is(broker.tryDequeue(["service", "batch", "system", "sysbatch"]), undefined);
  t.is(take(broker, ["_core"]).eval.id, gc.id);
});

test("one eval per job is in flight; on ack the newest pending one is released and the others are cancelable", (t) => {
  const { broker } = setup();
  const first = evaluation({ jobId: "web" });
  const second = evaluation({ jobId: "web" });
  const third = evaluation({ jobId: "web" });
  const other = evaluation({ jobId: "db" });
  broker.enqueueAll([first, second, third, other]);
  t.like(broker.stats(), { totalReady: 2, totalPending: 2, jobsWithPending: 1 });

  const d1 = take(broker);
  t.is(d1.eval.id, first.id);
  t.is(take(broker).eval.id, other.id);
  t.is(broker.tryDequeue(["service"]), undefined, "web's other evals wait behind the one in flight");

  broker.ack(d1.eval.id, d1.token);
  t.like(broker.stats(), { totalReady: 1, totalPending: 0, totalCancelable: 1 });
  t.is(take(broker).eval.id, third.id, "the newest pending eval runs next");
  t.deepEqual(broker.cancelable().map((e) => e.id), [second.id]);
  t.deepEqual(broker.cancelable(), [], "cancelable drains");
});

test("a pending eval of higher priority is released before newer ones", (t) => {
  const { broker } = setup();
  const inflight = evaluation({ jobId: "web" });
  const urgent = evaluation({ jobId: "web", priority: 90 });
  const newer = evaluation({ jobId: "web" });
  broker.enqueueAll([inflight, urgent, newer]);
  const d = take(broker);
  broker.ack(d.eval.id, d.token);
  t.is(take(broker).eval.id, urgent.id);
});

test("the same job in another namespace is a different job", (t) => {
  const { broker } = setup();
  broker.enqueueAll([evaluation({ jobId: "web" }), evaluation({ jobId: "web", namespace: "prod" })]);
  take(broker);
  t.truthy(broker.tryDequeue(["service"]));
});

test("enqueueing an eval that is already queued does nothing", (t) => {
  const { broker } = setup();
  const e = evaluation();
  broker.enqueue(e);
  broker.enqueue(e);
  t.is(broker.stats().totalReady, 1);
});

test("a blocking dequeue wakes when an eval is enqueued", async (t) => {
  const { broker } = setup();
  const waiting = broker.dequeue(["service"], 5_000);
  t.is(broker.stats().waitingWorkers, 1);
  const e = evaluation();
  broker.enqueue(e);
  const d = await waiting;
  t.is(d?.eval.id, e.id);
  t.like(broker.stats(), { totalReady: 0, totalUnacked: 1, waitingWorkers: 0 });
});

test("blocked workers are served in arrival order and only with their types", async (t) => {
  const { broker } = setup();
  const batchWorker = broker.dequeue(["batch"], 0);
  const first = broker.dequeue(["service"], 0);
  const second = broker.dequeue(["service"], 0);
  const a = evaluation();
  const b = evaluation();
  broker.enqueueAll([a, b]);
  t.is((await first)?.eval.id, a.id);
  t.is((await second)?.eval.id, b.id);
  t.is(broker.stats().waitingWorkers, 1, "the batch worker still waits");
  const c = evaluation({ type: "batch" });
  broker.enqueue(c);
  t.is((await batchWorker)?.eval.id, c.id);
});

test("a blocking dequeue resolves undefined after its timeout", async (t) => {
  const { broker, timers } = setup();
  const waiting = broker.dequeue(["service"], 500);
  timers.advance(499);
  t.is(broker.stats().waitingWorkers, 1);
  timers.advance(1);
  t.is(await waiting, undefined);
  t.is(broker.stats().waitingWorkers, 0);
  broker.enqueue(evaluation());
  t.is(broker.stats().totalReady, 1, "a timed-out worker takes nothing");
});

test("an aborted dequeue resolves undefined", async (t) => {
  const { broker } = setup();
  const ac = new AbortController();
  const waiting = broker.dequeue(["service"], 0, ac.signal);
  ac.abort();
  t.is(await waiting, undefined);
  t.is(broker.stats().waitingWorkers, 0);
});

test("a nacked eval is ready again after 1 s the first time and 20 s after that", (t) => {
  const { broker, timers } = setup({ deliveryLimit: 5 });
  const e = evaluation();
  broker.enqueue(e);
  const d1 = take(broker);
  broker.nack(e.id, d1.token);
  t.like(broker.stats(), { totalWaiting: 1, totalReady: 0, totalUnacked: 0 });
  timers.advance(999);
  t.is(broker.tryDequeue(["service"]), undefined);
  timers.advance(1);
  const d2 = take(broker);
  t.not(d2.token, d1.token);
  broker.nack(e.id, d2.token);
  timers.advance(19_999);
  t.is(broker.tryDequeue(["service"]), undefined);
  timers.advance(1);
  t.is(take(broker).eval.id, e.id);
});

test("a nacked eval keeps its job's slot: pending evals of the job still wait", (t) => {
  const { broker, timers } = setup();
  const e = evaluation({ jobId: "web" });
  const later = evaluation({ jobId: "web" });
  broker.enqueueAll([e, later]);
  const d = take(broker);
  broker.nack(e.id, d.token);
  timers.advance(1_000);
  t.is(take(broker).eval.id, e.id);
  t.is(broker.tryDequeue(["service"]), undefined);
});

test("an eval not acked within the nack timeout is redelivered", (t) => {
  const { broker, timers } = setup();
  const e = evaluation();
  broker.enqueue(e);
  const d1 = take(broker);
  timers.advance(59_999);
  t.is(broker.outstanding(e.id), d1.token);
  timers.advance(1);
  t.is(broker.outstanding(e.id), undefined);
  t.like(broker.stats(), { totalUnacked: 0, totalWaiting: 1 });
  timers.advance(1_000);
  const d2 = take(broker);
  t.is(d2.eval.id, e.id);
  t.not(d2.token, d1.token);
});

test("outstandingReset pushes redelivery back by a full nack timeout", (t) => {
  const { broker, timers } = setup();
  const e = evaluation();
  broker.enqueue(e);
  const d = take(broker);
  timers.advance(50_000);
  broker.outstandingReset(e.id, d.token);
  timers.advance(50_000);
  t.is(broker.outstanding(e.id), d.token, "still with the worker 100 s after delivery");
  timers.advance(10_000);
  t.is(broker.outstanding(e.id), undefined);
});

test("a paused nack timeout never fires until resumed", (t) => {
  const { broker, timers } = setup();
  const e = evaluation();
  broker.enqueue(e);
  const d = take(broker);
  broker.pauseNackTimeout(e.id, d.token);
  timers.advance(600_000);
  t.is(broker.outstanding(e.id), d.token);
  broker.resumeNackTimeout(e.id, d.token);
  timers.advance(60_000);
  t.is(broker.outstanding(e.id), undefined);
});

test("after the delivery limit the eval goes to the failed queue; draining it releases the job", (t) => {
  const { broker, timers } = setup();
  const e = evaluation({ jobId: "web" });
  const next = evaluation({ jobId: "web" });
  broker.enqueueAll([e, next]);
  for (let i = 0; i < 3; i++) {
    const d = take(broker);
    t.is(d.eval.id, e.id);
    broker.nack(e.id, d.token);
    timers.advance(20_000);
  }
  t.like(broker.stats(), { totalFailed: 1, totalReady: 0, totalWaiting: 0 });
  t.is(broker.tryDequeue(["service"]), undefined, "the job's next eval waits until the failed one is handled");
  t.deepEqual(broker.failed().map((f) => f.id), [e.id]);
  t.is(broker.stats().totalFailed, 0);
  t.is(take(broker).eval.id, next.id);
});

test("redeliveries by timeout count towards the delivery limit", (t) => {
  const { broker, timers } = setup({ deliveryLimit: 2 });
  const e = evaluation();
  broker.enqueue(e);
  take(broker);
  timers.advance(60_000 + 1_000);
  take(broker);
  timers.advance(60_000);
  t.deepEqual(broker.failed().map((f) => f.id), [e.id]);
});

test("a stale token is rejected on ack and nack after a redelivery", (t) => {
  const { broker, timers } = setup();
  const e = evaluation();
  broker.enqueue(e);
  const stale = take(broker);
  timers.advance(61_000);
  const fresh = take(broker);
  const err = t.throws(() => broker.ack(e.id, stale.token), { instanceOf: EvalTokenMismatchError });
  t.regex(err?.message ?? "", /redelivered/);
  t.throws(() => broker.nack(e.id, stale.token), { instanceOf: EvalTokenMismatchError });
  t.throws(() => broker.outstandingReset(e.id, stale.token), { instanceOf: EvalTokenMismatchError });
  broker.ack(e.id, fresh.token);
  t.throws(() => broker.ack(e.id, fresh.token), { instanceOf: EvalNotOutstandingError });
});

test("an ack while the eval waits out its nack delay is rejected", (t) => {
  const { broker, timers } = setup();
  const e = evaluation();
  broker.enqueue(e);
  const d = take(broker);
  timers.advance(60_000);
  t.throws(() => broker.ack(e.id, d.token), { instanceOf: EvalNotOutstandingError });
});

test("delayed evals become ready at their waitUntil time, earliest first", (t) => {
  const { broker, timers } = setup();
  const later = evaluation({ waitUntilMs: timers.now() + 10_000 });
  const sooner = evaluation({ waitUntilMs: timers.now() + 5_000 });
  const past = evaluation({ waitUntilMs: timers.now() - 1 });
  broker.enqueueAll([later, sooner, past]);
  t.like(broker.stats(), { totalDelayed: 2, totalReady: 1 });
  t.is(take(broker).eval.id, past.id);
  timers.advance(4_999);
  t.is(broker.tryDequeue(["service"]), undefined);
  timers.advance(1);
  t.is(take(broker).eval.id, sooner.id);
  timers.advance(5_000);
  t.is(take(broker).eval.id, later.id);
  t.is(broker.stats().totalDelayed, 0);
  t.is(timers.timerCount, 3, "only the three nack timeouts remain");
});

test("a delayed eval wakes a blocked worker when it becomes ready", async (t) => {
  const { broker, timers } = setup();
  const e = evaluation({ waitUntilMs: timers.now() + 1_000 });
  broker.enqueue(e);
  const waiting = broker.dequeue(["service"], 0);
  timers.advance(1_000);
  t.is((await waiting)?.eval.id, e.id);
});

test("disabling flushes everything and wakes blocked workers; a disabled broker ignores enqueues", async (t) => {
  const { broker, timers } = setup();
  broker.enqueueAll([evaluation({ jobId: "a" }), evaluation({ jobId: "a" }), evaluation({ waitUntilMs: timers.now() + 1_000 })]);
  const d = take(broker);
  const waiting = broker.dequeue(["batch"], 0);
  broker.setEnabled(false);
  t.is(await waiting, undefined);
  t.like(broker.stats(), { totalReady: 0, totalUnacked: 0, totalPending: 0, totalDelayed: 0, waitingWorkers: 0 });
  t.is(timers.timerCount, 0, "no timers left behind");
  t.throws(() => broker.ack(d.eval.id, d.token), { instanceOf: EvalNotOutstandingError });
  broker.enqueue(evaluation());
  t.is(broker.stats().totalReady, 0);
  t.is(await broker.dequeue(["service"], 1_000), undefined);
  broker.setEnabled(true);
  broker.enqueue(evaluation());
  t.is(broker.stats().totalReady, 1);
});

test("an eval enqueued again while a worker holds it runs again after the ack", (t) => {
  const { broker } = setup();
  const e = evaluation();
  broker.enqueue(e);
  const d = take(broker);
  broker.enqueue(e);
  t.is(broker.stats().totalReady, 0);
  broker.ack(e.id, d.token);
  t.is(take(broker).eval.id, e.id);
});

test("stats count ready, unacked, pending, waiting and delayed evals per queue", (t) => {
  const { broker, timers } = setup();
  broker.enqueueAll([
    evaluation({ jobId: "a" }),
    evaluation({ jobId: "a" }),
    evaluation({ jobId: "a" }),
    evaluation({ jobId: "b" }),
    evaluation({ jobId: "c", type: "batch" }),
    evaluation({ jobId: "d", type: "batch" }),
    evaluation({ jobId: "e", type: "system", waitUntilMs: timers.now() + 1 }),
  ]);
  const a = take(broker);
  take(broker, ["batch"]);
  const b = take(broker);
  broker.nack(b.eval.id, b.token);
  t.deepEqual(broker.stats(), {
    totalReady: 1,
    totalUnacked: 2,
    totalPending: 2,
    jobsWithPending: 1,
    totalWaiting: 1,
    totalDelayed: 1,
    totalFailed: 0,
    totalCancelable: 0,
    waitingWorkers: 0,
    byQueue: {
      service: { ready: 0, unacked: 1 },
      batch: { ready: 1, unacked: 1 },
      system: { ready: 0, unacked: 0 },
      sysbatch: { ready: 0, unacked: 0 },
      _core: { ready: 0, unacked: 0 },
    },
  });
  t.is(a.eval.jobId, "a");
});

test("throughput: enqueue, dequeue and ack 100k evals", (t) => {
  const { broker } = setup();
  const n = 100_000;
  const evals = Array.from({ length: n }, (_, i) =>
    evaluation({ jobId: `job-${i % 20_000}`, priority: 10 + (i % 90), type: i % 4 === 0 ? "batch" : "service" }));
  const start = process.hrtime.bigint();
  broker.enqueueAll(evals);
  let done = 0;
  for (;;) {
    const d = broker.tryDequeue(["service", "batch"]);
    if (!d) break;
    broker.ack(d.eval.id, d.token);
    done++;
  }
  const cancelled = broker.cancelable().length;
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  t.is(done + cancelled, n);
  t.like(broker.stats(), { totalReady: 0, totalUnacked: 0, totalPending: 0 });
  t.log(`${n} evals (20k jobs): ${done} run, ${cancelled} superseded, ${ms.toFixed(0)} ms, ${Math.round(n / (ms / 1000))} evals/s`);

  const distinct = Array.from({ length: n }, () => evaluation());
  const start2 = process.hrtime.bigint();
  broker.enqueueAll(distinct);
  for (let d = broker.tryDequeue(["service"]); d; d = broker.tryDequeue(["service"])) broker.ack(d.eval.id, d.token);
  const ms2 = Number(process.hrtime.bigint() - start2) / 1e6;
  t.log(`${n} evals of distinct jobs: ${ms2.toFixed(0)} ms, ${Math.round(n / (ms2 / 1000))} evals/s`);
  t.is(broker.stats().totalReady, 0);
});
