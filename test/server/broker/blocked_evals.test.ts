import test from "ava";
import type { Evaluation } from "../../../shared/model/index.js";
import { BlockedEvals, EvalBroker } from "../../../server/broker/index.js";
import { evaluation, FakeTimers } from "./fixtures.js";

function setup(opts: ConstructorParameters<typeof BlockedEvals>[0] = {}) {
  const timers = new FakeTimers();
  const enqueued: Evaluation[] = [];
  const duplicates: Evaluation[] = [];
  const blocked = new BlockedEvals<Evaluation>(opts, {
    broker: { enqueueAll: (evals) => enqueued.push(...evals) },
    duplicates: (evals) => duplicates.push(...evals),
    timers,
  });
  blocked.setEnabled(true);
  const ids = () => enqueued.splice(0).map((e) => e.id);
  return { timers, blocked, enqueued, duplicates, ids };
}

const blockedEval = (o: Partial<Evaluation> = {}) => evaluation({ status: "blocked", snapshotIndex: 10, ...o });

test("unblocking a class re-enqueues evals that found it eligible or never saw it", (t) => {
  const { blocked, ids } = setup();
  const eligible = blockedEval({ classEligibility: { "v1:gpu": true, "v1:small": false } });
  const unseen = blockedEval({ classEligibility: { "v1:small": false } });
  blocked.block(eligible);
  blocked.block(unseen);
  t.is(blocked.stats().totalCaptured, 2);
  blocked.unblock("v1:gpu", 20);
  t.deepEqual(ids().sort(), [eligible.id, unseen.id].sort());
  t.is(blocked.stats().totalBlocked, 0);
});

test("unblocking a class the eval found ineligible leaves it blocked", (t) => {
  const { blocked, ids } = setup();
  const e = blockedEval({ classEligibility: { "v1:small": false } });
  blocked.block(e);
  t.deepEqual(blocked.unblock("v1:small", 20), []);
  t.deepEqual(ids(), []);
  t.is(blocked.stats().totalBlocked, 1);
});

test("escaped evals are re-enqueued by any unblock", (t) => {
  const { blocked, ids } = setup();
  const e = blockedEval({ escapedComputedClass: true, classEligibility: { "v1:small": false } });
  blocked.block(e);
  t.is(blocked.stats().totalEscaped, 1);
  blocked.unblock("v1:small", 20);
  t.deepEqual(ids(), [e.id]);
});

test("the newest blocked eval of a job wins; the replaced one is cancelable and reported", (t) => {
  const { blocked, duplicates } = setup();
  const older = blockedEval({ jobId: "web", createIndex: 5 });
  const newer = blockedEval({ jobId: "web", createIndex: 7 });
  t.deepEqual(blocked.block(older), []);
  t.deepEqual(blocked.block(newer).map((e) => e.id), [older.id]);
  t.is(blocked.blockedFor("default", "web")?.id, newer.id);
  const stale = blockedEval({ jobId: "web", createIndex: 6 });
  t.deepEqual(blocked.block(stale).map((e) => e.id), [stale.id], "an older eval arriving late is the duplicate");
  t.is(blocked.blockedFor("default", "web")?.id, newer.id);
  t.deepEqual(duplicates.map((e) => e.id), [older.id, stale.id]);
  t.like(blocked.stats(), { totalBlocked: 1, byJob: { "default/web": 1 } });
});

test("without a duplicates callback duplicates are kept for takeDuplicates", (t) => {
  const blocked = new BlockedEvals<Evaluation>({}, { broker: { enqueueAll() {} }, timers: new FakeTimers() });
  blocked.setEnabled(true);
  const a = blockedEval({ jobId: "web", createIndex: 1 });
  blocked.block(a);
  blocked.block(blockedEval({ jobId: "web", createIndex: 2 }));
  t.is(blocked.stats().totalDuplicates, 1);
  t.deepEqual(blocked.takeDuplicates().map((e) => e.id), [a.id]);
  t.is(blocked.stats().totalDuplicates, 0);
});

test("unblockNode re-enqueues only the system evals waiting on that node", (t) => {
  const { blocked, ids } = setup();
  const onN1 = blockedEval({ type: "system", nodeId: "n1" });
  const onN2 = blockedEval({ type: "system", nodeId: "n2" });
  const sysbatchOnN1 = blockedEval({ type: "sysbatch", nodeId: "n1" });
  blocked.block(onN1);
  blocked.block(onN2);
  blocked.block(sysbatchOnN1);
  t.is(blocked.stats().totalSystem, 3);
  blocked.unblock("v1:any", 20);
  t.deepEqual(ids(), [], "class unblocks do not wake node-bound evals");
  blocked.unblockNode("n1", 21);
  t.deepEqual(ids().sort(), [onN1.id, sysbatchOnN1.id].sort());
  t.is(blocked.stats().totalSystem, 1);
});

test("an eval blocked after an unblock it missed is re-enqueued at once", (t) => {
  const { blocked, ids } = setup();
  blocked.unblock("v1:gpu", 30);
  const missed = blockedEval({ snapshotIndex: 25, classEligibility: { "v1:gpu": true } });
  const ineligible = blockedEval({ snapshotIndex: 25, classEligibility: { "v1:gpu": false } });
  const current = blockedEval({ snapshotIndex: 30 });
  blocked.block(missed);
  blocked.block(ineligible);
  blocked.block(current);
  t.deepEqual(ids(), [missed.id]);
  t.is(blocked.stats().totalBlocked, 2);
  blocked.unblockNode("n9", 40);
  const sys = blockedEval({ type: "system", nodeId: "n9", snapshotIndex: 35 });
  blocked.block(sys);
  t.deepEqual(ids(), [sys.id]);
});

test("unblockFailed retries evals blocked by the plan-attempt limit", (t) => {
  const { blocked, ids } = setup();
  const failed = blockedEval({ triggeredBy: "max-plan-attempts", classEligibility: { "v1:a": false } });
  const ordinary = blockedEval();
  blocked.block(failed);
  blocked.block(ordinary);
  t.is(blocked.stats().totalFailed, 1);
  blocked.unblockFailed();
  t.deepEqual(ids(), [failed.id]);
  t.is(blocked.stats().totalBlocked, 1);
});

test("the failed-eval loop runs on the timers while enabled", (t) => {
  const { blocked, timers, ids } = setup({ runFailedLoop: true, unblockFailedIntervalMs: 60_000 });
  blocked.block(blockedEval({ triggeredBy: "max-plan-attempts" }));
  timers.advance(59_999);
  t.deepEqual(ids(), []);
  timers.advance(1);
  t.is(ids().length, 1);
  blocked.setEnabled(false);
  t.is(timers.timerCount, 0);
});

test("untrack forgets a job's blocked eval", (t) => {
  const { blocked, ids } = setup();
  const e = blockedEval({ jobId: "web" });
  blocked.block(e);
  t.is(blocked.untrack("default", "web")?.id, e.id);
  blocked.unblock("v1:x", 20);
  t.deepEqual(ids(), []);
});

test("disabled tracking ignores blocks; disabling flushes", (t) => {
  const { blocked } = setup();
  blocked.block(blockedEval());
  blocked.setEnabled(false);
  t.is(blocked.stats().totalBlocked, 0);
  blocked.block(blockedEval());
  t.is(blocked.stats().totalBlocked, 0);
});

test("unblocked evals flow into a real broker and reach a worker", async (t) => {
  const timers = new FakeTimers();
  const broker = new EvalBroker<Evaluation>({}, { timers });
  const blocked = new BlockedEvals<Evaluation>({}, { broker, timers });
  broker.setEnabled(true);
  blocked.setEnabled(true);
  const e = blockedEval({ classEligibility: { "v1:gpu": true } });
  blocked.block(e);
  const waiting = broker.dequeue(["service"], 1_000);
  blocked.unblock("v1:gpu", 20);
  t.is((await waiting)?.eval.id, e.id);
});
