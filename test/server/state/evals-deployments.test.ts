import test from "ava";
import { allocation, deployment, deploymentState, evaluation, Harness, job, uuid } from "./fixtures.js";

test("evals keep their create index across updates and are listed by job", (t) => {
  const h = new Harness();
  h.apply({ type: "eval.upsert", evals: [evaluation("e1"), evaluation("e2", "other")] });
  h.apply({ type: "eval.upsert", evals: [evaluation("e1", "web", { status: "complete" })] });
  t.like(h.snap.eval("e1"), { status: "complete", createIndex: 1, modifyIndex: 2 });
  t.deepEqual(h.snap.evalsByJob("default", "web").map((e) => e.id), ["e1"]);
  t.deepEqual(h.snap.evalsByJob("default", "other").map((e) => e.id), ["e2"]);
  t.is(h.snap.tableIndex("evals"), 2);
});

test("a successful eval cancels the job's blocked evals", (t) => {
  const h = new Harness();
  h.apply({ type: "eval.upsert", evals: [evaluation("blocked", "web", { status: "blocked" }), evaluation("other-job", "db", { status: "blocked" })] });
  h.apply({ type: "eval.upsert", evals: [evaluation("e2", "web", { status: "complete" })] });
  t.like(h.snap.eval("blocked"), { status: "canceled", statusDescription: 'evaluation "e2" successful', modifyIndex: 2 });
  t.is(h.snap.eval("other-job")?.status, "blocked");
});

test("an eval that failed to place something leaves blocked evals alone", (t) => {
  const h = new Harness();
  h.apply({ type: "eval.upsert", evals: [evaluation("blocked", "web", { status: "blocked" })] });
  const metric = { nodesEvaluated: 1, nodesFiltered: 1, nodesInPool: 1, nodesAvailable: {}, classFiltered: {}, constraintFiltered: {}, nodesExhausted: 0, classExhausted: {}, dimensionExhausted: {}, quotaExhausted: [], scoreMetaData: [], allocationTimeMs: 0, coalescedFailures: 0 };
  h.apply({ type: "eval.upsert", evals: [evaluation("e2", "web", { status: "complete", failedTgAllocs: { web: metric } })] });
  t.is(h.snap.eval("blocked")?.status, "blocked");
});

test("an eval's queued allocations go into the job summary, and placements take them off", (t) => {
  const h = new Harness();
  h.apply({ type: "job.register", job: job("web") });
  h.apply({ type: "eval.upsert", evals: [evaluation("e1", "web", { status: "complete", queuedAllocations: { web: 3 } })] });
  t.is(h.snap.jobSummary("default", "web")?.summary["web"]?.queued, 3);
  const web = h.snap.job("default", "web");
  if (!web) return t.fail();
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web)] });
  t.like(h.snap.jobSummary("default", "web")?.summary["web"], { queued: 2, starting: 1 });
});

test("evals and deployments are found by id prefix", (t) => {
  const h = new Harness();
  h.apply({ type: "eval.upsert", evals: Array.from({ length: 30 }, (_, i) => evaluation(uuid(i * 104729))) });
  const target = uuid(7 * 104729);
  t.deepEqual(h.snap.byPrefix("evals", target.slice(0, 8)).map((e) => e.id), [target]);
  h.apply({ type: "deployment.upsert", deployment: deployment(target) });
  t.deepEqual(h.snap.byPrefix("deployments", target.slice(0, 8)).map((d) => d.id), [target]);
  t.deepEqual(h.snap.byPrefix("deployments", target.slice(0, 8), { namespace: "prod" }), []);
});

test("deployments keep their create index; the latest per job is the newest created", (t) => {
  const h = new Harness();
  h.apply({ type: "deployment.upsert", deployment: deployment("d-b") });
  h.apply({ type: "deployment.upsert", deployment: deployment("d-a") });
  h.apply({ type: "deployment.upsert", deployment: deployment("d-b", "web", { statusDescription: "touched" }) });
  t.like(h.snap.deployment("d-b"), { createIndex: 1, modifyIndex: 3, statusDescription: "touched" });
  t.is(h.snap.latestDeploymentByJob("default", "web")?.id, "d-a");
  t.deepEqual(h.snap.deploymentsByJob("default", "web").map((d) => d.id), ["d-b", "d-a"]);
  t.is(h.snap.latestDeploymentByJob("default", "nope"), undefined);
});

test("a deployment status update can register a job and create an eval; success marks the version stable", (t) => {
  const h = new Harness();
  h.apply({ type: "job.register", job: job("web") });
  h.apply({ type: "deployment.upsert", deployment: deployment("d1") });
  const r = h.apply({
    type: "deployment.status",
    updates: [{ deploymentId: "d1", status: "successful", statusDescription: "Deployment completed successfully" }, { deploymentId: "ghost", status: "failed", statusDescription: "" }],
    eval: evaluation("e1", "web", { triggeredBy: "deployment-watcher" }),
  });
  t.like(r, { ok: true, notFound: ["ghost"] });
  t.like(h.snap.deployment("d1"), { status: "successful", modifyIndex: 3 });
  t.true(h.snap.isJobVersionStable("default", "web", 0));
  t.truthy(h.snap.eval("e1"));
});

test("promotion needs healthy canaries, then clears their canary flag", (t) => {
  const h = new Harness();
  h.apply({ type: "job.register", job: job("web") });
  const web = h.snap.job("default", "web");
  if (!web) return t.fail();
  h.apply({
    type: "alloc.upsert",
    deployment: deployment("d1", "web", { taskGroups: { web: deploymentState({ desiredCanaries: 1 }) }, statusDescription: "Deployment is running but requires manual promotion" }),
    allocs: [allocation("c1", web, "n1", { deploymentId: "d1", deploymentStatus: { canary: true, timestampMs: 0, modifyIndex: 0 } })],
  });
  const early = h.apply({ type: "deployment.promote", deploymentId: "d1", timeMs: 10 });
  t.like(early, { ok: false, code: "invalid" });
  t.regex(early.ok ? "" : early.error, /task group "web" has 0\/1 healthy canaries/);
  h.apply({ type: "deployment.allocHealth", deploymentId: "d1", healthyAllocIds: ["c1"], unhealthyAllocIds: [], timestampMs: 5 });
  t.like(h.apply({ type: "deployment.promote", deploymentId: "d1", timeMs: 10, eval: evaluation("e1") }), { ok: true });
  t.like(h.snap.deployment("d1"), { statusDescription: "Deployment is running" });
  t.like(h.snap.deployment("d1")?.taskGroups["web"], { promoted: true });
  t.like(h.snap.alloc("c1")?.deploymentStatus, { canary: false, healthy: true });
  t.like(h.apply({ type: "deployment.promote", deploymentId: "d1", groups: ["db"], timeMs: 10 }), { ok: false, code: "invalid" });
  t.like(h.apply({ type: "deployment.promote", deploymentId: "nope", timeMs: 10 }), { ok: false, code: "not-found" });
});

test("alloc health for an allocation outside the deployment fails the whole command", (t) => {
  const h = new Harness();
  h.apply({ type: "job.register", job: job("web") });
  const web = h.snap.job("default", "web");
  if (!web) return t.fail();
  h.apply({ type: "deployment.upsert", deployment: deployment("d1") });
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web, "n1", { deploymentId: "d1" }), allocation("a2", web)] });
  const r = h.apply({ type: "deployment.allocHealth", deploymentId: "d1", healthyAllocIds: ["a1", "a2"], unhealthyAllocIds: [], timestampMs: 1 });
  t.like(r, { ok: false, code: "invalid" });
  t.is(h.snap.alloc("a1")?.deploymentStatus, undefined, "a1 was not marked either");
  t.like(h.apply({ type: "deployment.allocHealth", deploymentId: "d1", healthyAllocIds: ["ghost"], unhealthyAllocIds: [], timestampMs: 1 }), { ok: false, code: "not-found" });
});

test("deployments can be deleted", (t) => {
  const h = new Harness();
  h.apply({ type: "deployment.upsert", deployment: deployment("d1") });
  t.like(h.apply({ type: "deployment.delete", deploymentIds: ["d1", "ghost"] }), { ok: true, notFound: ["ghost"] });
  t.is(h.snap.deployment("d1"), undefined);
  t.is(h.snap.latestDeploymentByJob("default", "web"), undefined);
});
