// The plan applier over a real state store: plans are re-checked against the newest state, the
// parts that still fit commit, the rest is handed back for a refresh; all-at-once plans and
// evaluations that are no longer held commit nothing.

import test from "ava";
import type { Allocation, Deployment, Evaluation, Job, Plan } from "../../../shared/model/index.js";
import { PlanApplier, PlanRejectedError, type PlanSubmission } from "../../../server/plan/applier.js";
import { evaluatePlan } from "../../../server/plan/evaluate.js";
import { allocation, usage } from "../scheduler/fixtures.js";
import { deployment } from "../state/fixtures.js";
import {
  clusterNode, clusterViolations, evaluation, logger, registerNodes, ReplicatedLog, serviceJob, sizedGroup,
} from "../leader/harness.js";

interface World {
  log: ReplicatedLog;
  applier: PlanApplier;
  web: Job;
  other: Job;
}

/** Three 4000 MHz / 8192 MB nodes, a job "web" to plan for and a job "other" that competes. */
function world(): World {
  const log = new ReplicatedLog();
  registerNodes(log, clusterNode("n1"), clusterNode("n2"), clusterNode("n3"));
  log.must({ type: "job.register", job: serviceJob("web", sizedGroup(3, 1000)) });
  log.must({ type: "job.register", job: serviceJob("other", sizedGroup(1, 1000)) });
  const snap = log.store.snapshot();
  const web = snap.job("default", "web");
  const other = snap.job("default", "other");
  if (!web || !other) throw new Error("jobs not stored");
  return { log, applier: new PlanApplier({ store: log.store, propose: log.proposer(), logger }), web, other };
}

let seq = 0;

/** A new allocation of `j` for the plan of `evalId`, using `cpuMhz` on `nodeId`. */
function placement(j: Job, evalId: string, nodeId: string, cpuMhz: number, overrides: Partial<Allocation> = {}): Allocation {
  seq += 1;
  const g = j.taskGroups[0];
  if (!g) throw new Error("job without a group");
  return allocation(`a${seq}`, j, g, nodeId, usage(cpuMhz, 256), {
    evalId, name: `${j.id}.web[${seq}]`, clientStatus: "pending", createTimeMs: 1, modifyTimeMs: 1, ...overrides,
  });
}

function plan(evalId: string, j: Job, snapshotIndex: number, nodeAllocation: Record<string, Allocation[]>, overrides: Partial<Plan> = {}): Plan {
  return {
    evalId, snapshotIndex, priority: j.priority, allAtOnce: j.allAtOnce, jobId: j.id,
    nodeUpdate: {}, nodeAllocation, nodePreemptions: {}, deploymentUpdates: [], ...overrides,
  };
}

function submission(p: Plan, evalsIfComplete: Evaluation[] = [], stillOwned = () => true): PlanSubmission {
  return { plan: p, evalsIfComplete, stillOwned };
}

/** Another job's allocation lands on `nodeId` (a plan applied for another worker). */
function occupy(w: World, nodeId: string, cpuMhz: number): number {
  return w.log.must({ type: "alloc.upsert", allocs: [placement(w.other, "other-eval", nodeId, cpuMhz, { clientStatus: "running" })] });
}

test("a plan that fits commits whole and its allocations are in the store", async (t) => {
  const w = world();
  const snapIndex = w.log.store.latestIndex;
  const a1 = placement(w.web, "e1", "n1", 1000);
  const a2 = placement(w.web, "e1", "n2", 1000);
  const result = await w.applier.submit(submission(plan("e1", w.web, snapIndex, { n1: [a1], n2: [a2] })));
  t.deepEqual(result.rejectedNodes, []);
  t.is(result.refreshIndex, 0, "nothing to refresh");
  t.is(result.allocIndex, w.log.store.latestIndex);
  const snap = w.log.store.snapshot();
  t.like(snap.alloc(a1.id), { nodeId: "n1", desiredStatus: "run", createIndex: result.allocIndex });
  t.like(snap.alloc(a2.id), { nodeId: "n2", desiredStatus: "run", createIndex: result.allocIndex });
  t.is(snap.alloc(a1.id)?.job.jobModifyIndex, w.web.jobModifyIndex, "the allocation runs the plan's job");
  t.deepEqual(w.applier.stats, { applied: 1, partiallyRejected: 0, allocsPlaced: 2 });
});

test("a node that went down after the scheduler's snapshot gets none of the plan, the other nodes get theirs", async (t) => {
  const w = world();
  const snapIndex = w.log.store.latestIndex;
  const onDown = placement(w.web, "e1", "n1", 1000);
  const onUp = placement(w.web, "e1", "n2", 1000);
  const p = plan("e1", w.web, snapIndex, { n1: [onDown], n2: [onUp] });
  const downAt = w.log.must({ type: "node.status", nodeId: "n1", status: "down", updatedAtMs: Date.now() });

  t.deepEqual([...evaluatePlan(w.log.store.snapshot(), p).rejected], [["n1", "node is down"]]);
  const result = await w.applier.submit(submission(p));
  t.deepEqual(result.rejectedNodes, ["n1"]);
  t.true(result.refreshIndex >= downAt, "the worker refreshes to at least the state the rejection saw");
  const snap = w.log.store.snapshot();
  t.is(snap.alloc(onDown.id), undefined, "nothing was placed on the down node");
  t.deepEqual(snap.allocsByNode("n1"), []);
  t.truthy(snap.alloc(onUp.id), "the node that is still up got its part");
  t.deepEqual(Object.keys(result.nodeAllocation), ["n2"]);
});

test("a plan that over-commits a node because another allocation landed meanwhile is rejected for that node only and asks for a refresh", async (t) => {
  const w = world();
  const snapIndex = w.log.store.latestIndex;
  // The scheduler saw n1 empty and put 3000 MHz there; meanwhile 2000 MHz of "other" landed.
  const big = placement(w.web, "e1", "n1", 3000);
  const fine = placement(w.web, "e1", "n2", 3000);
  const p = plan("e1", w.web, snapIndex, { n1: [big], n2: [fine] });
  const conflictAt = occupy(w, "n1", 2000);

  t.deepEqual([...evaluatePlan(w.log.store.snapshot(), p).rejected], [["n1", "cpu exhausted"]]);
  const result = await w.applier.submit(submission(p));
  t.deepEqual(result.rejectedNodes, ["n1"]);
  t.true(result.refreshIndex >= conflictAt, `refreshIndex ${result.refreshIndex} must cover the conflicting write at ${conflictAt}`);
  t.true(result.refreshIndex > 0);
  const snap = w.log.store.snapshot();
  t.is(snap.alloc(big.id), undefined);
  t.truthy(snap.alloc(fine.id), "the other node's part committed");
  t.deepEqual(clusterViolations(snap), []);
  t.deepEqual(w.applier.stats, { applied: 1, partiallyRejected: 1, allocsPlaced: 1 });
});

test("an all-at-once plan commits nothing when one node is rejected", async (t) => {
  const w = world();
  const snapIndex = w.log.store.latestIndex;
  const web: Job = { ...w.web, allAtOnce: true };
  const big = placement(web, "e1", "n1", 3000);
  const fine = placement(web, "e1", "n2", 1000);
  const p = plan("e1", web, snapIndex, { n1: [big], n2: [fine] }, { allAtOnce: true });
  occupy(w, "n1", 2000);
  const before = w.log.store.latestIndex;
  const done = evaluation("e1", "web", { status: "complete" });

  const result = await w.applier.submit(submission(p, [done]));
  t.deepEqual(result.rejectedNodes, ["n1"]);
  t.deepEqual(result.nodeAllocation, {}, "no node's part is accepted");
  t.false(result.evalsWritten);
  const snap = w.log.store.snapshot();
  t.is(snap.alloc(big.id), undefined);
  t.is(snap.alloc(fine.id), undefined, "the node that fit got nothing either");
  t.is(snap.eval("e1"), undefined, "the eval's outcome is not written");
  t.is(w.log.store.latestIndex, before, "nothing was proposed");
});

test("an all-at-once plan that is rejected does not create its deployment either", async (t) => {
  const w = world();
  const snapIndex = w.log.store.latestIndex;
  const web: Job = { ...w.web, allAtOnce: true };
  const d: Deployment = deployment("d1", "web", { jobModifyIndex: web.jobModifyIndex, jobCreateIndex: web.createIndex });
  const big = placement(web, "e1", "n1", 3000, { deploymentId: "d1" });
  const fine = placement(web, "e1", "n2", 1000, { deploymentId: "d1" });
  const p = plan("e1", web, snapIndex, { n1: [big], n2: [fine] }, { allAtOnce: true, deployment: d });
  occupy(w, "n1", 2000);
  const before = w.log.store.latestIndex;

  const result = await w.applier.submit(submission(p));
  t.deepEqual(result.rejectedNodes, ["n1"]);
  t.is(w.log.store.snapshot().deployment("d1"), undefined, "a deployment with none of its allocations was created");
  t.is(result.deployment, undefined, "the rejected plan's deployment is not part of the result");
  t.is(w.log.store.latestIndex, before, "nothing was proposed");
});

test("a plan whose evaluation is no longer held by the worker is refused and nothing is written", async (t) => {
  const w = world();
  const before = w.log.store.latestIndex;
  const p = plan("e1", w.web, before, { n1: [placement(w.web, "e1", "n1", 1000)] });
  const err = await t.throwsAsync(w.applier.submit(submission(p, [evaluation("e1", "web", { status: "complete" })], () => false)));
  t.true(err instanceof PlanRejectedError);
  t.regex(err?.message ?? "", /no longer held/);
  t.is(w.log.store.latestIndex, before);
  t.deepEqual(w.log.store.snapshot().allocsByJob("default", "web"), []);
});

test("a stopped applier refuses plans, and the plans queued behind a refused one still run", async (t) => {
  const w = world();
  const p1 = plan("e1", w.web, w.log.store.latestIndex, { n1: [placement(w.web, "e1", "n1", 1000)] });
  const p2 = plan("e2", w.web, w.log.store.latestIndex, { n2: [placement(w.web, "e2", "n2", 1000)] });
  const refused = w.applier.submit(submission(p1, [], () => false));
  const accepted = w.applier.submit(submission(p2));
  await t.throwsAsync(refused, { instanceOf: PlanRejectedError });
  t.deepEqual((await accepted).rejectedNodes, [], "a refused plan does not poison the queue");

  w.applier.stop();
  const p3 = plan("e3", w.web, w.log.store.latestIndex, { n3: [placement(w.web, "e3", "n3", 1000)] });
  await t.throwsAsync(w.applier.submit(submission(p3)), { instanceOf: PlanRejectedError, message: /stopped leading/ });
  t.deepEqual(w.log.store.snapshot().allocsByNode("n3"), []);
});

test("the evaluations of a plan are written with it only when the whole plan committed", async (t) => {
  const w = world();
  const whole = plan("e1", w.web, w.log.store.latestIndex, { n2: [placement(w.web, "e1", "n2", 1000)] });
  const outcome1 = evaluation("e1", "web", { status: "complete" });
  const r1 = await w.applier.submit(submission(whole, [outcome1]));
  t.true(r1.evalsWritten);
  t.like(w.log.store.snapshot().eval("e1"), { status: "complete", modifyIndex: r1.allocIndex }, "written in the plan's own entry");

  const partial = plan("e2", w.web, w.log.store.latestIndex, { n1: [placement(w.web, "e2", "n1", 3000)], n3: [placement(w.web, "e2", "n3", 1000)] });
  occupy(w, "n1", 2000);
  const outcome2 = evaluation("e2", "web", { status: "complete" });
  const r2 = await w.applier.submit(submission(partial, [outcome2]));
  t.deepEqual(r2.rejectedNodes, ["n1"]);
  t.false(r2.evalsWritten);
  t.is(w.log.store.snapshot().eval("e2"), undefined, "a partly rejected plan leaves the outcome to the retry");
});

test("two plans made on the same snapshot cannot both take the last space on a node", async (t) => {
  const w = world();
  const snapIndex = w.log.store.latestIndex;
  // Each scheduler saw n1 empty and wants 3000 of its 4000 MHz.
  const p1 = plan("e1", w.web, snapIndex, { n1: [placement(w.web, "e1", "n1", 3000)] });
  const p2 = plan("e2", w.other, snapIndex, { n1: [placement(w.other, "e2", "n1", 3000)] });
  const [r1, r2] = await Promise.all([w.applier.submit(submission(p1)), w.applier.submit(submission(p2))]);
  t.deepEqual(r1.rejectedNodes, [], "the first plan in the queue wins");
  t.deepEqual(r2.rejectedNodes, ["n1"]);
  t.true(r2.refreshIndex >= r1.allocIndex, "the loser refreshes past the winner's commit");
  t.is(w.log.store.snapshot().allocsByNode("n1").length, 1);
  t.deepEqual(clusterViolations(w.log.store.snapshot()), []);
});

test("a plan that only stops allocations commits even on a node that is gone", async (t) => {
  const w = world();
  const running = placement(w.web, "e0", "n1", 1000, { clientStatus: "running" });
  w.log.must({ type: "alloc.upsert", allocs: [running] });
  w.log.must({ type: "node.status", nodeId: "n1", status: "down", updatedAtMs: Date.now() });
  const stop: Allocation = { ...running, desiredStatus: "stop", desiredDescription: "alloc is lost since its node is down", clientStatus: "lost" };
  const result = await w.applier.submit(submission(plan("e1", w.web, w.log.store.latestIndex, {}, { nodeUpdate: { n1: [stop] } })));
  t.deepEqual(result.rejectedNodes, []);
  t.like(w.log.store.snapshot().alloc(running.id), { desiredStatus: "stop", clientStatus: "lost" });
});

test("a plan whose proposal fails reports the failure and leaves the queue usable", async (t) => {
  const w = world();
  let fail = true;
  const propose = w.log.proposer();
  const applier = new PlanApplier({
    store: w.log.store, logger,
    propose: async (cmd) => {
      if (fail) throw new Error("no quorum");
      return propose(cmd);
    },
  });
  const p1 = plan("e1", w.web, w.log.store.latestIndex, { n1: [placement(w.web, "e1", "n1", 1000)] });
  await t.throwsAsync(applier.submit(submission(p1)), { message: "no quorum" });
  fail = false;
  const p2 = plan("e2", w.web, w.log.store.latestIndex, { n1: [placement(w.web, "e2", "n1", 1000)] });
  t.deepEqual((await applier.submit(submission(p2))).rejectedNodes, []);
  t.is(w.log.store.snapshot().allocsByNode("n1").length, 1);
});

test("the next plan is checked and proposed while the previous one commits, with its placements counted", async (t) => {
  const w = world();
  w.log.latencyMs = 50;
  const events: string[] = [];
  w.log.onPropose = (cmd) => events.push(`propose ${cmd.type === "alloc.upsert" ? cmd.allocs.length : 0}`);
  w.log.beforeCommit = (cmd) => events.push(`commit ${cmd.type === "alloc.upsert" ? cmd.allocs.length : 0}`);
  const index = w.log.store.latestIndex;
  const first = w.applier.submit(submission(plan("e1", w.web, index, { n1: [placement(w.web, "e1", "n1", 3000)] })));
  const second = w.applier.submit(submission(plan("e2", w.other, index, {
    n1: [placement(w.other, "e2", "n1", 2000)], n2: [placement(w.other, "e2", "n2", 2000)],
  })));
  const [a, b] = await Promise.all([first, second]);
  t.deepEqual(events, ["propose 1", "propose 1", "commit 1", "commit 1"], "both proposed before the first committed");
  t.deepEqual(a.rejectedNodes, []);
  t.deepEqual(b.rejectedNodes, ["n1"], "n1's 4000 MHz already went to the plan still committing");
  t.deepEqual(clusterViolations(w.log.store.snapshot()), []);
});

test("a plan that stops allocations commits before the next plan is checked", async (t) => {
  const w = world();
  const running = placement(w.other, "e0", "n1", 3000, { clientStatus: "running" });
  w.log.must({ type: "alloc.upsert", allocs: [running] });
  w.log.latencyMs = 50;
  const events: string[] = [];
  w.log.onPropose = (cmd) => events.push(`propose ${cmd.type === "alloc.upsert" ? `${cmd.allocs.length}+${cmd.stopped?.length ?? 0}` : ""}`);
  w.log.beforeCommit = () => events.push("commit");
  const index = w.log.store.latestIndex;
  const stop = w.applier.submit(submission(plan("e1", w.other, index, {}, { nodeUpdate: { n1: [{ ...running, desiredStatus: "stop" }] } })));
  const place = w.applier.submit(submission(plan("e2", w.web, index, { n1: [placement(w.web, "e2", "n1", 3000)] })));
  const [, placed] = await Promise.all([stop, place]);
  t.deepEqual(events, ["propose 0+1", "commit", "propose 1+0", "commit"]);
  t.deepEqual(placed.rejectedNodes, [], "the stopped allocation's room was free by then");
  t.deepEqual(clusterViolations(w.log.store.snapshot()), []);
});

test("a plan refused only for placements still committing is told to refresh to a state that holds them", async (t) => {
  const w = world();
  w.log.latencyMs = 50;
  const index = w.log.store.latestIndex;
  const first = w.applier.submit(submission(plan("e1", w.web, index, { n1: [placement(w.web, "e1", "n1", 3000)] })));
  const second = w.applier.submit(submission(plan("e2", w.other, index, { n1: [placement(w.other, "e2", "n1", 2000)] })));
  const [a, b] = await Promise.all([first, second]);
  t.deepEqual(b.rejectedNodes, ["n1"]);
  t.true(b.refreshIndex >= a.allocIndex, `refresh to ${b.refreshIndex}, the first plan committed at ${a.allocIndex}`);
});
