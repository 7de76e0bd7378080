// Scoring and choosing: bin-packing and spread fit scores, anti-affinity, reschedule penalty,
// affinities, spread blocks, the limit on ranked nodes, and reproducibility.

import test from "ava";
import type { Affinity, Spread } from "../../../shared/model/index.js";
import { scoreFit, selectNode } from "../../../server/scheduler/index.js";
import { allocation, engineFor, group, jobWith, MemState, node, nodes, placeMany, tally, task, usage } from "./fixtures.js";

const close = (actual: number | undefined, expected: number) => actual !== undefined && Math.abs(actual - expected) < 1e-9;

test("the bin-pack score is Nomad's (20 − (10^freeCpu + 10^freeMem)) / 18", (t) => {
  const n = node("n", {}, { cpuMhz: 4000, memoryMb: 8192 });
  t.true(close(scoreFit(n, { cpuMhz: 2000, memoryMb: 4096 }, "binpack"), (20 - 2 * Math.sqrt(10)) / 18)); // ≈ 0.7597
  t.true(close(scoreFit(n, { cpuMhz: 4000, memoryMb: 8192 }, "binpack"), 1)); // full: 18/18
  t.true(close(scoreFit(n, { cpuMhz: 0, memoryMb: 0 }, "binpack"), 0)); // empty: 20 − 20
  t.true(close(scoreFit(n, { cpuMhz: 1000, memoryMb: 6144 }, "binpack"), (20 - (10 ** 0.75 + 10 ** 0.25)) / 18));
  // spread inverts the preference: (10^freeCpu + 10^freeMem − 2) / 18
  t.true(close(scoreFit(n, { cpuMhz: 2000, memoryMb: 4096 }, "spread"), (2 * Math.sqrt(10) - 2) / 18)); // ≈ 0.2403
  t.true(close(scoreFit(n, { cpuMhz: 0, memoryMb: 0 }, "spread"), 1));
  t.true(close(scoreFit(n, { cpuMhz: 4000, memoryMb: 8192 }, "spread"), 0));
  // reserved capacity is not the node's to give
  const r = node("r", { reserved: { cpuMhz: 2000, memoryMb: 4096, diskMb: 0, reservedHostPorts: "" } }, { cpuMhz: 4000, memoryMb: 8192 });
  t.true(close(scoreFit(r, { cpuMhz: 1000, memoryMb: 2048 }, "binpack"), (20 - 2 * Math.sqrt(10)) / 18));
});

test("a node that the placement leaves half full scores 0.7597 for bin-packing", (t) => {
  const g = group("web", 1, { tasks: [task("t", {}, { cpuMhz: 500, memoryMb: 256 })] });
  const { job } = jobWith(g);
  const other = jobWith(group("db"), { id: "db" });
  const state = new MemState([node("n")], [allocation("x", other.job, other.group, "n", usage(1500, 3840))]);
  const p = engineFor(state).select(job, g);
  t.true(close(p.node ? p.scores["binpack"] : undefined, (20 - 2 * Math.sqrt(10)) / 18));
  t.true(close(p.node ? p.score : undefined, (20 - 2 * Math.sqrt(10)) / 18)); // the only score that applies
});

function loaded(algorithm: "binpack" | "spread"): string | undefined {
  const g = group("web", 1);
  const { job } = jobWith(g);
  const other = jobWith(group("db"), { id: "db" });
  const state = new MemState([node("empty"), node("busy")], [allocation("x", other.job, other.group, "busy", usage(2000, 4096))]);
  return engineFor(state, { algorithm }).select(job, g).node?.id;
}

test("bin-packing prefers the fuller node", (t) => {
  t.is(loaded("binpack"), "busy");
});

test("the spread algorithm prefers the emptier node", (t) => {
  t.is(loaded("spread"), "empty");
});

test("job anti-affinity spreads a count=3 group over 3 equal nodes", (t) => {
  for (const evalId of ["e1", "e2", "e3", "e4", "e5"]) {
    const g = group("web", 3);
    const { job } = jobWith(g);
    const { nodeIds, placements } = placeMany(engineFor(new MemState(nodes(3)), { evalId }), job, g, 3);
    t.is(new Set(nodeIds).size, 3, `eval ${evalId}`);
    t.is(placements[0]?.node ? placements[0].scores["job-anti-affinity"] : undefined, 0);
  }
});

test("job anti-affinity scores −(collisions + 1) / count", (t) => {
  const g = group("web", 4);
  const { job } = jobWith(g);
  const existing = [0, 1].map((i) => allocation(`a${i}`, job, g, "n", usage(500, 256)));
  const p = engineFor(new MemState([node("n")], existing)).select(job, g);
  t.is(p.node ? p.scores["job-anti-affinity"] : undefined, -3 / 4);
});

test("affinities pull allocations toward matching nodes", (t) => {
  const ns = nodes(10, "node", (i) => ({ meta: { disk: i < 2 ? "ssd" : "hdd" } }));
  const affinity: Affinity = { attribute: "${meta.disk}", operator: "=", value: "ssd", weight: 100 };
  const g = group("web", 2, { affinities: [affinity] });
  const { job } = jobWith(g);
  const { nodeIds, placements } = placeMany(engineFor(new MemState(ns)), job, g, 2);
  t.deepEqual([...nodeIds].sort(), ["node-0", "node-1"]);
  t.is(placements[0]?.node ? placements[0].scores["node-affinity"] : undefined, 1);
});

test("negative affinities push allocations away, weighted against the other affinities", (t) => {
  const ns = [node("a", { meta: { zone: "x", disk: "ssd" } }), node("b", { meta: { zone: "y", disk: "hdd" } })];
  const g = group("web", 1, {
    affinities: [{ attribute: "${meta.zone}", operator: "=", value: "x", weight: -75 }],
    tasks: [task("t", { affinities: [{ attribute: "${meta.disk}", operator: "=", value: "ssd", weight: 25 }] })],
  });
  const { job } = jobWith(g);
  const p = engineFor(new MemState(ns)).select(job, g);
  t.is(p.node?.id, "b");
  const a = p.metrics.scoreMetaData.find((s) => s.nodeId === "a");
  t.is(a?.scores["node-affinity"], (-75 + 25) / 100);
});

test("a spread with 50/50 targets over two datacenters places 2 + 2 of 4", (t) => {
  for (const evalId of ["e1", "e2", "e3"]) {
    const ns = nodes(8, "node", (i) => ({ datacenter: i < 4 ? "dc1" : "dc2" }));
    const spread: Spread = { attribute: "${node.datacenter}", weight: 100, targets: [{ value: "dc1", percent: 50 }, { value: "dc2", percent: 50 }] };
    const g = group("web", 4, { spreads: [spread] });
    const { job } = jobWith(g, { datacenters: ["dc1", "dc2"] });
    const state = new MemState(ns);
    const { nodeIds } = placeMany(engineFor(state, { evalId }), job, g, 4);
    t.deepEqual(tally(nodeIds.map((id) => ns.find((n) => n.id === id)?.datacenter)), { dc1: 2, dc2: 2 }, `eval ${evalId}`);
  }
});

test("a spread with 75/25 targets places 3 + 1 of 4", (t) => {
  const ns = nodes(8, "node", (i) => ({ datacenter: i < 4 ? "dc1" : "dc2" }));
  const g = group("web", 4, { spreads: [{ attribute: "${node.datacenter}", weight: 100, targets: [{ value: "dc1", percent: 75 }, { value: "dc2", percent: 25 }] }] });
  const { job } = jobWith(g, { datacenters: ["dc*"] });
  const { nodeIds } = placeMany(engineFor(new MemState(ns)), job, g, 4);
  t.deepEqual(tally(nodeIds.map((id) => ns.find((n) => n.id === id)?.datacenter)), { dc1: 3, dc2: 1 });
});

test("a spread without targets spreads evenly over the property's values", (t) => {
  const ns = nodes(12, "node", (i) => ({ meta: { rack: `r${i % 3}` } }));
  const g = group("web", 6, { spreads: [{ attribute: "${meta.rack}", weight: 50, targets: [] }] });
  const { job } = jobWith(g);
  const { nodeIds } = placeMany(engineFor(new MemState(ns)), job, g, 6);
  t.deepEqual(tally(nodeIds.map((id) => ns.find((n) => n.id === id)?.meta["rack"])), { r0: 2, r1: 2, r2: 2 });
});

test("the reschedule penalty steers a replacement away from the node its predecessor failed on", (t) => {
  for (const evalId of ["e1", "e2", "e3", "e4", "e5", "e6"]) {
    const g = group("web", 1);
    const { job } = jobWith(g);
    const p = engineFor(new MemState(nodes(2)), { evalId }).select(job, g, undefined, { penaltyNodeIds: ["node-0"] });
    t.is(p.node?.id, "node-1", `eval ${evalId}`);
    const penalized = p.metrics.scoreMetaData.find((s) => s.nodeId === "node-0");
    if (penalized) t.is(penalized.scores["node-reschedule-penalty"], -1);
  }
});

test("service jobs rank max(2, ceil(log2 N)) nodes, batch jobs 2, affinities and spreads 100", (t) => {
  const evaluated = (n: number, type: "service" | "batch" | "system", extra: { affinity?: boolean } = {}) => {
    const g = group("web", 1, extra.affinity ? { affinities: [{ attribute: "${meta.x}", operator: "=", value: "y", weight: 50 }] } : {});
    const { job } = jobWith(g, { type });
    return engineFor(new MemState(nodes(n))).select(job, g).metrics.nodesEvaluated;
  };
  t.is(evaluated(64, "service"), 6);
  t.is(evaluated(1000, "service"), 10);
  t.is(evaluated(3, "service"), 2);
  t.is(evaluated(1000, "batch"), 2);
  t.is(evaluated(1000, "service", { affinity: true }), 100);
  t.is(evaluated(40, "service", { affinity: true }), 40);
  t.is(evaluated(30, "system"), 30);
});

test("poorly scoring nodes are skipped while better ones follow", (t) => {
  // Every node but one already runs two of the group: their anti-affinity makes the final score negative.
  const g = group("web", 2);
  const { job } = jobWith(g);
  const ns = nodes(16);
  const existing = ns.slice(1).flatMap((n, i) => [0, 1].map((k) => allocation(`a${i}-${k}`, job, g, n.id, usage(10, 10))));
  const wins = (maxSkip: number) => Array.from({ length: 40 }, (_, e) => `e${e}`).filter((evalId) =>
    engineFor(new MemState(ns, existing), { evalId, maxSkip }).select(job, g).node?.id === "node-0").length;
  // Limit 4 of 16 nodes: without skipping the free node wins only when it is among the first 4
  // visited (1 in 4); skipping up to 3 poor nodes looks at 7 (7 in 16).
  const withSkips = wins(3);
  const without = wins(0);
  t.log(`free node chosen ${withSkips}/40 with skipping, ${without}/40 without`);
  t.true(withSkips > without);
});

test("the same evaluation id makes the same choices; other ids choose differently", (t) => {
  const run = (evalId: string) => {
    const g = group("web", 10);
    const { job } = jobWith(g);
    return placeMany(engineFor(new MemState(nodes(50)), { evalId }), job, g, 10).nodeIds;
  };
  t.deepEqual(run("eval-a"), run("eval-a"));
  t.notDeepEqual(run("eval-a"), run("eval-b"));
});

test("preferred nodes are tried first, then all nodes", (t) => {
  const g = group("web", 1, { tasks: [task("t", {}, { memoryMb: 1000 })] });
  const { job } = jobWith(g);
  const state = new MemState([...nodes(5), node("small", {}, { memoryMb: 512 })]);
  t.is(engineFor(state).select(job, g, undefined, { preferredNodeIds: ["node-3"] }).node?.id, "node-3");
  const fallback = engineFor(state).select(job, g, undefined, { preferredNodeIds: ["small"] });
  t.truthy(fallback.node);
  t.not(fallback.node?.id, "small");
});

test("selectAmong considers only the given nodes", (t) => {
  const g = group("web", 1);
  const { job } = jobWith(g, { type: "system" });
  const engine = engineFor(new MemState([...nodes(4), node("down", { status: "down" })]));
  t.is(engine.selectAmong(["node-2"], job, g).node?.id, "node-2");
  const none = engine.selectAmong(["down"], job, g);
  t.is(none.node, undefined);
  t.is(none.metrics.nodesEvaluated, 0);
});

test("score metadata keeps the best five nodes, best first, with every scorer", (t) => {
  const g = group("web", 1, { affinities: [{ attribute: "${meta.fast}", operator: "=", value: "yes", weight: 50 }] });
  const { job } = jobWith(g);
  const ns = nodes(12, "node", (i) => ({ meta: { fast: i % 4 === 0 ? "yes" : "no" } }));
  const p = engineFor(new MemState(ns)).select(job, g);
  const meta = p.metrics.scoreMetaData;
  t.is(meta.length, 5);
  for (let i = 1; i < meta.length; i++) t.true((meta[i - 1]?.normScore ?? 0) >= (meta[i]?.normScore ?? 0));
  t.is(meta[0]?.nodeId, p.node?.id);
  t.deepEqual(Object.keys(meta[0]?.scores ?? {}).sort(), ["binpack", "job-anti-affinity", "node-affinity", "node-reschedule-penalty", "normalized-score"]);
  t.is(meta[0]?.scores["normalized-score"], meta[0]?.normScore);
});

test("selectNode places once with the given config, and an injected clock times the placement", (t) => {
  const g = group("web", 1);
  const { job } = jobWith(g);
  const other = jobWith(group("db"), { id: "db" });
  const state = new MemState([node("empty"), node("busy")], [allocation("x", other.job, other.group, "busy", usage(2000, 4096))]);
  let now = 1000;
  const p = selectNode(state, { evalId: "e", config: { algorithm: "spread" }, clock: () => (now += 5) }, job, g);
  t.is(p.node?.id, "empty");
  t.is(p.metrics.allocationTimeMs, 5);
  t.is(selectNode(state, { evalId: "e" }, job, g).metrics.allocationTimeMs, 0);
});
