import test from "ava";
import {
  EventIndexTooOldError, SubscriptionClosedError, type EventBatch, type EventSubscription,
} from "../../../server/state/index.js";
import { allocation, evaluation, Harness, job, node } from "./fixtures.js";

/** Reads `n` batches, failing the test instead of hanging when they do not come. */
async function take(sub: EventSubscription, n: number, timeoutMs = 2_000): Promise<EventBatch[]> {
  const out: EventBatch[] = [];
  const deadline = setTimeout(() => sub.end(), timeoutMs);
  try {
    for await (const batch of sub) {
      out.push(batch);
      if (out.length === n) break;
    }
  } finally {
    clearTimeout(deadline);
  }
  return out;
}

function summary(batches: EventBatch[]): string[] {
  return batches.flatMap((b) => b.events.map((e) => `${b.index} ${e.topic}:${e.type}:${e.key}`));
}

test("each apply publishes the events of its index, with the rows as payload", async (t) => {
  const h = new Harness();
  h.apply({ type: "node.register", node: node("n1") });
  h.apply({ type: "job.register", job: job("web"), eval: evaluation("e1") });
  h.apply({ type: "var.put", path: "secret/db", items: { password: "hunter2" } });
  const batches = await take(h.store.events.subscribe({ topics: { "*": ["*"] }, fromIndex: 0 }), 3);
  t.deepEqual(summary(batches), [
    "1 Node:NodeRegistration:n1",
    "2 Job:JobRegistered:web",
    "2 Evaluation:EvaluationUpdated:e1",
    "3 Variable:VariableUpserted:secret/db",
  ]);
  const nodeEvent = batches[0]?.events[0];
  if (nodeEvent?.topic !== "Node") return t.fail();
  t.is(nodeEvent.payload.node.secretId, "", "the node secret is never published");
  const varEvent = batches[2]?.events[0];
  if (varEvent?.topic !== "Variable") return t.fail();
  t.false("items" in varEvent.payload.variable, "variable items are never published");
  const jobEvent = batches[1]?.events[0];
  if (jobEvent?.topic !== "Job") return t.fail();
  t.like(jobEvent, { namespace: "default", index: 2, payload: { job: { id: "web", status: "pending" } } });
});

test("a subscriber replays from an index and then receives live events", async (t) => {
  const h = new Harness();
  for (let i = 1; i <= 5; i++) h.apply({ type: "var.put", path: `v${i}`, items: {} });
  const sub = h.store.events.subscribe({ topics: { Variable: ["*"] }, fromIndex: 3 });
  const reading = take(sub, 4);
  setTimeout(() => {
    h.apply({ type: "var.put", path: "v6", items: {} });
    h.apply({ type: "var.put", path: "v7", items: {} });
  }, 5);
  t.deepEqual((await reading).map((b) => b.index), [4, 5, 6, 7]);
  t.is(h.store.events.subscriberCount, 0, "breaking out of the loop unsubscribes");
});

test("without a start index only new events arrive", async (t) => {
  const h = new Harness();
  h.apply({ type: "var.put", path: "old", items: {} });
  const sub = h.store.events.subscribe({ topics: { Variable: ["*"] } });
  const reading = take(sub, 1);
  h.apply({ type: "var.put", path: "new", items: {} });
  t.deepEqual(summary(await reading), ["2 Variable:VariableUpserted:new"]);
});

test("subscribers get only the topics and keys they asked for, including by job id", async (t) => {
  const h = new Harness();
  h.apply({ type: "job.register", job: job("web"), eval: evaluation("e-web") });
  h.apply({ type: "job.register", job: job("db"), eval: evaluation("e-db", "db") });
  const web = h.snap.job("default", "web");
  if (!web) return t.fail();
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web, "n1")] });
  h.apply({ type: "node.register", node: node("n1") });
  h.apply({ type: "job.register", job: job("web", { namespace: "prod" }) });

  const byJob = await take(h.store.events.subscribe({ topics: { Evaluation: ["web"], Allocation: ["web"] }, namespace: "default", fromIndex: 0 }), 2);
  t.deepEqual(summary(byJob), ["1 Evaluation:EvaluationUpdated:e-web", "3 Allocation:AllocationCreated:a1"]);

  const jobs = await take(h.store.events.subscribe({ topics: { Job: ["web"] }, fromIndex: 0 }), 3);
  t.deepEqual(summary(jobs), ["1 Job:JobRegistered:web", "3 Job:JobStatusUpdated:web", "5 Job:JobRegistered:web"]);
  const onNode = await take(h.store.events.subscribe({ topics: { Allocation: ["n1"], Node: ["*"] }, namespace: "prod", fromIndex: 0 }), 1);
  t.deepEqual(summary(onNode), ["4 Node:NodeRegistration:n1"], "node events have no namespace and pass any namespace filter; the alloc is in default");
});

test("a row changed twice in one index yields one event with its final state", async (t) => {
  const h = new Harness();
  h.apply({ type: "job.register", job: job("web") });
  const web = h.snap.job("default", "web");
  if (!web) return t.fail();
  // The placement changes the job's status in the same index.
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web)], evals: [evaluation("e1", "web", { status: "complete" })] });
  const [batch] = await take(h.store.events.subscribe({ topics: { Job: ["*"] }, fromIndex: 1 }), 1);
  t.deepEqual(summary(batch ? [batch] : []), ["2 Job:JobStatusUpdated:web"]);
  const jobEvent = batch?.events[0];
  t.true(jobEvent?.topic === "Job" && jobEvent.payload.job.status === "running");
});

test("a start index older than the buffer is reported so the client can re-sync", (t) => {
  const h = new Harness({ eventBufferSize: 4, maxSubscriberLagBatches: 4 });
  for (let i = 1; i <= 10; i++) h.apply({ type: "var.put", path: `v${i}`, items: {} });
  const err = t.throws(() => h.store.events.subscribe({ topics: { "*": ["*"] }, fromIndex: 2 }), { instanceOf: EventIndexTooOldError });
  t.is(err?.oldestAvailableIndex, 6);
  t.notThrows(() => h.store.events.subscribe({ topics: { "*": ["*"] }, fromIndex: 6 }).end());
});

test("a subscriber that falls too far behind is dropped with an error", async (t) => {
  const h = new Harness({ eventBufferSize: 8, maxSubscriberLagBatches: 3 });
  const sub = h.store.events.subscribe({ topics: { "*": ["*"] }, fromIndex: 0 });
  for (let i = 1; i <= 5; i++) h.apply({ type: "var.put", path: `v${i}`, items: {} });
  const err = await t.throwsAsync(sub.next(), { instanceOf: SubscriptionClosedError });
  t.is(err?.reason, "too-slow");
  t.deepEqual(await sub.next(), { done: true, value: undefined });
  t.is(h.store.events.subscriberCount, 0);
});

test("aborting a subscription ends the loop without an error", async (t) => {
  const h = new Harness();
  const controller = new AbortController();
  const sub = h.store.events.subscribe({ topics: { "*": ["*"] }, signal: controller.signal });
  const reading = (async () => {
    const seen: number[] = [];
    for await (const batch of sub) seen.push(batch.index);
    return seen;
  })();
  h.apply({ type: "var.put", path: "a", items: {} });
  await new Promise((resolve) => setTimeout(resolve, 5));
  controller.abort();
  t.deepEqual(await reading, [1]);
  t.is(h.store.events.subscriberCount, 0);
});

test("a restore closes subscriptions and later ones start after the restored index", async (t) => {
  const source = new Harness();
  source.apply({ type: "var.put", path: "a", items: {} });
  source.apply({ type: "var.put", path: "b", items: {} });
  const h = new Harness();
  h.apply({ type: "var.put", path: "x", items: {} });
  const sub = h.store.events.subscribe({ topics: { "*": ["*"] }, fromIndex: 0 });
  const next = sub.next();
  h.store.restore(source.store.persist());
  // The replayed batch of index 1 comes first, then the reset.
  t.like(await next, { done: false, value: { index: 1 } });
  const err = await t.throwsAsync(sub.next(), { instanceOf: SubscriptionClosedError });
  t.is(err?.reason, "reset");
  t.throws(() => h.store.events.subscribe({ topics: { "*": ["*"] }, fromIndex: 1 }), { instanceOf: EventIndexTooOldError });
  const fresh = h.store.events.subscribe({ topics: { "*": ["*"] }, fromIndex: 2 });
  h.index = 2;
  const reading = take(fresh, 1);
  h.apply({ type: "var.put", path: "c", items: {} });
  t.deepEqual(summary(await reading), ["3 Variable:VariableUpserted:c"]);
});

test("failed commands publish nothing", async (t) => {
  const h = new Harness();
  h.apply({ type: "var.put", path: "a", items: {}, checkIndex: 0 });
  h.apply({ type: "var.put", path: "a", items: {}, checkIndex: 0 });
  h.apply({ type: "node.status", nodeId: "ghost", status: "down", updatedAtMs: 0 });
  h.apply({ type: "var.put", path: "b", items: {} });
  t.deepEqual((await take(h.store.events.subscribe({ topics: { "*": ["*"] }, fromIndex: 0 }), 2)).map((b) => b.index), [1, 4]);
});

test("the buffer also bounds the number of events it keeps", async (t) => {
  const h = new Harness({ eventBufferSize: 100, eventBufferMaxEvents: 5 });
  h.apply({ type: "eval.upsert", evals: [evaluation("e1"), evaluation("e2"), evaluation("e3")] });
  h.apply({ type: "eval.upsert", evals: [evaluation("e4"), evaluation("e5")] });
  h.apply({ type: "var.put", path: "a", items: {} });
  t.throws(() => h.store.events.subscribe({ topics: { "*": ["*"] }, fromIndex: 0 }), { instanceOf: EventIndexTooOldError });
  t.deepEqual((await take(h.store.events.subscribe({ topics: { "*": ["*"] }, fromIndex: 1 }), 2)).map((b) => b.events.length), [2, 1]);
  h.apply({ type: "eval.upsert", evals: Array.from({ length: 9 }, (_, i) => evaluation(`big${i}`)) });
  t.deepEqual((await take(h.store.events.subscribe({ topics: { "*": ["*"] }, fromIndex: 3 }), 1)).map((b) => b.events.length), [9], "the newest batch is kept even when it alone is over the limit");
});

test("a successful eval cancels blocked evals counted across updates and deletes", (t) => {
  const h = new Harness();
  h.apply({ type: "eval.upsert", evals: [evaluation("b1", "web", { status: "blocked" }), evaluation("b2", "web", { status: "blocked" })] });
  h.apply({ type: "eval.upsert", evals: [evaluation("b1", "web", { status: "canceled" })] });
  h.apply({ type: "eval.delete", evalIds: ["b2"], allocIds: [] });
  h.apply({ type: "eval.upsert", evals: [evaluation("b3", "web", { status: "blocked" })] });
  h.apply({ type: "eval.upsert", evals: [evaluation("ok", "web", { status: "complete" })] });
  t.is(h.snap.eval("b3")?.status, "canceled");
  t.is(h.snap.eval("b1")?.statusDescription, "");
});
