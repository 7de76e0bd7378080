import test from "ava";
import { allocation, evaluation, Harness, job, node } from "./fixtures.js";

test("a snapshot taken before 1,000 applies still shows the state it was taken at", (t) => {
  const h = new Harness();
  h.apply({ type: "node.register", node: node("n1") });
  h.apply({ type: "job.register", job: job("web") });
  h.apply({ type: "var.put", path: "p", items: { v: "0" } });
  const web = h.snap.job("default", "web");
  if (!web) return t.fail();
  h.apply({ type: "alloc.upsert", allocs: [allocation("a0", web)] });
  const before = h.store.snapshot();
  const beforeJob = before.job("default", "web");
  const beforeAlloc = before.alloc("a0");

  for (let i = 1; i <= 1000; i++) {
    switch (i % 5) {
      case 0: h.apply({ type: "var.put", path: "p", items: { v: String(i) } }); break;
      case 1: h.apply({ type: "alloc.upsert", allocs: [allocation(`a${i}`, web)] }); break;
      case 2: h.apply({ type: "alloc.clientUpdate", updates: [{ allocId: "a0", clientStatus: "running", clientDescription: `#${i}`, taskStates: {}, modifyTimeMs: i }] }); break;
      case 3: h.apply({ type: "job.register", job: job("web", { priority: 1 + (i % 90) }) }); break;
      default: h.apply({ type: "eval.upsert", evals: [evaluation(`e${i}`)] });
    }
  }
  h.apply({ type: "node.deregister", nodeIds: ["n1"] });

  t.is(before.index, 4);
  t.is(before.node("n1")?.id, "n1");
  t.is(before.variable("p")?.items["v"], "0");
  t.is(before.job("default", "web"), beforeJob);
  t.is(before.job("default", "web")?.version, 0);
  t.is(before.alloc("a0"), beforeAlloc);
  t.is(before.alloc("a0")?.clientStatus, "pending");
  t.deepEqual(before.allocsByJob("default", "web").map((a) => a.id), ["a0"]);
  t.deepEqual(before.evals(), []);
  t.is(before.tableIndex("allocs"), 4);

  const after = h.store.snapshot();
  t.is(after.index, 1005);
  t.is(after.node("n1"), undefined);
  t.is(after.allocsByJob("default", "web").length, 201);
  t.is(after.alloc("a0")?.clientDescription, "#997");
});

test("taking a snapshot and writing one row does not copy the table", (t) => {
  const h = new Harness();
  const web = job("web");
  h.apply({ type: "job.register", job: web });
  const stored = h.snap.job("default", "web");
  if (!stored) return t.fail();
  // 20,000 rows, applied in batches as plans would.
  for (let b = 0; b < 20; b++) {
    h.apply({ type: "alloc.upsert", job: stored, allocs: Array.from({ length: 1000 }, (_, i) => {
      const { job: _job, ...rest } = allocation(`a${b}-${i}`, stored, `n${i % 50}`);
      return rest;
    }) });
  }
  t.is(h.snap.count("allocs"), 20_000);

  const snapshots = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) {
    snapshots.push(h.store.snapshot());
    h.apply({ type: "alloc.clientUpdate", updates: [{ allocId: `a${i % 20}-${i}`, clientStatus: "running", clientDescription: "", taskStates: {}, modifyTimeMs: i }] });
  }
  const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  t.log(`1,000 snapshot + write pairs over 20,000 rows: ${elapsedMs.toFixed(1)} ms`);
  // Copying the table on either side would cost about 20,000 × 1,000 row copies (seconds).
  t.true(elapsedMs < 500, `took ${elapsedMs} ms`);
  t.is(snapshots[0]?.alloc("a0-0")?.clientStatus, "pending");
  t.is(snapshots[999]?.alloc("a0-0")?.clientStatus, "running");
  t.is(h.snap.alloc("a19-999")?.clientStatus, "running");
});

test("a snapshot of an unchanged store is the same object", (t) => {
  const h = new Harness();
  h.apply({ type: "var.put", path: "p", items: {} });
  t.is(h.store.snapshot(), h.store.snapshot());
});
