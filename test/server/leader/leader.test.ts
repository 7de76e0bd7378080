// The leader's duties over real state stores: rebuilding the broker and the blocked evals on
// establish, scheduling what the log applies, failing over mid-scheduling without duplicating or
// over-committing anything, replacing the allocations of a node that stopped heartbeating, and
// waking blocked evals only when capacity that could help them appears.

import test, { type ExecutionContext } from "ava";
import type { Evaluation } from "../../../shared/model/index.js";
import { LeaderDuties } from "../../../server/leader/leader.js";
import { allocation, usage } from "../scheduler/fixtures.js";
import {
  Clients, clusterNode, clusterViolations, describeJob, duplicateNames, evaluation, evalsOf, LEADER_OPTIONS, liveAllocs, logger,
  registerJob, registerNodes, ReplicatedLog, serviceJob, sizedGroup, waitFor,
} from "./harness.js";

interface World {
  log: ReplicatedLog;
  clients: Clients;
  leaders: LeaderDuties[];
  /** A leader for server `s<n>` over store `n - 1`. */
  leader(n?: number): LeaderDuties;
}

function world(t: ExecutionContext, stores = 1): World {
  const log = new ReplicatedLog(stores);
  const leaders: LeaderDuties[] = [];
  const clients = new Clients(log, () => leaders);
  const w: World = {
    log, clients, leaders,
    leader: (n = 1) => {
      const store = log.stores[n - 1];
      if (!store) throw new Error(`no store ${n}`);
      const l = new LeaderDuties(LEADER_OPTIONS, { store, propose: log.proposer(`s${n}`), logger });
      leaders.push(l);
      return l;
    },
  };
  t.teardown(async () => {
    clients.stop();
    await Promise.all(leaders.map((l) => l.revoke()));
  });
  return w;
}

const windows = { attribute: "${attr.kernel.name}", operator: "=" as const, value: "windows" };
const windowsNode = (id: string) => clusterNode(id, { attributes: { "kernel.name": "windows", "cpu.arch": "amd64", "driver.mock": "1" } });
const terminal = (e: Evaluation) => e.status === "complete" || e.status === "failed" || e.status === "canceled";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("establish rebuilds the broker from pending evals and the blocked evals from blocked ones, then schedules them", async (t) => {
  const w = world(t);
  registerNodes(w.log, clusterNode("n1"), clusterNode("n2"));
  const pending = registerJob(w.log, serviceJob("web", sizedGroup(2, 500)));
  // A job that could not be placed before this leader took over, and one that is done.
  w.log.must({ type: "job.register", job: serviceJob("win", sizedGroup(1, 500), { constraints: [windows] }) });
  const linux = clusterNode("n1").computedClass;
  const blockedEval = evaluation("blocked-1", "win", {
    status: "blocked", triggeredBy: "queued-allocs", classEligibility: { [linux]: false }, snapshotIndex: w.log.index,
  });
  w.log.must({ type: "eval.upsert", evals: [blockedEval, evaluation("done-1", "web", { status: "complete" })] });

  const leader = w.leader();
  t.false(leader.broker.isEnabled());
  w.clients.start("n1", "n2");
  leader.establish();
  t.true(leader.isActive);
  const stats = leader.broker.stats();
  t.is(stats.totalReady + stats.totalUnacked, 1, "only the pending eval is queued");
  t.is(leader.blocked.stats().totalBlocked, 1);
  t.is(leader.blocked.blockedFor("default", "win")?.id, "blocked-1");
  t.true(leader.heartbeats.has("n1") && leader.heartbeats.has("n2"), "every live node gets a heartbeat timer");

  await waitFor("the pending eval to be scheduled", () => w.log.store.snapshot().eval(pending)?.status === "complete");
  t.is(liveAllocs(w.log.store.snapshot(), "web").length, 2);
  t.is(w.log.store.snapshot().eval("blocked-1")?.status, "blocked", "the blocked eval waits for capacity");

  // Capacity of a class it has not seen yet: the rebuilt tracker sends it back to the broker.
  registerNodes(w.log, windowsNode("w1"));
  w.clients.start("w1");
  await waitFor("the blocked eval to place the job", () => liveAllocs(w.log.store.snapshot(), "win").length === 1, 3_000,
    () => describeJob(w.log.store.snapshot(), "win"));
  await waitFor("the blocked eval to complete", () => w.log.store.snapshot().eval("blocked-1")?.status === "complete");
  t.is(liveAllocs(w.log.store.snapshot(), "win")[0]?.nodeId, "w1");
});

test("a job registered after establish is placed through the observer, its eval completed and acked", async (t) => {
  const w = world(t);
  registerNodes(w.log, clusterNode("n1"), clusterNode("n2"), clusterNode("n3"));
  const leader = w.leader();
  w.clients.start("n1", "n2", "n3");
  leader.establish();
  const evalId = registerJob(w.log, serviceJob("web", sizedGroup(5, 1000)));
  await waitFor("the eval to complete", () => w.log.store.snapshot().eval(evalId)?.status === "complete", 3_000,
    () => describeJob(w.log.store.snapshot(), "web"));
  const snap = w.log.store.snapshot();
  t.is(liveAllocs(snap, "web").length, 5);
  t.deepEqual(duplicateNames(snap, "web"), []);
  t.deepEqual(clusterViolations(snap), []);
  await waitFor("the broker to drain", () => leader.broker.stats().totalUnacked === 0);
  t.like(leader.broker.stats(), { totalReady: 0, totalPending: 0 });
  t.is(leader.applier.stats.applied, 1);
});

test("a job that cannot be placed leaves exactly one blocked eval and schedules nothing more until capacity of a fitting class appears", async (t) => {
  const w = world(t);
  registerNodes(w.log, clusterNode("n1"), clusterNode("n2"));
  const leader = w.leader();
  w.clients.start("n1", "n2");
  leader.establish();
  const evalId = registerJob(w.log, serviceJob("win", sizedGroup(2, 500), { constraints: [windows] }));
  await waitFor("the eval to complete", () => w.log.store.snapshot().eval(evalId)?.status === "complete");
  await waitFor("the blocked eval to be tracked", () => leader.blocked.stats().totalBlocked === 1);
  const snap = w.log.store.snapshot();
  t.is(snap.eval(evalId)?.failedTgAllocs["web"]?.constraintFiltered["${attr.kernel.name} = windows"], 2);
  const blocked = evalsOf(snap, "win").filter((e) => e.status === "blocked");
  t.is(blocked.length, 1);
  const indexAfterBlock = w.log.index;

  await sleep(150);
  t.is(w.log.index, indexAfterBlock, "nothing was written: no retry storm");
  t.is(evalsOf(w.log.store.snapshot(), "win").length, 2);
  t.like(leader.broker.stats(), { totalReady: 0, totalUnacked: 0, totalWaiting: 0, totalPending: 0 });

  // More of a class the eval found ineligible does not wake it.
  registerNodes(w.log, clusterNode("n3"));
  w.clients.start("n3");
  await sleep(60);
  t.is(evalsOf(w.log.store.snapshot(), "win").length, 2);
  t.is(leader.blocked.blockedFor("default", "win")?.id, blocked[0]?.id);

  registerNodes(w.log, windowsNode("w1"));
  w.clients.start("w1");
  await waitFor("the job to be placed on the windows node", () => liveAllocs(w.log.store.snapshot(), "win").length === 2, 3_000,
    () => describeJob(w.log.store.snapshot(), "win"));
  await waitFor("the blocked eval to complete", () => w.log.store.snapshot().eval(blocked[0]?.id ?? "")?.status === "complete");
  t.true(liveAllocs(w.log.store.snapshot(), "win").every((a) => a.nodeId === "w1"));
  t.is(evalsOf(w.log.store.snapshot(), "win").filter((e) => e.status === "blocked").length, 0);
});

test("a node that registers unblocks the blocked eval and the remaining allocations are placed on it", async (t) => {
  const w = world(t);
  registerNodes(w.log, clusterNode("n1"));
  const leader = w.leader();
  w.clients.start("n1");
  leader.establish();
  // 4 x 1500 MHz on one 4000 MHz node: two fit, two wait.
  const evalId = registerJob(w.log, serviceJob("web", sizedGroup(4, 1500)));
  await waitFor("the eval to complete", () => w.log.store.snapshot().eval(evalId)?.status === "complete");
  let snap = w.log.store.snapshot();
  t.is(liveAllocs(snap, "web").length, 2);
  t.is(snap.eval(evalId)?.failedTgAllocs["web"]?.dimensionExhausted["cpu"], 1);
  const blockedId = snap.eval(evalId)?.blockedEval ?? "";
  t.is(snap.eval(blockedId)?.status, "blocked");
  await waitFor("the blocked eval to be tracked", () => leader.blocked.stats().totalBlocked === 1);

  registerNodes(w.log, clusterNode("n2"));
  w.clients.start("n2");
  await waitFor("all four allocations", () => liveAllocs(w.log.store.snapshot(), "web").length === 4, 3_000,
    () => describeJob(w.log.store.snapshot(), "web"));
  await waitFor("the blocked eval to complete", () => w.log.store.snapshot().eval(blockedId)?.status === "complete");
  snap = w.log.store.snapshot();
  t.is(liveAllocs(snap, "web").filter((a) => a.nodeId === "n2").length, 2);
  t.deepEqual(duplicateNames(snap, "web"), []);
  t.deepEqual(clusterViolations(snap), []);
  t.is(leader.blocked.stats().totalBlocked, 0);
});

test("a node whose heartbeat timer expires is marked down and its allocations are replaced on other nodes", async (t) => {
  const w = world(t);
  registerNodes(w.log, clusterNode("n1"), clusterNode("n2"), clusterNode("n3"));
  const leader = w.leader();
  w.clients.start("n1", "n2", "n3");
  leader.establish();
  const evalId = registerJob(w.log, serviceJob("web", sizedGroup(3, 1500)));
  await waitFor("the eval to complete", () => w.log.store.snapshot().eval(evalId)?.status === "complete");
  const before = liveAllocs(w.log.store.snapshot(), "web");
  t.is(before.length, 3);
  const victim = before[0]?.nodeId ?? "";
  const onVictim = before.filter((a) => a.nodeId === victim).map((a) => a.id);

  w.clients.kill(victim);
  await waitFor("the silent node to be marked down", () => w.log.store.snapshot().node(victim)?.status === "down", 2_000);
  t.like(w.log.store.snapshot().node(victim), { statusDescription: "node missed its heartbeat" });
  t.false(leader.heartbeats.has(victim));
  await waitFor("replacements on the other nodes", () => {
    const live = liveAllocs(w.log.store.snapshot(), "web");
    return live.length === 3 && live.every((a) => a.nodeId !== victim);
  }, 3_000, () => describeJob(w.log.store.snapshot(), "web"));
  const snap = w.log.store.snapshot();
  for (const id of onVictim) t.like(snap.alloc(id), { desiredStatus: "stop", clientStatus: "lost" });
  t.deepEqual(duplicateNames(snap, "web"), []);
  t.deepEqual(clusterViolations(snap), []);
  await waitFor("the node-update eval to complete", () => evalsOf(w.log.store.snapshot(), "web").some((e) => e.triggeredBy === "node-update" && e.status === "complete"));
  for (const n of ["n1", "n2", "n3"].filter((n) => n !== victim)) t.is(w.log.store.snapshot().node(n)?.status, "ready", `${n} kept heartbeating`);
});

test("a blocked eval that still cannot place everything is re-blocked, not duplicated, and finishes when more capacity appears", async (t) => {
  const w = world(t);
  registerNodes(w.log, clusterNode("n1"));
  const leader = w.leader();
  w.clients.start("n1");
  leader.establish();
  // 6 x 1500 MHz: two per 4000 MHz node.
  const evalId = registerJob(w.log, serviceJob("web", sizedGroup(6, 1500)));
  await waitFor("the eval to complete", () => w.log.store.snapshot().eval(evalId)?.status === "complete");
  const blockedId = w.log.store.snapshot().eval(evalId)?.blockedEval ?? "";
  await waitFor("the blocked eval to be tracked", () => leader.blocked.stats().totalBlocked === 1);

  registerNodes(w.log, clusterNode("n2"));
  w.clients.start("n2");
  await waitFor("two more allocations", () => liveAllocs(w.log.store.snapshot(), "web").length === 4, 3_000,
    () => describeJob(w.log.store.snapshot(), "web"));
  await waitFor("the blocked eval to be re-blocked", () => leader.blocked.blockedFor("default", "web")?.id === blockedId && leader.broker.stats().totalUnacked === 0);
  let snap = w.log.store.snapshot();
  t.is(snap.eval(blockedId)?.status, "blocked");
  t.is(evalsOf(snap, "web").length, 2, "the same blocked eval waits again; no new one");

  registerNodes(w.log, clusterNode("n3"));
  w.clients.start("n3");
  await waitFor("all six allocations", () => liveAllocs(w.log.store.snapshot(), "web").length === 6, 3_000,
    () => describeJob(w.log.store.snapshot(), "web"));
  await waitFor("the blocked eval to complete", () => w.log.store.snapshot().eval(blockedId)?.status === "complete");
  snap = w.log.store.snapshot();
  t.deepEqual(duplicateNames(snap, "web"), []);
  t.deepEqual(clusterViolations(snap), []);
  t.is(leader.blocked.stats().totalBlocked, 0);
});

test("stopping a job cancels its blocked eval", async (t) => {
  const w = world(t);
  registerNodes(w.log, clusterNode("n1"));
  const leader = w.leader();
  w.clients.start("n1");
  leader.establish();
  const evalId = registerJob(w.log, serviceJob("win", sizedGroup(1, 500), { constraints: [windows] }));
  await waitFor("the eval to complete", () => w.log.store.snapshot().eval(evalId)?.status === "complete");
  const blockedId = w.log.store.snapshot().eval(evalId)?.blockedEval ?? "";
  await waitFor("the blocked eval to be tracked", () => leader.blocked.stats().totalBlocked === 1);

  w.log.must({ type: "job.deregister", namespace: "default", jobId: "win", purge: false, eval: evaluation("stop-1", "win", { triggeredBy: "job-deregister" }) });
  await waitFor("the blocked eval to be canceled", () => w.log.store.snapshot().eval(blockedId)?.status === "canceled");
  await waitFor("the deregister eval to complete", () => w.log.store.snapshot().eval("stop-1")?.status === "complete");
  t.is(leader.blocked.stats().totalBlocked, 0);
  // Capacity that would have fit the job no longer schedules anything.
  registerNodes(w.log, windowsNode("w1"));
  w.clients.start("w1");
  await sleep(60);
  t.deepEqual(w.log.store.snapshot().allocsByJob("default", "win"), []);
});

/**
 * Four nodes and six jobs, registered before anyone leads: a few dozen allocations to schedule.
 * The jobs ask for 14,500 MHz in pieces of 500 to 1,000. Nodes of 5,000 MHz leave 5,500 free, so
 * some node always has room for the largest piece; with 4,000 MHz nodes, bin-packing could leave
 * every node a few hundred short of it and rightly block the last placement.
 */
function registerFleet(log: ReplicatedLog): Map<string, number> {
  registerNodes(log, ...["n1", "n2", "n3", "n4"].map((id) => clusterNode(id, {}, { cpuMhz: 5000 })));
  const counts = new Map<string, number>();
  for (let i = 0; i < 6; i++) {
    const count = 2 + (i % 3);
    registerJob(log, serviceJob(`job${i}`, sizedGroup(count, 500 + 250 * (i % 3), 512)));
    counts.set(`job${i}`, count);
  }
  return counts;
}

async function expectSettled(t: ExecutionContext, w: World, counts: Map<string, number>, storeIndex = 0): Promise<void> {
  const store = w.log.stores[storeIndex];
  if (!store) throw new Error("no store");
  const describe = () => [...counts.keys()].map((j) => `${j}: ${describeJob(store.snapshot(), j)}`).join("\n");
  await waitFor("every job to be placed and every eval to end", () => {
    const snap = store.snapshot();
    return [...counts].every(([j, n]) => liveAllocs(snap, j).length >= n) && snap.evals().every(terminal);
  }, 4_000, describe);
  const snap = store.snapshot();
  for (const [j, n] of counts) {
    t.is(liveAllocs(snap, j).length, n, `${j}: ${describeJob(snap, j)}`);
    t.deepEqual(duplicateNames(snap, j), [], j);
  }
  t.deepEqual(snap.evals().filter((e) => e.status !== "complete").map((e) => `${e.jobId}:${e.triggeredBy}:${e.status}`), []);
  t.deepEqual(clusterViolations(snap), []);
  t.deepEqual(snap.nodes().filter((n) => n.status !== "ready").map((n) => n.id), [], "no live node was marked down across the failover");
}

test("a failover while a plan is in flight loses that plan, and still every eval ends complete with nothing duplicated and no node over-committed", async (t) => {
  const w = world(t, 2);
  const counts = registerFleet(w.log);
  const a = w.leader(1);
  const b = w.leader(2);
  w.clients.start("n1", "n2", "n3", "n4");
  w.log.latencyMs = 5;

  // Leadership moves while the second plan is on its way: the first plan committed, the second is
  // lost with the old term; the old leader steps down while the new one takes over.
  let pendingAtFailover = -1;
  let revoked: Promise<void> | undefined;
  let plans = 0;
  w.log.onPropose = (cmd) => {
    if (cmd.type !== "alloc.upsert" || ++plans !== 2) return;
    w.log.onPropose = undefined;
    queueMicrotask(() => {
      pendingAtFailover = w.log.stores[1]?.snapshot().evals().filter((e) => e.status === "pending").length ?? -1;
      w.log.elect("s2");
      revoked = a.revoke();
      b.establish();
    });
  };
  a.establish();
  await waitFor("the failover", () => revoked !== undefined);
  await revoked;
  t.true(pendingAtFailover > 0, "the failover happened while evals were still to be scheduled");
  t.false(a.isActive);
  t.true(b.isActive);

  await expectSettled(t, w, counts, 1);
  // The second plan, and the first too if it was still committing (plans are pipelined).
  const lost = w.log.lostEntries.map((c) => c.type);
  t.true(lost.length >= 1 && lost.length <= 2 && lost.every((type) => type === "alloc.upsert"), `lost: ${lost.join(", ")}`);
  t.is(w.log.stores[0]?.latestIndex, w.log.stores[1]?.latestIndex, "both servers applied the same log");
  t.deepEqual(w.log.stores[0]?.snapshot().allocs().map((x) => x.id).sort(), w.log.stores[1]?.snapshot().allocs().map((x) => x.id).sort());
});

test("a failover that lets the old leader finish its in-flight plans before the new one starts duplicates nothing", async (t) => {
  const w = world(t, 2);
  const counts = registerFleet(w.log);
  const a = w.leader(1);
  const b = w.leader(2);
  w.clients.start("n1", "n2", "n3", "n4");
  w.log.latencyMs = 5;
  let failover: Promise<void> | undefined;
  w.log.beforeCommit = (cmd) => {
    if (cmd.type !== "alloc.upsert") return;
    w.log.beforeCommit = undefined;
    failover = (async () => {
      await a.revoke(); // in-flight plans of the old term still commit
      w.log.elect("s2");
      b.establish();
    })();
  };
  a.establish();
  await waitFor("the failover", () => failover !== undefined);
  await failover;
  await expectSettled(t, w, counts, 1);
});

test("a server that loses leadership and wins it again schedules again", async (t) => {
  const w = world(t);
  registerNodes(w.log, clusterNode("n1"), clusterNode("n2"));
  const leader = w.leader();
  w.clients.start("n1", "n2");
  leader.establish();
  const first = registerJob(w.log, serviceJob("first", sizedGroup(1, 500)));
  await waitFor("the first job's eval", () => w.log.store.snapshot().eval(first)?.status === "complete");

  await leader.revoke();
  w.log.elect("s1");
  leader.establish();
  const second = registerJob(w.log, serviceJob("second", sizedGroup(1, 500)));
  await waitFor("the second job to be placed after re-election", () => liveAllocs(w.log.store.snapshot(), "second").length === 1, 1_500,
    () => `${describeJob(w.log.store.snapshot(), "second")}; applier ${JSON.stringify(leader.applier.stats)}`);
  t.is(w.log.store.snapshot().eval(second)?.status, "complete");
});

test("evals of a job superseded while another of its evals is in flight are canceled, not left pending", async (t) => {
  const w = world(t);
  registerNodes(w.log, clusterNode("n1"), clusterNode("n2"));
  const leader = w.leader();
  w.clients.start("n1", "n2");
  leader.establish();
  w.log.latencyMs = 20;
  const first = registerJob(w.log, serviceJob("web", sizedGroup(2, 500)));
  await waitFor("the first eval to be in flight", () => leader.broker.stats().totalUnacked === 1);
  // Three more evals of the job arrive while the first is being scheduled (e.g. `job eval` x3).
  const more = ["e2", "e3", "e4"].map((id) => evaluation(id, "web", { triggeredBy: "job-register", createTimeMs: Date.now(), modifyTimeMs: Date.now() }));
  for (const ev of more) w.log.must({ type: "eval.upsert", evals: [ev] });
  await waitFor("every eval of the job to end", () => evalsOf(w.log.store.snapshot(), "web").every(terminal), 1_500,
    () => describeJob(w.log.store.snapshot(), "web"));
  const snap = w.log.store.snapshot();
  t.is(snap.eval(first)?.status, "complete");
  t.is(liveAllocs(snap, "web").length, 2);
});

test("an eval that hit the plan-attempt limit waits in the blocked evals for the periodic retry instead of going straight back to the broker", async (t) => {
  const w = world(t);
  registerNodes(w.log, ...Array.from({ length: 6 }, (_, i) => clusterNode(`n${i}`)));
  w.log.must({ type: "job.register", job: serviceJob("other", sizedGroup(1, 100)) });
  const other = w.log.store.snapshot().job("default", "other");
  const leader = w.leader();
  w.clients.start("n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9");
  leader.establish();
  // Capacity changes after establish are what blocked evals are woken by.
  registerNodes(w.log, ...Array.from({ length: 4 }, (_, i) => clusterNode(`n${6 + i}`)));

  // Every plan of "web" loses its node to another worker's plan just before it is applied.
  const applier = leader.applier;
  const submit = applier.submit.bind(applier);
  let webPlans = 0;
  let filler = 0;
  applier.submit = (s) => {
    if (s.plan.jobId === "web" && other) {
      webPlans++;
      for (const nodeId of Object.keys(s.plan.nodeAllocation)) {
        const g = other.taskGroups[0];
        const n = w.log.store.snapshot().node(nodeId);
        if (!g || !n) continue;
        filler++;
        w.log.must({ type: "alloc.upsert", allocs: [allocation(`f${filler}`, other, g, nodeId, usage(n.resources.cpuMhz, 64), { name: `other.web[${filler}]` })] });
      }
    }
    return submit(s);
  };
  const evalId = registerJob(w.log, serviceJob("web", sizedGroup(1, 500)));
  await waitFor("the eval to fail", () => w.log.store.snapshot().eval(evalId)?.status === "failed", 3_000,
    () => describeJob(w.log.store.snapshot(), "web"));
  const blockedId = w.log.store.snapshot().eval(evalId)?.blockedEval ?? "";
  t.is(webPlans, 5);
  await sleep(150);
  t.is(webPlans, 5, "no new plan attempts before the periodic retry of failed evals");
  t.is(w.log.store.snapshot().eval(blockedId)?.status, "blocked", describeJob(w.log.store.snapshot(), "web"));
  t.is(leader.blocked.stats().totalFailed, 1);
});
