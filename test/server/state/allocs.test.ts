import test from "ava";
import { allocatedTotals, type Job, type TaskState } from "../../../shared/model/index.js";
import { isAllocFullyStopped, isAllocTerminal, StateStore } from "../../../server/state/index.js";
import { timeOrderedId } from "../../../shared/ids.js";
import { allocation, deployment, deploymentState, evaluation, Harness, job, node, uuid, withoutJob } from "./fixtures.js";

function registered(h: Harness, id = "web"): Job {
  h.apply({ type: "job.register", job: job(id) });
  const stored = h.snap.job("default", id);
  if (!stored) throw new Error("job not stored");
  return stored;
}

const running: TaskState = { state: "running", failed: false, restarts: 0, lastRestartMs: 0, startedAtMs: 10, finishedAtMs: 0, events: [] };

test("a plan's allocations are stored with indexes and found by node, job and eval", (t) => {
  const h = new Harness();
  h.apply({ type: "node.register", node: node("n1") });
  const web = registered(h);
  const r = h.apply({
    type: "alloc.upsert",
    job: web,
    allocs: [withoutJob(allocation("a1", web, "n1")), withoutJob(allocation("a2", web, "n2", { evalId: "eval-2" }))],
  });
  t.like(r, { ok: true, index: 3 });
  t.false("notFound" in r);
  const a1 = h.snap.alloc("a1");
  t.like(a1, { createIndex: 3, modifyIndex: 3, allocModifyIndex: 3 });
  t.is(a1?.job, web, "allocations without a job get the plan's job");
  t.deepEqual(h.snap.allocsByNode("n1").map((a) => a.id), ["a1"]);
  t.deepEqual(h.snap.allocsByNode("n2").map((a) => a.id), ["a2"]);
  t.deepEqual(h.snap.allocsByJob("default", "web").map((a) => a.id), ["a1", "a2"]);
  t.deepEqual(h.snap.allocsByEval("eval-2").map((a) => a.id), ["a2"]);
  t.is(h.snap.tableIndex("allocs"), 3);
  t.like(h.snap.jobSummary("default", "web")?.summary["web"], { starting: 2 });
});

test("an allocation without a job of its own takes the registered one, and one with no job at all is skipped", (t) => {
  const h = new Harness();
  const web = registered(h);
  const r = h.apply({ type: "alloc.upsert", allocs: [withoutJob(allocation("a1", web)), withoutJob(allocation("b1", job("ghost")))] });
  t.like(r, { ok: true, notFound: ["b1"] });
  t.is(h.snap.alloc("a1")?.job, web);
  t.is(h.snap.alloc("b1"), undefined);
});

test("client updates change only what the client owns", (t) => {
  const h = new Harness();
  const web = registered(h);
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web, "n1", { desiredDescription: "placed" })] });
  const r = h.apply({
    type: "alloc.clientUpdate",
    updates: [{ allocId: "a1", clientStatus: "running", clientDescription: "Tasks are running", taskStates: { server: running }, modifyTimeMs: 99 }],
  });
  t.like(r, { ok: true });
  const a = h.snap.alloc("a1");
  t.like(a, {
    clientStatus: "running", clientDescription: "Tasks are running", modifyTimeMs: 99, modifyIndex: 3,
    allocModifyIndex: 2, createIndex: 2, desiredStatus: "run", desiredDescription: "placed", nodeId: "n1",
  });
  t.deepEqual(a?.taskStates, { server: running });
  t.like(h.snap.jobSummary("default", "web")?.summary["web"], { starting: 0, running: 1 });
  t.is(h.snap.job("default", "web")?.status, "running");
});


test("a client's report leaves the node index as it is, and the node's allocations read the new row", (t) => {
  const h = new Harness();
  const web = registered(h);
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web, "n1"), allocation("a2", web, "n1")] });
  const before = h.snap.data.allocsByNode;
  h.apply({
    type: "alloc.clientUpdate",
    updates: [{ allocId: "a2", clientStatus: "running", clientDescription: "Tasks are running", taskStates: { server: running }, modifyTimeMs: 99 }],
  });
  t.is(h.snap.data.allocsByNode, before, "the index was not rewritten");
  t.deepEqual(h.snap.allocsByNode("n1").map((a) => [a.id, a.clientStatus]), [["a1", "pending"], ["a2", "running"]]);
});
test("a command that changes a job's summary and counts many times leaves earlier states' rows as they were", (t) => {
  const h = new Harness();
  const web = registered(h);
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web, "n1")] });
  const before = h.snap;
  const summaryBefore = structuredClone(before.jobSummary("default", "web"));
  const countsBefore = structuredClone(before.data.jobCounts.get("default\u0000web"));
  h.apply({ type: "alloc.upsert", allocs: ["a2", "a3", "a4"].map((id) => allocation(id, web, "n1")) });
  const placed = h.snap;
  h.apply({
    type: "alloc.clientUpdate",
    updates: ["a1", "a2", "a3"].map((allocId) => ({ allocId, clientStatus: "running" as const, clientDescription: "", taskStates: {}, modifyTimeMs: 5 })),
  });
  t.deepEqual(before.jobSummary("default", "web"), summaryBefore);
  t.deepEqual(before.data.jobCounts.get("default\u0000web"), countsBefore);
  t.like(before.jobSummary("default", "web")?.summary["web"], { starting: 1, running: 0 });
  t.like(placed.jobSummary("default", "web")?.summary["web"], { starting: 4, running: 0 });
  t.like(placed.data.jobCounts.get("default\u0000web"), { allocs: 4, liveAllocs: 4 });
  t.like(h.snap.jobSummary("default", "web")?.summary["web"], { starting: 1, running: 3 });
});

test("a scheduler's in-place update keeps the client's status and task states", (t) => {
  const h = new Harness();
  const web = registered(h);
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web)] });
  h.apply({ type: "alloc.clientUpdate", updates: [{ allocId: "a1", clientStatus: "running", clientDescription: "", taskStates: { server: running }, modifyTimeMs: 2 }] });
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web, "node-1", { desiredDescription: "in-place update", clientStatus: "pending" })] });
  t.like(h.snap.alloc("a1"), { clientStatus: "running", desiredDescription: "in-place update", allocModifyIndex: 4, createIndex: 2 });
  t.deepEqual(h.snap.alloc("a1")?.taskStates, { server: running });
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web, "node-1", { clientStatus: "lost", desiredStatus: "stop" })] });
  t.is(h.snap.alloc("a1")?.clientStatus, "lost", "the scheduler may declare an allocation lost");
});

test("stopping through a plan marks the allocation; stop plus a finished client makes it fully stopped", (t) => {
  const h = new Harness();
  const web = registered(h);
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web)] });
  h.apply({ type: "alloc.clientUpdate", updates: [{ allocId: "a1", clientStatus: "running", clientDescription: "", taskStates: {}, modifyTimeMs: 2 }] });
  const r = h.apply({
    type: "alloc.upsert", allocs: [],
    stopped: [{ allocId: "a1", desiredDescription: "alloc not needed", followupEvalId: "f1", modifyTimeMs: 50 }, { allocId: "ghost", desiredDescription: "x" }],
  });
  t.like(r, { ok: true, notFound: ["ghost"] });
  const stopped = h.snap.alloc("a1");
  t.like(stopped, { desiredStatus: "stop", desiredDescription: "alloc not needed", followupEvalId: "f1", modifyTimeMs: 50, clientStatus: "running", allocModifyIndex: 4 });
  if (!stopped) return t.fail();
  t.true(isAllocTerminal(stopped));
  t.false(isAllocFullyStopped(stopped));
  h.apply({ type: "alloc.clientUpdate", updates: [{ allocId: "a1", clientStatus: "complete", clientDescription: "", taskStates: {}, modifyTimeMs: 60 }] });
  const done = h.snap.alloc("a1");
  if (!done) return t.fail();
  t.true(isAllocFullyStopped(done));
  t.is(done.desiredStatus, "stop", "a client update never touches the desired status");
});

test("a plan can mark allocations lost and evict preempted ones", (t) => {
  const h = new Harness();
  const web = registered(h);
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web), allocation("a2", web)] });
  h.apply({
    type: "alloc.upsert", allocs: [],
    stopped: [{ allocId: "a1", desiredDescription: "alloc is lost since its node is down", clientStatus: "lost" }],
    preempted: [{ allocId: "a2", desiredDescription: "preempted by alloc x" }],
  });
  t.like(h.snap.alloc("a1"), { desiredStatus: "stop", clientStatus: "lost" });
  t.like(h.snap.alloc("a2"), { desiredStatus: "evict" });
  t.like(h.snap.jobSummary("default", "web")?.summary["web"], { lost: 1, starting: 1 });
});

test("a replacement links its previous allocation", (t) => {
  const h = new Harness();
  const web = registered(h);
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web)] });
  h.apply({ type: "alloc.upsert", allocs: [allocation("a2", web, "node-2", { previousAllocation: "a1" })] });
  t.like(h.snap.alloc("a1"), { nextAllocation: "a2", modifyIndex: 3 });
});

test("client updates for unknown allocations are skipped, not errors", (t) => {
  const h = new Harness();
  const web = registered(h);
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web)] });
  const r = h.apply({
    type: "alloc.clientUpdate",
    updates: [
      { allocId: "ghost", clientStatus: "running", clientDescription: "", taskStates: {}, modifyTimeMs: 1 },
      { allocId: "a1", clientStatus: "running", clientDescription: "", taskStates: {}, modifyTimeMs: 1 },
    ],
  });
  t.like(r, { ok: true, notFound: ["ghost"] });
  t.is(h.snap.alloc("a1")?.clientStatus, "running");
  const none = h.apply({ type: "alloc.clientUpdate", updates: [{ allocId: "ghost", clientStatus: "failed", clientDescription: "", taskStates: {}, modifyTimeMs: 1 }] });
  t.like(none, { ok: true, notFound: ["ghost"] });
  t.is(h.snap.tableIndex("allocs"), 3, "nothing changed, so the table index stays");
});

test("a client update carrying evals creates them with the update", (t) => {
  const h = new Harness();
  const web = registered(h);
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web)] });
  h.apply({
    type: "alloc.clientUpdate",
    updates: [{ allocId: "a1", clientStatus: "failed", clientDescription: "", taskStates: {}, modifyTimeMs: 1 }],
    evals: [evaluation("retry", "web", { triggeredBy: "alloc-failure" })],
  });
  t.like(h.snap.eval("retry"), { createIndex: 3 });
  t.like(h.snap.jobSummary("default", "web")?.summary["web"], { failed: 1, starting: 0 });
});

test("garbage collection deletes allocations with their index entries", (t) => {
  const h = new Harness();
  const web = registered(h);
  h.apply({ type: "eval.upsert", evals: [evaluation("eval-1", "web", { status: "complete" })] });
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web, "n1"), allocation("a2", web, "n1")] });
  t.like(h.apply({ type: "eval.delete", evalIds: ["eval-1"], allocIds: ["a1", "ghost"] }), { ok: true, notFound: ["ghost"] });
  t.is(h.snap.alloc("a1"), undefined);
  t.deepEqual(h.snap.allocsByNode("n1").map((a) => a.id), ["a2"]);
  t.deepEqual(h.snap.allocsByJob("default", "web").map((a) => a.id), ["a2"]);
  t.deepEqual(h.snap.allocsByEval("eval-1").map((a) => a.id), ["a2"]);
  t.is(h.snap.eval("eval-1"), undefined);
  t.deepEqual(h.snap.evalsByJob("default", "web"), []);
});

test("allocations are found by id prefix, optionally within a namespace", (t) => {
  const h = new Harness();
  const web = registered(h);
  const allocs = Array.from({ length: 50 }, (_, i) => allocation(uuid(i * 7919), web));
  h.apply({ type: "alloc.upsert", allocs });
  const target = uuid(25 * 7919);
  t.deepEqual(h.snap.byPrefix("allocs", target.slice(0, 8)).map((a) => a.id), [target]);
  t.deepEqual(h.snap.byPrefix("allocs", target.slice(0, 8), { namespace: "prod" }), []);
  t.is(h.snap.byPrefix("allocs", "", { limit: 5 }).length, 5);
});

test("allocations with ids made in creation order are found by short id and by full id, listed oldest first", (t) => {
  const h = new Harness();
  const web = registered(h);
  const now = Date.now();
  // 300 ids in the same few milliseconds, as one plan makes them.
  const ids = Array.from({ length: 300 }, (_, i) => timeOrderedId(now + Math.floor(i / 100)));
  h.apply({ type: "alloc.upsert", allocs: ids.map((id) => allocation(id, web)) });
  for (const id of [ids[0], ids[150], ids[299]] as string[]) {
    t.deepEqual(h.snap.byPrefix("allocs", id.slice(0, 8)).map((a) => a.id), [id]);
    t.deepEqual(h.snap.byPrefix("allocs", id).map((a) => a.id), [id]);
    t.is(h.snap.alloc(id)?.id, id);
  }
  const byId = [...ids].sort();
  t.deepEqual(h.snap.byPrefix("allocs", "").map((a) => a.id), byId, "a prefix lists by id");
  t.deepEqual(h.snap.byPrefix("allocs", "", { limit: 3 }).map((a) => a.id), byId.slice(0, 3));
  t.deepEqual(h.snap.allocs().map((a) => a.id), ids, "the table lists in creation order");
  t.is(h.snap.allocsByJob("default", "web").length, 300);
  h.apply({ type: "alloc.clientUpdate", updates: [{ allocId: ids[7] as string, clientStatus: "running", clientDescription: "", taskStates: {}, modifyTimeMs: now }] });
  t.is(h.snap.alloc(ids[7] as string)?.clientStatus, "running");
});

test("placements and health reports are counted in the deployment", (t) => {
  const h = new Harness();
  const web = registered(h);
  const d = deployment("d1", "web", { taskGroups: { web: deploymentState({ desiredTotal: 2, desiredCanaries: 1 }) } });
  h.apply({
    type: "alloc.upsert", deployment: d,
    allocs: [
      allocation("c1", web, "n1", { deploymentId: "d1", deploymentStatus: { canary: true, timestampMs: 0, modifyIndex: 0 }, modifyTimeMs: 1000 }),
      allocation("a2", web, "n1", { deploymentId: "d1" }),
    ],
  });
  t.like(h.snap.deployment("d1")?.taskGroups["web"], { placedAllocs: 2, placedCanaries: ["c1"], requireProgressByMs: 601_000 });
  t.deepEqual(h.snap.allocsByDeployment("d1").map((a) => a.id), ["a2", "c1"]);
  h.apply({
    type: "alloc.clientUpdate",
    updates: [{ allocId: "c1", clientStatus: "running", clientDescription: "", taskStates: {}, modifyTimeMs: 2000, deploymentStatus: { healthy: true, timestampMs: 5000, canary: false, modifyIndex: 0 } }],
  });
  t.like(h.snap.alloc("c1")?.deploymentStatus, { healthy: true, timestampMs: 5000, canary: true, modifyIndex: 3 });
  t.like(h.snap.deployment("d1")?.taskGroups["web"], { healthyAllocs: 1, unhealthyAllocs: 0, requireProgressByMs: 605_000 });
  h.apply({ type: "deployment.allocHealth", deploymentId: "d1", healthyAllocIds: [], unhealthyAllocIds: ["c1"], timestampMs: 6000 });
  t.like(h.snap.deployment("d1")?.taskGroups["web"], { healthyAllocs: 0, unhealthyAllocs: 1 });
});

test("a plan's job that equals the stored one is shared by its allocations instead of copied", (t) => {
  const h = new Harness();
  const web = registered(h);
  const decoded = JSON.parse(JSON.stringify(web)) as Job;
  h.apply({ type: "alloc.upsert", job: decoded, allocs: [withoutJob(allocation("a1", web)), withoutJob(allocation("a2", web))] });
  t.is(h.snap.alloc("a1")?.job, web, "the stored job object, not the decoded copy");
  t.is(h.snap.alloc("a2")?.job, web);
  const changed = { ...decoded, meta: { differs: "yes" } };
  h.apply({ type: "alloc.upsert", job: changed, allocs: [withoutJob(allocation("a3", web))] });
  t.deepEqual(h.snap.alloc("a3")?.job.meta, { differs: "yes" });
});

test("a node's usage follows what its live allocations take, not what clients report", (t) => {
  const h = new Harness();
  const web = registered(h);
  const one = allocatedTotals(allocation("a1", web, "n1").allocatedResources);
  const times = (n: number) => ({ cpuMhz: n * one.cpuMhz, memoryMb: n * one.memoryMb, diskMb: n * one.diskMb, allocs: n });
  const sums = (nodeId: string) => {
    const { cpuMhz, memoryMb, diskMb, allocs } = h.snap.nodeUsage(nodeId);
    return { cpuMhz, memoryMb, diskMb, allocs };
  };
  h.apply({ type: "alloc.upsert", allocs: [allocation("a1", web, "n1")] });
  t.deepEqual(sums("n1"), times(1));
  const placed = h.snap.nodeUsage("n1");
  h.apply({ type: "alloc.clientUpdate", updates: [{ allocId: "a1", clientStatus: "running", clientDescription: "", taskStates: { server: running }, modifyTimeMs: 2 }] });
  t.is(h.snap.nodeUsage("n1"), placed, "pending → running takes nothing more: the very same row");
  h.apply({ type: "alloc.upsert", allocs: [allocation("a2", web, "n1")] });
  t.deepEqual(sums("n1"), times(2), "a new allocation");
  h.apply({ type: "alloc.clientUpdate", updates: [{ allocId: "a1", clientStatus: "complete", clientDescription: "", taskStates: {}, modifyTimeMs: 9 }] });
  t.deepEqual(sums("n1"), times(1), "a finished allocation frees what it took");
  h.apply({ type: "alloc.upsert", allocs: [{ ...withoutJob(allocation("a2", web, "n2")) }] });
  t.deepEqual(sums("n1"), times(0), "an allocation moved to another node leaves");
  t.deepEqual(sums("n2"), times(1), "and arrives there");
  h.apply({ type: "alloc.upsert", allocs: [], stopped: [{ allocId: "a2", desiredDescription: "alloc not needed" }] });
  t.deepEqual(sums("n2"), times(0), "a stopped one frees it too");
});

test("a node's usage lists the allocations holding ports, and restores from a snapshot as it was", (t) => {
  const h = new Harness();
  const web = registered(h);
  const plain = allocation("a1", web, "n1");
  const withPort = allocation("a2", web, "n1");
  withPort.allocatedResources = { ...withPort.allocatedResources, ports: [{ label: "http", value: 8080, to: 8080, hostIp: "10.0.0.1" }] };
  h.apply({ type: "alloc.upsert", allocs: [plain, withPort] });
  t.deepEqual(h.snap.nodeUsage("n1").holders.map((a) => a.id), ["a2"]);
  const restored = StateStore.restore(h.store.persist()).snapshot();
  t.deepEqual(restored.nodeUsage("n1"), { ...h.snap.nodeUsage("n1"), holders: [restored.alloc("a2")] });
  h.apply({ type: "alloc.upsert", allocs: [], stopped: [{ allocId: "a2", desiredDescription: "alloc not needed" }] });
  t.deepEqual(h.snap.nodeUsage("n1").holders, [], "a stopped holder lets go of its port");
  t.is(h.snap.nodeUsage("n1").allocs, 1);
});
