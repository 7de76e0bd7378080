// The dashboard model's reducers: events change the lists and the timeline, polls find the
// leader and time failovers, and silence makes the model stale — all on a fake clock.

import test from "ava";
import { DashboardModel, STALE_AFTER_MS, TIMELINE_LIMIT } from "../../../cli/dashboard/model.js";
import { stub } from "../fixtures.js";
import { group, job } from "../../support/model.js";
import { ADDRESSES, fixtureModel, report, T0 } from "./fixtures.js";

const [A1 = "", A2 = "", A3 = ""] = ADDRESSES;

test("events upsert and delete jobs, allocations and evaluations and move the resume index", (t) => {
  const model = fixtureModel();
  model.applyEvents(130, [
    { topic: "Job", type: "JobRegistered", key: "api", index: 130, job: job("api", { taskGroups: [group("api", 2)] }) },
    { topic: "Allocation", type: "AllocationUpdated", key: "a3333333-0000-0000-0000-000000000000", index: 130,
      allocation: stub("a3333333-0000-0000-0000-000000000000", { clientStatus: "running", nodeId: "node-2" }) },
    { topic: "Job", type: "JobDeregistered", key: "report", index: 130 },
    { topic: "Evaluation", type: "EvaluationDeleted", key: "e1111111-0000-0000-0000-000000000000", index: 130 },
  ], T0);
  t.true(model.jobs.has("api"));
  t.false(model.jobs.has("report"));
  t.is(model.allocations.get("a3333333-0000-0000-0000-000000000000")?.clientStatus, "running");
  t.false(model.evaluations.has("e1111111-0000-0000-0000-000000000000"));
  t.is(model.lastIndex, 130);
  t.deepEqual(model.timeline.slice(-4).map((e) => e.type), ["JobRegistered", "AllocationUpdated", "JobDeregistered", "EvaluationDeleted"]);
});

test("a heartbeat frame proves contact without moving the resume index", (t) => {
  const model = fixtureModel();
  const before = model.lastIndex;
  model.applyEvents(before, [], T0 + 5_000);
  t.is(model.lastIndex, before);
  t.false(model.isStale(T0 + 5_000 + STALE_AFTER_MS));
});

test("the timeline keeps only the newest events", (t) => {
  const model = new DashboardModel(ADDRESSES, T0);
  for (let i = 1; i <= TIMELINE_LIMIT + 10; i++) model.applyEvents(i, [{ topic: "Node", type: "NodeStatusUpdate", key: `n${i}`, index: i }], T0);
  t.is(model.timeline.length, TIMELINE_LIMIT);
  t.is(model.timeline[0]?.index, 11);
});

test("the leader is the answering server that says it leads, the highest term winning", (t) => {
  const model = new DashboardModel(ADDRESSES, T0);
  model.applyPoll([
    { address: A1, ok: true, report: report("server-1", { role: "leader", term: 3 }) },
    { address: A2, ok: true, report: report("server-2", { role: "leader", term: 4 }) },
    { address: A3, ok: false, error: "UNAVAILABLE" },
  ], T0);
  t.is(model.leader.leaderId, "server-2");
  t.is(model.leader.leaderAddress, A2);
  t.is(model.leader.term, 4);
  t.false(model.servers[2]?.reachable);
  t.is(model.servers[2]?.error, "UNAVAILABLE");
});

test("a lost leader starts the NO LEADER timer and the next leader records the failover time", (t) => {
  const model = new DashboardModel(ADDRESSES, T0);
  model.applyPoll([{ address: A1, ok: true, report: report("server-1", { role: "leader" }) }, { address: A2, ok: true, report: report("server-2") }], T0);
  t.is(model.electionElapsedMs(T0), undefined);
  model.applyPoll([{ address: A1, ok: false, error: "UNAVAILABLE" }, { address: A2, ok: true, report: report("server-2", { role: "candidate", term: 4 }) }], T0 + 250);
  t.is(model.leader.leaderId, undefined);
  t.is(model.electionElapsedMs(T0 + 1_200), 1_200);
  model.applyPoll([{ address: A1, ok: false, error: "UNAVAILABLE" }, { address: A2, ok: true, report: report("server-2", { role: "leader", term: 4 }) }], T0 + 1_500);
  t.is(model.leader.leaderId, "server-2");
  t.is(model.electionElapsedMs(T0 + 1_600), undefined);
  t.is(model.leader.lastFailoverMs, 1_500);
});

test("a leader change between two polls still counts as a failover", (t) => {
  const model = new DashboardModel(ADDRESSES, T0);
  model.applyPoll([{ address: A1, ok: true, report: report("server-1", { role: "leader" }) }], T0);
  model.applyPoll([{ address: A2, ok: true, report: report("server-2", { role: "leader", term: 4 }) }], T0 + 250);
  t.is(model.leader.leaderId, "server-2");
  t.is(model.leader.lastFailoverMs, 250);
});

test("with no leader ever seen the timer runs from the first poll", (t) => {
  const model = new DashboardModel(ADDRESSES, T0);
  model.applyPoll([{ address: A1, ok: true, report: report("server-1", { role: "candidate" }) }], T0 + 100);
  t.is(model.electionElapsedMs(T0 + 600), 500);
  model.applyPoll([{ address: A1, ok: true, report: report("server-1", { role: "leader" }) }], T0 + 900);
  t.is(model.leader.lastFailoverMs, undefined, "a first election is not a failover");
});

test("no answer from any server for over 2 s makes the model stale, keeping the last state", (t) => {
  const model = fixtureModel(T0);
  const jobs = model.jobs.size;
  const down = ADDRESSES.map((address) => ({ address, ok: false as const, error: "UNAVAILABLE" }));
  model.applyPoll(down, T0 + 1_000);
  t.false(model.isStale(T0 + 1_000));
  model.applyPoll(down, T0 + 2_500);
  t.true(model.isStale(T0 + 2_500));
  t.is(model.jobs.size, jobs);
  t.is(model.leader.leaderId, "server-1", "nothing is known, so the last leader stays");
  t.is(model.electionElapsedMs(T0 + 2_500), undefined);
  model.applyPoll([{ address: A2, ok: true, report: report("server-2", { role: "leader", term: 5 }) }], T0 + 3_000);
  t.false(model.isStale(T0 + 3_000));
});

test("a new model with no answers becomes stale after 2 s", (t) => {
  const model = new DashboardModel(ADDRESSES, T0);
  t.false(model.isStale(T0 + STALE_AFTER_MS));
  t.true(model.isStale(T0 + STALE_AFTER_MS + 1));
});

test("a known leader that stops answering is not a leader, even while the followers still name it", (t) => {
  const model = new DashboardModel(ADDRESSES, T0);
  model.applyPoll([
    { address: A1, ok: true, report: report("server-1", { role: "leader" }) },
    { address: A2, ok: true, report: report("server-2") },
    { address: A3, ok: true, report: report("server-3") },
  ], T0);
  t.is(model.leader.leaderId, "server-1");
  // The followers have not timed out yet: they still say server-1 leads, in the same term.
  model.applyPoll([
    { address: A1, ok: false, error: "UNAVAILABLE" },
    { address: A2, ok: true, report: report("server-2", { leaderId: "server-1" }) },
    { address: A3, ok: true, report: report("server-3", { leaderId: "server-1" }) },
  ], T0 + 250);
  t.is(model.leader.leaderId, undefined);
  t.is(model.electionElapsedMs(T0 + 250), 250, "the clock runs from when it was last seen leading");
  t.is(model.servers[0]?.report?.role, "leader", "its last report is kept for the cluster view");
});
