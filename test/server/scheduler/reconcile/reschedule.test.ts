import test from "ava";
import type { RescheduleEvent } from "../../../../shared/model/index.js";
import { nextDelayMs, rescheduleEligible } from "../../../../server/scheduler/reconcile/index.js";
import { alloc, failed, NOW, policy, run, svcJob } from "./fixtures.js";

const ev = (rescheduleTimeMs: number, delayMs: number, prevNodeId = "n-old"): RescheduleEvent =>
  ({ rescheduleTimeMs, prevAllocId: "prev", prevNodeId, delayMs });

test("attempts are counted within the interval back from the failure", (t) => {
  const p = policy({ attempts: 2, intervalMs: 600_000 });
  t.true(rescheduleEligible(p, [], NOW));
  t.true(rescheduleEligible(p, [ev(NOW - 60_000, 0)], NOW));
  t.false(rescheduleEligible(p, [ev(NOW - 120_000, 0), ev(NOW - 60_000, 0)], NOW));
  // One of the two attempts fell out of the interval.
  t.true(rescheduleEligible(p, [ev(NOW - 700_000, 0), ev(NOW - 60_000, 0)], NOW));
});

test("unlimited always allows, no policy or zero attempts never", (t) => {
  const many = Array.from({ length: 50 }, (_, i) => ev(NOW - i * 1000, 0));
  t.true(rescheduleEligible(policy({ unlimited: true, attempts: 0 }), many, NOW));
  t.false(rescheduleEligible(undefined, [], NOW));
  t.false(rescheduleEligible(policy({ attempts: 0 }), [], NOW));
});

test("constant delay stays at delay", (t) => {
  const p = policy({ delayMs: 5_000, delayFunction: "constant" });
  t.is(nextDelayMs(p, [], NOW), 5_000);
  t.is(nextDelayMs(p, [ev(NOW - 1, 5_000), ev(NOW - 1, 5_000)], NOW), 5_000);
});

test("exponential delay doubles: 30s, 60s, 120s, 240s, capped at max_delay", (t) => {
  const p = policy({ delayMs: 30_000, delayFunction: "exponential", maxDelayMs: 200_000 });
  const seq: number[] = [];
  const tracker: RescheduleEvent[] = [];
  for (let i = 0; i < 5; i++) {
    const d = nextDelayMs(p, tracker, NOW);
    seq.push(d);
    tracker.push(ev(NOW - 1_000, d));
  }
  t.deepEqual(seq, [30_000, 60_000, 120_000, 200_000, 200_000]);
});

test("fibonacci delay: 10s, 10s, 20s, 30s, 50s, 80s, capped at max_delay", (t) => {
  const p = policy({ delayMs: 10_000, delayFunction: "fibonacci", maxDelayMs: 60_000 });
  const seq: number[] = [];
  const tracker: RescheduleEvent[] = [];
  for (let i = 0; i < 7; i++) {
    const d = nextDelayMs(p, tracker, NOW);
    seq.push(d);
    tracker.push(ev(NOW - 1_000, d));
  }
  t.deepEqual(seq, [10_000, 10_000, 20_000, 30_000, 50_000, 60_000, 60_000]);
});

test("a capped delay resets when the allocation ran longer than max_delay", (t) => {
  const p = policy({ delayMs: 30_000, delayFunction: "exponential", maxDelayMs: 100_000 });
  t.is(nextDelayMs(p, [ev(NOW - 500_000, 100_000)], NOW), 30_000);
  t.is(nextDelayMs(p, [ev(NOW - 50_000, 100_000)], NOW), 100_000);
});

test("a failed allocation whose delay has passed is rescheduled now, with tracker and penalty nodes", (t) => {
  const j = svcJob(1, { reschedulePolicy: policy({ delayMs: 30_000 }) });
  const f = failed(j, 0, NOW - 60_000, { nodeId: "n1", rescheduleTracker: [ev(NOW - 600_000, 30_000, "n0")] });
  const r = run({ job: j, allocs: [f] });
  const p = r.groups.web?.place[0];
  t.is(p?.name, "web.web[0]");
  t.is(p?.previousAlloc?.id, f.id);
  t.deepEqual(p?.penaltyNodeIds, ["n1", "n0"]);
  t.deepEqual(p?.rescheduleTracker?.map((e) => [e.prevAllocId, e.prevNodeId, e.delayMs, e.rescheduleTimeMs]).at(-1), [f.id, "n1", 30_000, NOW]);
  t.is(p?.rescheduleTracker?.length, 2);
  t.deepEqual(r.groups.web?.stop.map((s) => s.reason), ["rescheduled"]);
  t.like(r.desiredTGUpdates.web, { place: 1, rescheduleNow: 1 });
});

test("a failed allocation still within its delay gets a follow-up eval at fail time plus delay", (t) => {
  const j = svcJob(2, { reschedulePolicy: policy({ delayMs: 30_000 }) });
  const a = failed(j, 0, NOW - 10_000);
  const b = failed(j, 1, NOW - 8_000);
  const r = run({ job: j, allocs: [a, b] });
  t.is(r.groups.web?.place.length, 0);
  t.deepEqual(r.groups.web?.followupEvals, [{ waitUntilMs: NOW + 20_000, allocIds: [a.id, b.id], triggeredBy: "failed-follow-up" }]);
  t.is(r.desiredTGUpdates.web?.rescheduleLater, 2);
});

test("an allocation with a pending follow-up eval is left until it is due, then rescheduled by it", (t) => {
  const j = svcJob(1, { reschedulePolicy: policy({ delayMs: 30_000 }) });
  const f = failed(j, 0, NOW - 10_000, { followupEvalId: "eval-later" });
  const early = run({ job: j, allocs: [f] });
  t.is(early.groups.web?.place.length, 0);
  t.is(early.groups.web?.followupEvals.length, 0);
  const due = run({ job: j, allocs: [f], evalId: "eval-later" });
  t.is(due.groups.web?.place.length, 1);
});

test("unlimited reschedules keep going", (t) => {
  const j = svcJob(1, { reschedulePolicy: policy({ unlimited: true, attempts: 0, delayMs: 1_000 }) });
  const tracker = Array.from({ length: 20 }, (_, i) => ev(NOW - 100_000 + i, 1_000));
  const r = run({ job: j, allocs: [failed(j, 0, NOW - 5_000, { rescheduleTracker: tracker })] });
  t.is(r.groups.web?.place.length, 1);
  t.is(r.groups.web?.place[0]?.rescheduleTracker?.length, 6);
});

test("an allocation that used up its attempts is not replaced", (t) => {
  const j = svcJob(1, { reschedulePolicy: policy({ attempts: 1, intervalMs: 3_600_000 }) });
  const r = run({ job: j, allocs: [failed(j, 0, NOW - 60_000, { rescheduleTracker: [ev(NOW - 120_000, 30_000)] })] });
  t.is(r.groups.web?.place.length, 0);
  t.is(r.groups.web?.stop.length, 0);
  t.is(r.groups.web?.followupEvals.length, 0);
});

test("a failed batch allocation that already has a successful replacement is not rescheduled", (t) => {
  const j = svcJob(1, { reschedulePolicy: policy({ delayMs: 0 }) }, { type: "batch" });
  const f = failed(j, 0, NOW - 60_000);
  const done = alloc(j, 0, { clientStatus: "complete", previousAllocation: f.id });
  const r = run({ job: j, allocs: [f, done], batch: true });
  t.is(r.groups.web?.place.length, 0);
  t.is(r.groups.web?.stop.length, 0);
});
