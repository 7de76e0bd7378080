// The system scheduler over a real state store: one allocation per eligible, feasible node.

import test from "ava";
import { ALLOC_LOST } from "../../../../server/scheduler/reconcile/index.js";
import { ALLOC_NODE_INFEASIBLE } from "../../../../server/scheduler/schedulers/index.js";
import { Cluster, group, job, node, placed, stopped } from "./fixtures.js";

const noDriver = () => node("n3", { drivers: {}, attributes: { "kernel.name": "linux", "cpu.arch": "amd64" } });

test("a system job places one allocation per node and skips a node without the driver", (t) => {
  const c = new Cluster().nodes(node("n1"), node("n2"), noDriver());
  const j = c.register(job("agent", { type: "system", taskGroups: [group("agent", 1)] }));
  const r = c.run(j);
  const allocs = placed(r);
  t.deepEqual(allocs.map((a) => a.nodeId).sort(), ["n1", "n2"]);
  t.true(allocs.every((a) => a.name === "agent.agent[0]" && a.desiredStatus === "run" && a.clientStatus === "pending"));
  t.deepEqual(r.evalUpdate.failedTgAllocs, {}, "an infeasible node is not a failure");
  t.is(r.blockedEval, undefined);
  t.is(r.evalUpdate.status, "complete");

  // Nothing to do on a second run.
  c.commit(r);
  const again = c.run(j);
  t.deepEqual(placed(again), []);
  t.deepEqual(stopped(again), []);
});

test("a new node gets the system job; a node-scoped eval touches only its node", (t) => {
  const c = new Cluster().nodes(node("n1"));
  const j = c.register(job("agent", { type: "system", taskGroups: [group("agent", 1)] }));
  c.commit(c.run(j));
  c.nodes(node("n2"), node("n4"));
  const r = c.run(j, { nodeId: "n2", triggeredBy: "node-update" });
  t.deepEqual(placed(r).map((a) => a.nodeId), ["n2"]);
});

test("a down node's system allocation is lost and a node that lost the driver stops it", (t) => {
  const c = new Cluster().nodes(node("n1"), node("n2"), node("n3"));
  const j = c.register(job("agent", { type: "system", taskGroups: [group("agent", 1)] }));
  c.commit(c.run(j));
  c.nodeStatus("n1", "down");
  c.nodes(noDriver());
  const r = c.run(j, { triggeredBy: "node-update" });
  const stops = stopped(r);
  const byNode = new Map(stops.map((a) => [a.nodeId, a]));
  t.is(stops.length, 2);
  t.is(byNode.get("n1")?.clientStatus, "lost");
  t.is(byNode.get("n1")?.desiredDescription, ALLOC_LOST);
  t.is(byNode.get("n3")?.desiredDescription, ALLOC_NODE_INFEASIBLE);
  t.deepEqual(placed(r), []);
});

test("a node without room records a failure for the group", (t) => {
  const c = new Cluster().nodes(node("n1"), node("small", {}, { memoryMb: 128 }));
  const j = c.register(job("agent", { type: "system", taskGroups: [group("agent", 1)] }));
  const r = c.run(j);
  t.deepEqual(placed(r).map((a) => a.nodeId), ["n1"]);
  t.is(r.evalUpdate.failedTgAllocs["agent"]?.dimensionExhausted["memory"], 1);
  t.deepEqual(r.evalUpdate.queuedAllocations, { agent: 1 });
});

test("a sysbatch job does not re-run completed allocations", (t) => {
  const c = new Cluster().nodes(node("n1"), node("n2"));
  const j = c.register(job("once", { type: "sysbatch", taskGroups: [group("run", 1)] }));
  c.commit(c.run(j));
  c.setClientStatus(c.allocs(j), "complete");
  const r = c.run(j);
  t.deepEqual(placed(r), []);
  t.deepEqual(stopped(r), []);
});

test("a stopped system job stops everything", (t) => {
  const c = new Cluster().nodes(node("n1"), node("n2"));
  const j = c.register(job("agent", { type: "system", taskGroups: [group("agent", 1)] }));
  c.commit(c.run(j));
  const r = c.run(c.register({ ...j, stop: true }));
  t.is(stopped(r).length, 2);
  t.deepEqual(placed(r), []);
});
