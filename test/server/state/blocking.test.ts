import test from "ava";
import { IndexWaitTimeoutError, StateStore } from "../../../server/state/index.js";
import { evaluation, Harness, job, node } from "./fixtures.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a blocking query returns at once when a table is already past the index", async (t) => {
  const h = new Harness();
  h.apply({ type: "node.register", node: node("n1") });
  h.apply({ type: "job.register", job: job("web") });
  const start = Date.now();
  const r = await h.store.blockingQuery(1, 5_000, ["jobs"], (s) => s.jobs().map((j) => j.id));
  t.deepEqual(r, { value: ["web"], index: 2 });
  t.true(Date.now() - start < 1_000);
});

test("a blocking query wakes when its table changes, not when another one does", async (t) => {
  const h = new Harness();
  h.apply({ type: "job.register", job: job("web") });
  let settled = false;
  const pending = h.store.blockingQuery(1, 10_000, ["nodes"], (s) => s.nodes().map((n) => n.id)).then((r) => {
    settled = true;
    return r;
  });
  await sleep(10);
  h.apply({ type: "job.register", job: job("other") });
  h.apply({ type: "var.put", path: "x", items: {} });
  await sleep(20);
  t.false(settled, "changes to other tables do not wake it");
  h.apply({ type: "node.register", node: node("n1") });
  const r = await pending;
  t.deepEqual(r, { value: ["n1"], index: 4 });
});

test("a blocking query over several tables wakes for any of them", async (t) => {
  const h = new Harness();
  h.apply({ type: "job.register", job: job("web") });
  const pending = h.store.blockingQuery(1, 10_000, ["allocs", "evals"], (s) => s.index);
  await sleep(5);
  h.apply({ type: "eval.upsert", evals: [] });
  h.apply({ type: "var.put", path: "x", items: {} });
  h.apply({ type: "eval.upsert", evals: [evaluation("e1")] });
  t.deepEqual(await pending, { value: 4, index: 4 });
});

test("a blocking query times out with the current value and index", async (t) => {
  const h = new Harness();
  h.apply({ type: "node.register", node: node("n1") });
  const start = Date.now();
  const r = await h.store.blockingQuery(1, 60, ["nodes"], (s) => s.nodes().length);
  const waited = Date.now() - start;
  t.deepEqual(r, { value: 1, index: 1 });
  t.true(waited >= 55, `waited ${waited} ms`);
  t.true(waited < 1_000, `waited ${waited} ms`);
});

test("a blocking query on untouched tables reports index 1 rather than 0", async (t) => {
  const store = new StateStore({ blockingQueryJitterFraction: 0 });
  const r = await store.blockingQuery(0, 1_000, ["deployments"], (s) => s.deployments().length);
  t.deepEqual(r, { value: 0, index: 1 });
});

test("the wait is capped and jittered by the options", async (t) => {
  const store = new StateStore({ maxBlockingQueryMs: 30, blockingQueryJitterFraction: 1 }, { random: () => 0.5 });
  const start = Date.now();
  await store.blockingQuery(5, 60_000, ["jobs"], () => null);
  const waited = Date.now() - start;
  t.true(waited >= 40 && waited < 1_000, `waited ${waited} ms (30 ms + 15 ms jitter)`);
});

test("aborting a blocking query rejects it with the signal's reason", async (t) => {
  const h = new Harness();
  const controller = new AbortController();
  const pending = h.store.blockingQuery(5, 10_000, ["jobs"], () => 1, controller.signal);
  setTimeout(() => controller.abort(new Error("client went away")), 5);
  await t.throwsAsync(pending, { message: "client went away" });
  h.apply({ type: "job.register", job: job("web") });
  const already = new AbortController();
  already.abort();
  const reason: unknown = await h.store.blockingQuery(5, 10_000, ["jobs"], () => 1, already.signal).catch((err: unknown) => err);
  t.is((reason as { name?: string }).name, "AbortError");
});

test("a restore wakes blocking queries with the restored state", async (t) => {
  const source = new Harness();
  source.apply({ type: "node.register", node: node("n1") });
  source.apply({ type: "job.register", job: job("web") });
  const bytes = source.store.persist();

  const h = new Harness();
  h.apply({ type: "var.put", path: "x", items: {} });
  const pending = h.store.blockingQuery(5, 10_000, ["jobs"], (s) => s.jobs().map((j) => j.id));
  await sleep(5);
  h.store.restore(bytes);
  t.deepEqual(await pending, { value: ["web"], index: 2 });
});

test("waiting for an index resolves once it is applied, even by a no-op entry", async (t) => {
  const h = new Harness();
  const pending = h.store.snapshotMinIndex(3, 5_000);
  h.apply({ type: "var.put", path: "x", items: {} });
  h.apply({ type: "var.put", path: "y", items: {}, checkIndex: 9 });
  h.store.advanceIndex(3);
  const snap = await pending;
  t.is(snap.index, 3);
  await t.throwsAsync(h.store.snapshotMinIndex(10, 20), { instanceOf: IndexWaitTimeoutError, message: /did not reach index 10/ });
});
