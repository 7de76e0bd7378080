import test from "ava";
import { StateRestoreError, StateStore, type StateSnapshot } from "../../../server/state/index.js";
import { allocation, deployment, deploymentState, evaluation, group, Harness, job, node, withoutJob } from "./fixtures.js";

/** Every table and index of a snapshot, as plain data. */
function dump(s: StateSnapshot): Record<string, unknown> {
  const d = s.data;
  const out: Record<string, unknown> = { latestIndex: d.latestIndex, tableIndexes: d.tableIndexes };
  for (const [name, value] of Object.entries(d)) {
    if (typeof value === "object" && value !== null && "entries" in value && typeof value.entries === "function") {
      out[name] = (value.entries as () => unknown)();
    }
  }
  return out;
}

function busyStore(): Harness {
  const h = new Harness();
  h.apply({ type: "node.register", node: node("n1") });
  h.apply({ type: "node.register", node: node("n2", { drainStrategy: { deadlineMs: 1, ignoreSystemJobs: false, forceDeadlineMs: 0, startedAtMs: 1 } }) });
  h.apply({ type: "job.register", job: job("web", { taskGroups: [group("web", 2)] }), eval: evaluation("e1") });
  h.apply({ type: "job.register", job: job("web", { priority: 80, taskGroups: [group("web", 2)] }), eval: evaluation("e2") });
  h.apply({ type: "job.stability", namespace: "default", jobId: "web", version: 0, stable: true });
  h.apply({ type: "job.register", job: job("batch", { type: "batch", namespace: "prod" }) });
  const web = h.snap.job("default", "web");
  if (!web) throw new Error("no job");
  h.apply({
    type: "alloc.upsert", job: web,
    deployment: deployment("d1", "web", { taskGroups: { web: deploymentState({ desiredTotal: 2 }) } }),
    allocs: [withoutJob(allocation("a1", web, "n1", { deploymentId: "d1" })), withoutJob(allocation("a2", web, "n2", { deploymentId: "d1", evalId: "e2" }))],
  });
  h.apply({ type: "alloc.clientUpdate", updates: [{ allocId: "a1", clientStatus: "running", clientDescription: "", taskStates: {}, modifyTimeMs: 5, deploymentStatus: { healthy: true, timestampMs: 5, canary: false, modifyIndex: 0 } }] });
  h.apply({ type: "eval.upsert", evals: [evaluation("e2", "web", { status: "complete", queuedAllocations: { web: 0 } }), evaluation("b1", "batch", { namespace: "prod", status: "blocked" })] });
  h.apply({ type: "var.put", path: "app/config", items: { a: "1" }, timeMs: 7 });
  h.apply({ type: "var.put", namespace: "prod", path: "app/config", items: { b: "2" } });
  return h;
}

test("persist and restore round-trip every table, index and secondary index exactly", (t) => {
  const h = busyStore();
  const bytes = h.store.persist();
  const restored = StateStore.restore(bytes);
  t.is(restored.latestIndex, h.store.latestIndex);
  t.deepEqual(dump(restored.snapshot()), dump(h.snap));
  t.deepEqual(restored.snapshot().data.jobCounts.entries(), h.snap.data.jobCounts.entries(), "derived counters are rebuilt identically");
  for (const name of ["allocs", "allocsByNode", "jobs", "evals"] as const) t.deepEqual(restored.snapshot().data[name].check(), []);
  const a1 = restored.snapshot().alloc("a1");
  const a2 = restored.snapshot().alloc("a2");
  t.is(a1?.job, a2?.job, "allocations that shared a job share it again");
});

test("a restored store keeps applying where the snapshot left off", (t) => {
  const h = busyStore();
  const restored = StateStore.restore(h.store.persist());
  const index = h.store.latestIndex + 1;
  const cmd = { type: "job.register", job: job("web", { priority: 10, taskGroups: [group("web", 2)] }) } as const;
  t.deepEqual(restored.apply(index, cmd), h.store.apply(index, cmd));
  t.deepEqual(dump(restored.snapshot()), dump(h.snap));
  t.like(restored.apply(index, cmd), { ok: false, code: "stale-index" });
});

test("restore replaces everything that was there", (t) => {
  const empty = new Harness().store.persist();
  const h = busyStore();
  h.store.restore(empty);
  t.is(h.store.latestIndex, 0);
  t.deepEqual(h.snap.jobs(), []);
  t.deepEqual(h.snap.allocsByNode("n1"), []);
  t.is(h.store.tableIndex("allocs"), 0);
});

test("restoring something that is not a snapshot fails clearly and leaves the state alone", (t) => {
  const h = busyStore();
  const before = h.store.snapshot();
  const enc = new TextEncoder();
  t.throws(() => h.store.restore(enc.encode("hello")), { instanceOf: StateRestoreError, message: /not a state snapshot/ });
  t.throws(() => h.store.restore(enc.encode("nomadish-state 99\n{}")), { instanceOf: StateRestoreError, message: /version 99 is not supported/ });
  t.throws(() => h.store.restore(enc.encode("nomadish-state 1\n{\"latestIndex\": 3,")), { instanceOf: StateRestoreError, message: /corrupt/ });
  t.throws(() => h.store.restore(enc.encode("nomadish-state 1\n{\"latestIndex\": 3}")), { instanceOf: StateRestoreError, message: /missing its "jobPool" table/ });
  t.throws(() => h.store.restore(new Uint8Array([0xff, 0xfe, 0x00])), { instanceOf: StateRestoreError });
  t.is(h.store.snapshot(), before);
});
