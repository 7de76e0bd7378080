// Which nodes a group may run on: datacenters, pools, drivers, constraints, devices,
// distinct_hosts / distinct_property, and the per-class cache of these verdicts.

import test from "ava";
import type { Constraint, Node } from "../../../shared/model/index.js";
import { candidateNodes, computeNodeClass, globMatch } from "../../../server/scheduler/index.js";
import { allocation, emptyPlan, engineFor, group, jobWith, MemState, node, nodes, placeMany, tally, task, usage } from "./fixtures.js";

const c = (attribute: string, operator: Constraint["operator"], value = ""): Constraint => ({ attribute, operator, value });

test("datacenter globs match like Nomad's", (t) => {
  t.true(globMatch("*", "dc1"));
  t.true(globMatch("us-*", "us-east-1"));
  t.false(globMatch("us-*", "eu-west-1"));
  t.true(globMatch("*-1", "us-east-1"));
  t.true(globMatch("us-*-1", "us-east-1"));
  t.false(globMatch("us-*-2", "us-east-1"));
  t.true(globMatch("dc1", "dc1"));
  t.false(globMatch("dc1", "dc10"));
});

test("only ready, eligible, undrained nodes in the job's datacenters and pool are candidates", (t) => {
  const all: Node[] = [
    node("a", { datacenter: "us-east-1" }),
    node("b", { datacenter: "us-west-2" }),
    node("c", { datacenter: "eu-west-1" }),
    node("d", { datacenter: "us-east-1", status: "down" }),
    node("e", { datacenter: "us-east-1", schedulingEligibility: "ineligible" }),
    node("f", { datacenter: "us-east-1", drainStrategy: { deadlineMs: 0, ignoreSystemJobs: false, forceDeadlineMs: 0, startedAtMs: 0 } }),
    node("g", { datacenter: "us-east-1", nodePool: "gpu" }),
  ];
  const us = candidateNodes(all, { datacenters: ["us-*"], nodePool: "default" });
  t.deepEqual(us.nodes.map((n) => n.id), ["a", "b"]);
  t.is(us.nodesInPool, 3);
  t.deepEqual(us.nodesAvailable, { "us-east-1": 1, "us-west-2": 1 });
  t.deepEqual(candidateNodes(all, { datacenters: ["us-*"], nodePool: "gpu" }).nodes.map((n) => n.id), ["g"]);
  t.deepEqual(candidateNodes(all, { datacenters: ["*"], nodePool: "all" }).nodes.map((n) => n.id), ["a", "b", "c", "g"]);
  t.deepEqual(candidateNodes(all, { datacenters: [], nodePool: "" }).nodes.map((n) => n.id), ["a", "b", "c"]);
});

test("a placement lands only in a matching datacenter and pool", (t) => {
  const state = new MemState([
    node("a", { datacenter: "eu-1" }), node("b", { datacenter: "us-1" }), node("c", { datacenter: "us-2", nodePool: "other" }),
  ]);
  const { job, group: g } = jobWith(group(), { datacenters: ["us-*"] });
  const p = engineFor(state).select(job, g);
  t.is(p.node?.id, "b");
  t.is(p.metrics.nodesInPool, 2);
  t.deepEqual(p.metrics.nodesAvailable, { "us-1": 1 });
});

test("nodes without a healthy driver are filtered as missing drivers", (t) => {
  const state = new MemState([
    node("no-driver", { drivers: {}, attributes: {} }),
    node("unhealthy", { drivers: { docker: { detected: true, healthy: false, healthDescription: "", attributes: {} } } }),
    node("attr-only", { drivers: {}, attributes: { "driver.docker": "1" } }),
    node("healthy", { drivers: { docker: { detected: true, healthy: true, healthDescription: "", attributes: {} } } }),
  ]);
  const { job, group: g } = jobWith(group("web", 1, { tasks: [task("t", { driver: "docker" })] }));
  const engine = engineFor(state);
  const { nodeIds } = placeMany(engine, job, g, 2);
  t.deepEqual(new Set(nodeIds), new Set(["attr-only", "healthy"]));
  const third = engine.select(job, g);
  t.is(third.metrics.constraintFiltered["missing drivers"], 2);
});

test("job, group and task constraints all apply, and the failing one is named", (t) => {
  const state = new MemState([
    node("arm", { attributes: { "cpu.arch": "arm64", "kernel.name": "linux" } }),
    node("amd-r1", { meta: { rack: "r1" } }),
    node("amd-r2", { meta: { rack: "r2" } }),
  ]);
  const g = group("web", 1, {
    constraints: [c("${meta.rack}", "=", "r2")],
    tasks: [task("t", { constraints: [c("${attr.kernel.name}", "regexp", "^lin")] })],
  });
  const { job } = jobWith(g, { constraints: [c("${attr.cpu.arch}", "=", "amd64")] });
  const p = engineFor(state).select(job, g);
  t.is(p.node?.id, "amd-r2");
  t.deepEqual(p.metrics.constraintFiltered, { "${attr.cpu.arch} = amd64": 1, "${meta.rack} = r2": 1 });
  t.is(p.metrics.nodesFiltered, 2);
  t.is(p.metrics.nodesEvaluated, 3);
});

test("distinct_hosts at job level keeps every allocation of the job on its own node, planned ones included", (t) => {
  const state = new MemState(nodes(3));
  const g = group("web", 4);
  const { job } = jobWith(g, { constraints: [c("", "distinct_hosts", "true")] });
  const { nodeIds, placements } = placeMany(engineFor(state), job, g, 4);
  t.is(new Set(nodeIds.slice(0, 3)).size, 3);
  t.is(nodeIds[3], undefined);
  t.is(placements[3]?.metrics.constraintFiltered["distinct_hosts"], 3);
});

test("distinct_hosts at group level ignores the job's other groups", (t) => {
  const state = new MemState(nodes(2));
  const web = group("web", 2, { constraints: [c("", "distinct_hosts", "")] });
  const db = group("db", 2);
  const { job } = jobWith(web);
  job.taskGroups.push(db);
  const engine = engineFor(state);
  const plan = emptyPlan();
  placeMany(engine, job, db, 2, plan);
  const { nodeIds } = placeMany(engine, job, web, 3, plan);
  t.is(new Set(nodeIds.slice(0, 2)).size, 2);
  t.is(nodeIds[2], undefined);
});

test("distinct_property allows N allocations per value of the property", (t) => {
  const state = new MemState(nodes(6, "node", (i) => ({ meta: { rack: `r${i % 3}` } })));
  const g = group("web", 7, { constraints: [c("${meta.rack}", "distinct_property", "2")] });
  const { job } = jobWith(g);
  const { nodeIds, placements } = placeMany(engineFor(state), job, g, 7);
  const racks = nodeIds.slice(0, 6).map((id) => state.nodes().find((n) => n.id === id)?.meta["rack"]);
  t.deepEqual(tally(racks), { r0: 2, r1: 2, r2: 2 });
  t.is(nodeIds[6], undefined);
  t.is(placements[6]?.metrics.nodesFiltered, 6);
});

test("distinct_property counts existing allocations and frees stopped ones", (t) => {
  const ns = nodes(3, "node", (i) => ({ meta: { rack: `r${i}` } }));
  const g = group("web", 3, { constraints: [c("${meta.rack}", "distinct_property", "")] });
  const { job } = jobWith(g);
  const existing = allocation("old", job, g, "node-2", usage(500, 256));
  const engine = engineFor(new MemState(ns, [existing]));
  const plan = emptyPlan();
  const { nodeIds } = placeMany(engine, job, g, 3, plan);
  t.deepEqual(nodeIds.slice(0, 2).sort(), ["node-0", "node-1"]);
  t.is(nodeIds[2], undefined);
  // Stopping the existing allocation frees its rack.
  plan.nodeUpdate["node-2"] = [existing];
  t.is(engine.select(job, g, plan).node?.id, "node-2");
});

test("nodes without the requested devices are filtered; device constraints compare units", (t) => {
  const gpu = (id: string, memory: string, healthy = 2) => node(id, {}, {
    devices: [{
      vendor: "nvidia", type: "gpu", name: "T4",
      instances: Array.from({ length: 2 }, (_, i) => ({ id: `${id}-gpu${i}`, healthy: i < healthy })),
      attributes: { memory },
    }],
  });
  const state = new MemState([node("plain"), gpu("small", "8192 MiB"), gpu("big", "16 GiB"), gpu("sick", "16 GiB", 1)]);
  const g = group("ml", 1, {
    tasks: [task("t", {}, { devices: [{ name: "nvidia/gpu", count: 2, constraints: [c("${device.attr.memory}", ">=", "12 GiB")], affinities: [] }] })],
  });
  const { job } = jobWith(g);
  const p = engineFor(state).select(job, g);
  t.is(p.node?.id, "big");
  t.is(p.metrics.constraintFiltered["missing devices"], 3);
});

test("class caching gives the same placements and metrics as no caching", (t) => {
  const many = nodes(60, "node", (i) => ({
    datacenter: `dc${i % 2}`,
    nodeClass: i % 3 === 0 ? "small" : "large",
    attributes: { "cpu.arch": i % 3 === 0 ? "arm64" : "amd64", "kernel.name": "linux", "unique.hostname": `h${i}` },
    meta: { rack: `r${i % 5}` },
  }));
  const g = group("web", 20, {
    constraints: [c("${meta.rack}", "!=", "r4"), c("${meta.rack}", "distinct_property", "5")],
    tasks: [task("t", { constraints: [c("${attr.kernel.name}", "=", "linux")] })],
  });
  const { job } = jobWith(g, { datacenters: ["dc*"], constraints: [c("${attr.cpu.arch}", "=", "amd64")] });
  const run = (classCaching: boolean) => placeMany(engineFor(new MemState(many), { classCaching }), job, g, 22).placements;
  const cached = run(true);
  const uncached = run(false);
  t.deepEqual(cached.map((p) => p.node?.id), uncached.map((p) => p.node?.id));
  t.deepEqual(cached.map((p) => p.metrics), uncached.map((p) => p.metrics));
  t.true(cached.some((p) => p.node === undefined)); // the distinct_property limit is reached
});

test("constraints on unique values escape the class cache and still filter correctly", (t) => {
  const many = nodes(10);
  const g = group("web", 1, { constraints: [c("${node.unique.name}", "=", "node-7")] });
  const { job } = jobWith(g);
  const engine = engineFor(new MemState(many));
  for (let i = 0; i < 3; i++) t.is(engine.select(job, g).node?.id, "node-7");
  t.true(engine.escapedComputedClass());
});

test("class eligibility for blocked evaluations: eligible for some group, unless the job rules the class out", (t) => {
  const n1 = node("n1", { meta: { x: "1" } });
  const n2 = node("n2", { meta: { x: "2" } });
  const n3 = node("n3", { meta: { x: "1" }, attributes: { "cpu.arch": "arm64", "driver.mock": "1" } });
  const a = group("a", 1, { constraints: [c("${meta.x}", "=", "1")] });
  const b = group("b", 1, { constraints: [c("${meta.x}", "=", "2")] });
  const { job } = jobWith(a, { type: "system", constraints: [c("${attr.cpu.arch}", "=", "amd64")] });
  job.taskGroups.push(b);
  const engine = engineFor(new MemState([n1, n2, n3]));
  t.is(engine.select(job, a).node?.id, "n1");
  t.is(engine.select(job, b).node?.id, "n2");
  t.deepEqual(engine.classEligibility(), { [computeNodeClass(n1)]: true, [computeNodeClass(n2)]: true, [computeNodeClass(n3)]: false });
  t.false(engine.escapedComputedClass());
});

test("node classes ignore unique attributes but see everything checks read", (t) => {
  const a = node("a", { attributes: { "cpu.arch": "amd64", "unique.hostname": "a" } });
  const b = node("b", { attributes: { "cpu.arch": "amd64", "unique.hostname": "b" } });
  const d = node("d", { attributes: { "cpu.arch": "amd64" }, datacenter: "dc2" });
  t.is(computeNodeClass(a), computeNodeClass(b));
  t.not(computeNodeClass(a), computeNodeClass(d));
  t.not(computeNodeClass(a), computeNodeClass(node("e", { attributes: { "cpu.arch": "arm64" } })));
});

test("a placement failure reports filtered and exhausted nodes with their reasons", (t) => {
  const state = new MemState([
    node("arm", { nodeClass: "pi", attributes: { "cpu.arch": "arm64", "driver.mock": "1" } }),
    node("arm2", { nodeClass: "pi", attributes: { "cpu.arch": "arm64", "driver.mock": "1" } }),
    node("nodriver", { drivers: {}, attributes: { "cpu.arch": "amd64" } }),
    node("small", {}, { memoryMb: 512 }),
    node("tiny", {}, { cpuMhz: 100 }),
    node("elsewhere", { datacenter: "dc9" }),
  ]);
  const g = group("web", 1, { tasks: [task("t", {}, { memoryMb: 1024 })] });
  const { job } = jobWith(g, { constraints: [c("${attr.cpu.arch}", "=", "amd64")] });
  const p = engineFor(state).select(job, g);
  t.is(p.node, undefined);
  t.like(p.metrics, {
    nodesEvaluated: 5,
    nodesFiltered: 3,
    nodesInPool: 6,
    nodesAvailable: { dc1: 5 },
    classFiltered: { pi: 2 },
    constraintFiltered: { "${attr.cpu.arch} = amd64": 2, "missing drivers": 1 },
    nodesExhausted: 2,
    dimensionExhausted: { memory: 1, cpu: 1 },
    scoreMetaData: [],
  });
});
