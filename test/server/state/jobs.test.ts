import test from "ava";
import { JOB_TRACKED_VERSIONS } from "../../../server/state/index.js";
import { allocation, evaluation, group, Harness, job, withoutJob } from "./fixtures.js";

test("registering a new job stores version 0 stamped with the index, and its eval", (t) => {
  const h = new Harness();
  const result = h.apply({ type: "job.register", job: job("web"), eval: evaluation("e1") });
  t.like(result, { ok: true, index: 1, jobModifyIndex: 1, jobVersion: 0, jobChanged: true });
  const stored = h.snap.job("default", "web");
  t.like(stored, { version: 0, createIndex: 1, modifyIndex: 1, jobModifyIndex: 1, status: "pending" });
  t.like(h.snap.eval("e1"), { createIndex: 1, modifyIndex: 1, jobModifyIndex: 1 });
  t.deepEqual(h.snap.evalsByJob("default", "web").map((e) => e.id), ["e1"]);
  t.deepEqual(h.snap.jobVersions("default", "web").map((j) => j.version), [0]);
  t.is(h.snap.tableIndex("jobs"), 1);
  t.is(h.snap.tableIndex("evals"), 1);
  t.is(h.snap.tableIndex("nodes"), 0);
  t.deepEqual(h.snap.jobSummary("default", "web")?.summary, {
    web: { queued: 0, starting: 0, running: 0, failed: 0, complete: 0, lost: 0, unknown: 0 },
  });
});

test("registering an identical spec keeps the version; server-set fields do not count as changes", (t) => {
  const h = new Harness();
  h.apply({ type: "job.register", job: job("web") });
  const again = h.apply({
    type: "job.register",
    job: job("web", { status: "running", version: 9, submitTimeMs: 5, createIndex: 77, modifyIndex: 78, jobModifyIndex: 79 }),
    eval: evaluation("e2"),
  });
  t.like(again, { ok: true, jobChanged: false, jobVersion: 0, jobModifyIndex: 1 });
  t.like(h.snap.job("default", "web"), { version: 0, modifyIndex: 1, jobModifyIndex: 1, submitTimeMs: 1_700_000_000_000 });
  t.is(h.snap.eval("e2")?.jobModifyIndex, 1, "the eval is for the job as it stands");
  t.is(h.snap.tableIndex("jobs"), 1);
  t.is(h.snap.jobVersions("default", "web").length, 1);
});

test("a changed spec becomes the next version and keeps the create index", (t) => {
  const h = new Harness();
  h.apply({ type: "job.register", job: job("web") });
  const result = h.apply({ type: "job.register", job: job("web", { priority: 70 }) });
  t.like(result, { ok: true, jobChanged: true, jobVersion: 1, jobModifyIndex: 2 });
  t.like(h.snap.job("default", "web"), { version: 1, priority: 70, createIndex: 1, modifyIndex: 2, jobModifyIndex: 2 });
  t.deepEqual(h.snap.jobVersions("default", "web").map((j) => [j.version, j.priority]), [[1, 70], [0, 50]]);
  t.is(h.snap.jobVersion("default", "web", 0)?.priority, 50);
});

test("only the last six versions are kept", (t) => {
  const h = new Harness();
  for (let p = 1; p <= 10; p++) h.apply({ type: "job.register", job: job("web", { priority: p }) });
  const versions = h.snap.jobVersions("default", "web").map((j) => j.version);
  t.is(versions.length, JOB_TRACKED_VERSIONS);
  t.deepEqual(versions, [9, 8, 7, 6, 5, 4]);
  t.is(h.snap.jobVersion("default", "web", 3), undefined);
});

test("the newest stable version survives pruning so there is something to revert to", (t) => {
  const h = new Harness();
  h.apply({ type: "job.register", job: job("web", { priority: 1 }) });
  t.like(h.apply({ type: "job.stability", namespace: "default", jobId: "web", version: 0, stable: true }), { ok: true });
  for (let p = 2; p <= 8; p++) h.apply({ type: "job.register", job: job("web", { priority: p }) });
  const versions = h.snap.jobVersions("default", "web").map((j) => j.version);
  t.is(versions.length, JOB_TRACKED_VERSIONS);
  t.true(versions.includes(0));
  t.is(h.snap.latestStableJobVersion("default", "web")?.version, 0);
  t.true(h.snap.isJobVersionStable("default", "web", 0));
  t.like(h.apply({ type: "job.stability", namespace: "default", jobId: "web", version: 42, stable: true }), { ok: false, code: "not-found" });
});

test("stopping a job stores a stopped version; purging removes it with its history", (t) => {
  const h = new Harness();
  h.apply({ type: "job.register", job: job("web") });
  const stop = h.apply({ type: "job.deregister", namespace: "default", jobId: "web", purge: false, eval: evaluation("e1", "web", { triggeredBy: "job-deregister" }) });
  t.like(stop, { ok: true, jobVersion: 1, jobModifyIndex: 2 });
  t.like(h.snap.job("default", "web"), { stop: true, version: 1 });
  t.is(h.snap.eval("e1")?.jobModifyIndex, 2);
  const purge = h.apply({ type: "job.deregister", namespace: "default", jobId: "web", purge: true });
  t.like(purge, { ok: true });
  t.is(h.snap.job("default", "web"), undefined);
  t.deepEqual(h.snap.jobVersions("default", "web"), []);
  t.is(h.snap.jobSummary("default", "web"), undefined);
  t.deepEqual(h.snap.byPrefix("jobs", "w"), []);
  t.like(h.apply({ type: "job.deregister", namespace: "default", jobId: "nope", purge: false }), { ok: false, code: "not-found" });
  t.like(h.apply({ type: "job.deregister", namespace: "default", jobId: "nope", purge: true }), { ok: true });
});

test("scaling a group makes a new version with the new count", (t) => {
  const h = new Harness();
  h.apply({ type: "job.register", job: job("web", { taskGroups: [group("web", 1), group("db", 1)] }) });
  const result = h.apply({ type: "job.scale", namespace: "default", jobId: "web", group: "db", count: 3, eval: evaluation("e1", "web", { triggeredBy: "job-scaling" }) });
  t.like(result, { ok: true, jobVersion: 1 });
  t.deepEqual(h.snap.job("default", "web")?.taskGroups.map((g) => [g.name, g.count]), [["web", 1], ["db", 3]]);
  t.like(h.apply({ type: "job.scale", namespace: "default", jobId: "web", group: "cache", count: 1 }), { ok: false, code: "invalid" });
  t.like(h.apply({ type: "job.scale", namespace: "default", jobId: "nope", group: "web", count: 1 }), { ok: false, code: "not-found" });
});

test("jobs are listed by namespace and found by id prefix across namespaces", (t) => {
  const h = new Harness();
  h.apply({ type: "job.register", job: job("web") });
  h.apply({ type: "job.register", job: job("worker", { namespace: "prod" }) });
  h.apply({ type: "job.register", job: job("db", { namespace: "prod" }) });
  t.deepEqual(h.snap.jobs("prod").map((j) => j.id), ["db", "worker"]);
  t.deepEqual(h.snap.jobs().map((j) => `${j.namespace}/${j.id}`), ["default/web", "prod/db", "prod/worker"]);
  t.deepEqual(h.snap.byPrefix("jobs", "w").map((j) => `${j.namespace}/${j.id}`), ["default/web", "prod/worker"]);
  t.deepEqual(h.snap.byPrefix("jobs", "w", { namespace: "prod" }).map((j) => j.id), ["worker"]);
  t.deepEqual(h.snap.byPrefix("jobs", "", { limit: 2 }).length, 2);
});

test("a service job is pending, then running with live allocations, then dead once they stop", (t) => {
  const h = new Harness();
  h.apply({ type: "job.register", job: job("web"), eval: evaluation("e1") });
  t.is(h.snap.job("default", "web")?.status, "pending");
  const registered = h.snap.job("default", "web");
  if (!registered) return t.fail();
  h.apply({ type: "alloc.upsert", job: registered, allocs: [withoutJob(allocation("a1", registered))], evalId: "e1" });
  t.is(h.snap.job("default", "web")?.status, "running");
  h.apply({ type: "eval.upsert", evals: [evaluation("e1", "web", { status: "complete" })] });
  t.is(h.snap.job("default", "web")?.status, "running");
  h.apply({ type: "job.deregister", namespace: "default", jobId: "web", purge: false, eval: evaluation("e2", "web") });
  t.is(h.snap.job("default", "web")?.status, "running", "still running while its allocation has not been told to stop");
  h.apply({ type: "alloc.upsert", allocs: [], stopped: [{ allocId: "a1", desiredDescription: "alloc not needed due to job update" }] });
  t.is(h.snap.job("default", "web")?.status, "pending", "its deregistration eval is still pending");
  h.apply({ type: "eval.upsert", evals: [evaluation("e2", "web", { status: "complete" })] });
  t.is(h.snap.job("default", "web")?.status, "dead");
});

test("a batch job whose allocations complete is dead; system jobs run until stopped", (t) => {
  const h = new Harness();
  const batch = job("nightly", { type: "batch" });
  h.apply({ type: "job.register", job: batch, eval: evaluation("e1", "nightly", { status: "complete" }) });
  const stored = h.snap.job("default", "nightly");
  if (!stored) return t.fail();
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", stored)] });
  t.is(h.snap.job("default", "nightly")?.status, "running");
  h.apply({ type: "alloc.clientUpdate", updates: [{ allocId: "a1", clientStatus: "complete", clientDescription: "", taskStates: {}, modifyTimeMs: 2 }] });
  t.is(h.snap.job("default", "nightly")?.status, "dead");

  h.apply({ type: "job.register", job: job("agent", { type: "system" }) });
  t.is(h.snap.job("default", "agent")?.status, "running");
  h.apply({ type: "job.deregister", namespace: "default", jobId: "agent", purge: false });
  t.is(h.snap.job("default", "agent")?.status, "dead");
});

test("a job whose evaluations were all garbage collected is dead", (t) => {
  const h = new Harness();
  h.apply({ type: "job.register", job: job("web"), eval: evaluation("e1") });
  h.apply({ type: "eval.delete", evalIds: ["e1"], allocIds: [] });
  t.is(h.snap.job("default", "web")?.status, "dead");
});
