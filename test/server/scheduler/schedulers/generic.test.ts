// The generic scheduler over a real state store: placements, scaling, failures, lost nodes,
// destructive updates and batch jobs that are done.

import test from "ava";
import { ALLOC_LOST, ALLOC_NOT_NEEDED, ALLOC_UPDATING } from "../../../../server/scheduler/reconcile/index.js";
import { Cluster, group, job, node, placed, stopped, task } from "./fixtures.js";

const threeNodes = (): Cluster => new Cluster().nodes(node("n1"), node("n2"), node("n3"));

test("a count=3 service job on 3 nodes places 3 allocations, one per node", (t) => {
  const c = threeNodes();
  const j = c.register(job("web", { taskGroups: [group("web", 3)] }));
  const r = c.run(j);
  const allocs = placed(r);
  t.is(allocs.length, 3);
  t.deepEqual(allocs.map((a) => a.nodeId).sort(), ["n1", "n2", "n3"]);
  t.deepEqual(allocs.map((a) => a.name).sort(), ["web.web[0]", "web.web[1]", "web.web[2]"]);
  for (const a of allocs) {
    t.is(a.jobId, "web");
    t.is(a.job, j);
    t.is(a.taskGroup, "web");
    t.is(a.desiredStatus, "run");
    t.is(a.clientStatus, "pending");
    t.is(a.evalId, r.evalUpdate.id);
    t.is(a.allocatedResources.tasks["server"]?.memoryMb, 256);
    t.true(a.metrics.nodesEvaluated > 0);
  }
  t.is(new Set(allocs.map((a) => a.id)).size, 3);
  t.is(r.evalUpdate.status, "complete");
  t.deepEqual(r.evalUpdate.failedTgAllocs, {});
  t.deepEqual(r.evalUpdate.queuedAllocations, { web: 0 });
  t.is(r.blockedEval, undefined);
  t.is(r.plan.snapshotIndex, c.store.snapshot().index);
  t.deepEqual(stopped(r), []);
});

test("scaling a job from 3 to 1 stops 2 and places nothing", (t) => {
  const c = threeNodes();
  const j = c.register(job("web", { taskGroups: [group("web", 3)] }));
  c.commit(c.run(j));
  const scaled = c.register({ ...j, taskGroups: [group("web", 1)] });
  const r = c.run(scaled);
  t.true(placed(r).every((a) => a.createIndex !== 0), "no new allocations");
  const stops = stopped(r);
  t.is(stops.length, 2);
  t.true(stops.every((a) => a.desiredStatus === "stop" && a.desiredDescription === ALLOC_NOT_NEEDED));
  t.deepEqual(stops.map((a) => a.name).sort(), ["web.web[1]", "web.web[2]"]);
  // The one that stays only learns the new version in place.
  const kept = placed(r);
  t.true(kept.every((a) => a.name === "web.web[0]" && a.job.version === scaled.version));
});

test("a job needing more memory than any node fails with memory exhausted and a blocked eval", (t) => {
  const c = threeNodes();
  const big = group("web", 2, { tasks: [task("server", {}, { memoryMb: 100_000 })] });
  const j = c.register(job("web", { taskGroups: [big] }));
  const r = c.run(j);
  t.deepEqual(placed(r), []);
  const failed = r.evalUpdate.failedTgAllocs["web"];
  t.truthy(failed);
  t.is(failed?.dimensionExhausted["memory"], 3);
  t.is(failed?.coalescedFailures, 1);
  t.deepEqual(r.evalUpdate.queuedAllocations, { web: 2 });
  t.is(r.evalUpdate.status, "complete");
  t.truthy(r.blockedEval);
  t.is(r.blockedEval?.status, "blocked");
  t.is(r.blockedEval?.triggeredBy, "queued-allocs");
  t.is(r.blockedEval?.previousEval, r.evalUpdate.id);
  t.is(r.evalUpdate.blockedEval, r.blockedEval?.id ?? "missing");
  t.is(r.reblock, false);
});

test("a blocked eval that still cannot place is re-blocked, not duplicated", (t) => {
  const c = threeNodes();
  const j = c.register(job("web", { taskGroups: [group("web", 1, { tasks: [task("server", {}, { memoryMb: 100_000 })] })] }));
  const r = c.run(j, { status: "blocked", triggeredBy: "queued-allocs" });
  t.true(r.reblock);
  t.is(r.blockedEval, undefined);
  t.is(r.evalUpdate.status, "blocked");
});

test("a node going down marks its allocation lost and places a replacement elsewhere", (t) => {
  const c = threeNodes();
  const j = c.register(job("web", { taskGroups: [group("web", 3)] }));
  c.commit(c.run(j));
  const onN2 = c.allocs(j).find((a) => a.nodeId === "n2");
  c.nodeStatus("n2", "down");
  const r = c.run(j, { triggeredBy: "node-update" });
  const stops = stopped(r);
  t.is(stops.length, 1);
  t.is(stops[0]?.id, onN2?.id);
  t.is(stops[0]?.clientStatus, "lost");
  t.is(stops[0]?.desiredDescription, ALLOC_LOST);
  const repl = placed(r);
  t.is(repl.length, 1);
  t.not(repl[0]?.nodeId, "n2");
  t.is(repl[0]?.previousAllocation, onN2?.id);
  t.is(repl[0]?.name, onN2?.name);
  c.commit(r);
  t.is(c.store.snapshot().alloc(onN2?.id ?? "")?.nextAllocation, repl[0]?.id);
});

test("a destructive update stops each old allocation and replaces it", (t) => {
  const c = threeNodes();
  const j = c.register(job("web", { taskGroups: [group("web", 2)] }));
  c.commit(c.run(j));
  const old = c.allocs(j);
  const v2 = c.register({ ...j, taskGroups: [group("web", 2, { tasks: [task("server", { config: { image: "web:2" } })] })] });
  t.is(v2.version, 1);
  const r = c.run(v2);
  const stops = stopped(r);
  t.deepEqual(stops.map((a) => a.id).sort(), old.map((a) => a.id).sort());
  t.true(stops.every((a) => a.desiredDescription === ALLOC_UPDATING));
  const news = placed(r);
  t.is(news.length, 2);
  t.true(news.every((a) => a.job.version === 1 && a.clientStatus === "pending"));
  t.deepEqual(news.map((a) => a.previousAllocation).sort(), old.map((a) => a.id).sort());
  for (const a of news) t.is(a.name, old.find((o) => o.id === a.previousAllocation)?.name ?? "missing");
});

test("a destructive update whose replacement finds no room keeps the old allocation running", (t) => {
  const c = new Cluster().nodes(node("n1", {}, { memoryMb: 1024 }));
  const j = c.register(job("web", { taskGroups: [group("web", 1)] }));
  c.commit(c.run(j));
  const v2 = c.register({ ...j, taskGroups: [group("web", 1, { tasks: [task("server", {}, { memoryMb: 2_000 })] })] });
  const r = c.run(v2);
  t.deepEqual(stopped(r), []);
  t.deepEqual(placed(r), []);
  t.is(r.evalUpdate.failedTgAllocs["web"]?.dimensionExhausted["memory"], 1);
  t.truthy(r.blockedEval);
});

test("a stopped job stops everything", (t) => {
  const c = threeNodes();
  const j = c.register(job("web", { taskGroups: [group("web", 3)] }));
  c.commit(c.run(j));
  const stoppedJob = c.register({ ...j, stop: true });
  const r = c.run(stoppedJob, { triggeredBy: "job-deregister" });
  t.is(stopped(r).length, 3);
  t.deepEqual(placed(r), []);
  t.is(r.evalUpdate.status, "complete");
});

test("a batch job whose allocations completed places nothing", (t) => {
  const c = threeNodes();
  const j = c.register(job("report", { type: "batch", taskGroups: [group("run", 2)] }));
  const first = c.run(j);
  t.is(placed(first).length, 2);
  c.commit(first);
  c.setClientStatus(c.allocs(j), "complete");
  const r = c.run(j);
  t.deepEqual(placed(r), []);
  t.deepEqual(stopped(r), []);
  t.is(r.evalUpdate.status, "complete");
  t.deepEqual(r.evalUpdate.queuedAllocations, { run: 0 });
});

test("results are deterministic for the same eval id and ids", (t) => {
  const c = threeNodes();
  const j = c.register(job("web", { taskGroups: [group("web", 3)] }));
  const a = c.run(j, { id: "same" });
  const b = c.run(j, { id: "same" });
  t.deepEqual(placed(a).map((x) => [x.id, x.nodeId]), placed(b).map((x) => [x.id, x.nodeId]));
});

test("a job larger than one slice is placed slice by slice, each run leaving a follow-up for the rest", (t) => {
  const c = threeNodes();
  const j = c.register(job("web", { taskGroups: [group("web", 5)] }));
  const first = c.run(j, {}, 2);
  t.is(placed(first).length, 2);
  t.deepEqual(first.evalUpdate.queuedAllocations, { web: 3 });
  t.deepEqual(first.evalUpdate.failedTgAllocs, {});
  t.is(first.blockedEval, undefined);
  t.deepEqual(first.followupEvals.map((e) => [e.triggeredBy, e.status, e.waitUntilMs]), [["queued-allocs", "pending", 0]]);
  c.commit(first);
  const second = c.run(j, {}, 2);
  t.is(placed(second).length, 2);
  c.commit(second);
  const last = c.run(j, {}, 2);
  t.is(placed(last).length, 1);
  t.deepEqual(last.followupEvals, []);
  t.deepEqual(last.evalUpdate.queuedAllocations, { web: 0 });
  const names = [...placed(first), ...placed(second), ...placed(last)].map((a) => a.name).sort();
  t.deepEqual(names, ["web.web[0]", "web.web[1]", "web.web[2]", "web.web[3]", "web.web[4]"]);
});
