// Node drains, through the leader's drainer and scheduler over a real state store: allocations
// move off a draining node at most `migrate.max_parallel` at a time (each batch waits for the
// previous replacements to be healthy), the drain ends once nothing is left to move, and at the
// deadline whatever is left is stopped.

import test, { type ExecutionContext } from "ava";
import type { DrainStrategy, Job, MigrateStrategy } from "../../../shared/model/index.js";
import type { StateCommand as Command } from "../../../server/state/index.js";
import { Drainer } from "../../../server/leader/drainer.js";
import { LeaderDuties } from "../../../server/leader/leader.js";
import { allocation, usage } from "../scheduler/fixtures.js";
import {
  Clients, clusterNode, clusterViolations, describeJob, duplicateNames, isLive, LEADER_OPTIONS, liveAllocs, logger, registerJob,
  registerNodes, ReplicatedLog, serviceJob, sizedGroup, waitFor,
} from "./harness.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function migrate(maxParallel: number): MigrateStrategy {
  return { maxParallel, healthCheck: "task_states", minHealthyTimeMs: 0, healthyDeadlineMs: 300_000 };
}

function drain(forceInMs: number): DrainStrategy {
  const now = Date.now();
  return { deadlineMs: forceInMs, ignoreSystemJobs: false, forceDeadlineMs: now + forceInMs, startedAtMs: now };
}

interface World {
  log: ReplicatedLog;
  clients: Clients;
  leader: LeaderDuties;
}

/** Nodes n1..n3 and a leader; `count` allocations of "web" running healthy on n1. */
async function drainWorld(t: ExecutionContext, count: number, maxParallel: number): Promise<World> {
  const log = new ReplicatedLog();
  const leaders: LeaderDuties[] = [];
  const clients = new Clients(log, () => leaders);
  registerNodes(log, clusterNode("n1"), clusterNode("n2"), clusterNode("n3"));
  // Only n1 takes the job at first, so there is something to drain.
  log.must({ type: "node.eligibility", nodeId: "n2", eligibility: "ineligible" });
  log.must({ type: "node.eligibility", nodeId: "n3", eligibility: "ineligible" });
  const leader = new LeaderDuties(LEADER_OPTIONS, { store: log.store, propose: log.proposer(), logger });
  leaders.push(leader);
  t.teardown(async () => {
    clients.stop();
    await leader.revoke();
  });
  clients.start("n1", "n2", "n3");
  leader.establish();
  const evalId = registerJob(log, serviceJob("web", sizedGroup(count, 500, 256, { migrate: migrate(maxParallel) })));
  await waitFor("the job on n1", () => log.store.snapshot().eval(evalId)?.status === "complete" && liveAllocs(log.store.snapshot(), "web").length === count);
  clients.runAndMarkHealthy(liveAllocs(log.store.snapshot(), "web"));
  log.must({ type: "node.eligibility", nodeId: "n2", eligibility: "eligible" });
  log.must({ type: "node.eligibility", nodeId: "n3", eligibility: "eligible" });
  t.true(liveAllocs(log.store.snapshot(), "web").every((a) => a.nodeId === "n1"));
  return { log, clients, leader };
}

const migrated = (w: World) => w.log.store.snapshot().allocsByNode("n1").filter((a) => a.desiredStatus === "stop").length;
const replacements = (w: World) => liveAllocs(w.log.store.snapshot(), "web").filter((a) => a.nodeId !== "n1");
const unhealthy = (w: World) => replacements(w).filter((a) => a.deploymentStatus?.healthy !== true);

test("a draining node's allocations migrate max_parallel at a time, each batch after the last one is healthy, and the drain completes", async (t) => {
  const count = 5;
  const maxParallel = 2;
  const w = await drainWorld(t, count, maxParallel);
  w.log.must({ type: "node.drain", nodeId: "n1", drainStrategy: drain(60_000) });

  for (let moved = maxParallel; ; moved = Math.min(count, moved + maxParallel)) {
    await waitFor(`${moved} allocations to have moved`, () => migrated(w) === moved && replacements(w).length === moved, 3_000,
      () => describeJob(w.log.store.snapshot(), "web"));
    t.true(unhealthy(w).length <= maxParallel, "never more than max_parallel replacements unhealthy at once");
    if (moved < count) {
      // A few drain ticks: nothing more moves while the replacements are not healthy.
      await sleep(4 * LEADER_OPTIONS.drainIntervalMs);
      t.is(migrated(w), moved, `the drain waits for healthy replacements after ${moved}`);
    }
    const snap = w.log.store.snapshot();
    t.is(liveAllocs(snap, "web").length, count, "the job keeps its count during the drain");
    t.deepEqual(duplicateNames(snap, "web"), []);
    w.clients.runAndMarkHealthy(unhealthy(w));
    if (moved === count) break;
  }

  await waitFor("the drain to complete", () => w.log.store.snapshot().node("n1")?.drainStrategy === undefined);
  const snap = w.log.store.snapshot();
  t.is(snap.node("n1")?.schedulingEligibility, "ineligible", "a drained node stays ineligible");
  t.deepEqual(snap.allocsByNode("n1").filter(isLive), []);
  t.is(liveAllocs(snap, "web").length, count);
  for (const a of snap.allocsByNode("n1")) t.is(a.nextAllocation !== "", true, `${a.name} on n1 has a replacement`);
  t.deepEqual(clusterViolations(snap), []);
});

test("at the drain deadline the allocations still on the node are stopped, replaced elsewhere, and the drain completes", async (t) => {
  const w = await drainWorld(t, 3, 1);
  const deadlineMs = 200;
  const strategy = drain(deadlineMs);
  w.log.must({ type: "node.drain", nodeId: "n1", drainStrategy: strategy });

  await waitFor("the first migration", () => migrated(w) >= 1);
  // The replacement never becomes healthy, so only the deadline moves the rest.
  await sleep(3 * LEADER_OPTIONS.drainIntervalMs);
  if (Date.now() < strategy.forceDeadlineMs - 20) t.is(migrated(w), 1, "before the deadline only max_parallel moved");

  await waitFor("the drain to complete", () => w.log.store.snapshot().node("n1")?.drainStrategy === undefined, 3_000,
    () => describeJob(w.log.store.snapshot(), "web"));
  t.true(Date.now() >= strategy.forceDeadlineMs, "the drain could only end after the deadline");
  await waitFor("replacements for the stopped allocations", () => replacements(w).length === 3, 3_000,
    () => describeJob(w.log.store.snapshot(), "web"));
  const snap = w.log.store.snapshot();
  const stoppedAtDeadline = snap.allocsByNode("n1").filter((a) => a.desiredDescription === "alloc stopped: node drain deadline reached");
  t.is(stoppedAtDeadline.length, 2);
  t.true(stoppedAtDeadline.every((a) => a.desiredStatus === "stop"));
  t.is(snap.node("n1")?.schedulingEligibility, "ineligible");
  t.deepEqual(snap.allocsByNode("n1").filter(isLive), []);
  t.deepEqual(duplicateNames(snap, "web"), []);
  t.deepEqual(clusterViolations(snap), []);
});

test("a node drained with nothing on it completes its drain at once and stays ineligible", async (t) => {
  const log = new ReplicatedLog();
  registerNodes(log, clusterNode("n1"));
  const writes: Command[] = [];
  const drainer = new Drainer({ store: log.store, write: (c) => writes.push(c), logger });
  log.must({ type: "node.drain", nodeId: "n1", drainStrategy: drain(60_000) });
  drainer.tick();
  t.deepEqual(writes, [{ type: "node.drain", nodeId: "n1", markEligible: false }]);
  for (const c of writes) log.must(c);
  t.like(log.store.snapshot().node("n1"), { schedulingEligibility: "ineligible", drainStrategy: undefined });
});

test("the drainer asks for one migration eval per job and asks again only when the job's allocations change", async (t) => {
  const log = new ReplicatedLog();
  registerNodes(log, clusterNode("n1"), clusterNode("n2"));
  const jobs: Job[] = [];
  for (const id of ["a", "b"]) {
    log.must({ type: "job.register", job: serviceJob(id, sizedGroup(2, 100)) });
    const j = log.store.snapshot().job("default", id);
    if (!j) throw new Error("no job");
    jobs.push(j);
  }
  let n = 0;
  for (const j of jobs) {
    const g = j.taskGroups[0];
    if (!g) throw new Error("no group");
    for (let i = 0; i < 2; i++) log.must({ type: "alloc.upsert", allocs: [allocation(`${j.id}-${n++}`, j, g, "n1", usage(100, 64), { name: `${j.id}.web[${i}]` })] });
  }
  const writes: Command[] = [];
  const drainer = new Drainer({ store: log.store, write: (c) => writes.push(c), logger });
  log.must({ type: "node.drain", nodeId: "n1", drainStrategy: drain(60_000) });

  drainer.tick();
  t.is(writes.length, 1);
  const first = writes[0];
  t.is(first?.type, "eval.upsert");
  const evals = first?.type === "eval.upsert" ? first.evals : [];
  t.deepEqual(evals.map((e) => [e.jobId, e.triggeredBy, e.nodeId, e.status]).sort(), [["a", "node-drain", "n1", "pending"], ["b", "node-drain", "n1", "pending"]]);

  drainer.tick();
  t.is(writes.length, 1, "nothing changed, no new evals");

  log.must({
    type: "alloc.clientUpdate",
    updates: [{ allocId: "a-0", clientStatus: "running", clientDescription: "", taskStates: {}, modifyTimeMs: Date.now() }],
  });
  drainer.tick();
  t.is(writes.length, 2);
  const second = writes[1];
  t.deepEqual(second?.type === "eval.upsert" ? second.evals.map((e) => e.jobId) : [], ["a"], "only the job whose allocations changed");
});

test("a drain with nowhere to move allocations never has more than max_parallel of them down, and finishes once there is room", async (t) => {
  const count = 3;
  const maxParallel = 1;
  const w = await drainWorld(t, count, maxParallel);
  // Nowhere else to go: the other nodes are not eligible.
  w.log.must({ type: "node.eligibility", nodeId: "n2", eligibility: "ineligible" });
  w.log.must({ type: "node.eligibility", nodeId: "n3", eligibility: "ineligible" });
  w.log.must({ type: "node.drain", nodeId: "n1", drainStrategy: drain(60_000) });
  await waitFor("the migration eval to be processed", () => w.log.store.snapshot().evalsByJob("default", "web")
    .some((e) => e.triggeredBy === "node-drain" && e.status === "complete"), 3_000, () => describeJob(w.log.store.snapshot(), "web"));
  t.true(w.log.store.snapshot().evalsByJob("default", "web").some((e) => e.status === "blocked"), "the migration waits in a blocked eval");
  // Several drain ticks, each a chance to move more.
  await sleep(5 * LEADER_OPTIONS.drainIntervalMs);
  let snap = w.log.store.snapshot();
  const live = liveAllocs(snap, "web").length;
  t.true(live >= count - maxParallel, `${live} of ${count} allocations still run with max_parallel ${maxParallel}: ${describeJob(snap, "web")}`);

  w.log.must({ type: "node.eligibility", nodeId: "n2", eligibility: "eligible" });
  for (let moved = 1; moved <= count; moved++) {
    await waitFor(`${moved} replacements on n2`, () => replacements(w).length >= moved, 3_000, () => describeJob(w.log.store.snapshot(), "web"));
    w.clients.runAndMarkHealthy(unhealthy(w));
  }
  await waitFor("the drain to complete", () => w.log.store.snapshot().node("n1")?.drainStrategy === undefined, 3_000,
    () => describeJob(w.log.store.snapshot(), "web"));
  snap = w.log.store.snapshot();
  t.is(liveAllocs(snap, "web").length, count);
  t.deepEqual(duplicateNames(snap, "web"), []);
  t.deepEqual(clusterViolations(snap), []);
});
