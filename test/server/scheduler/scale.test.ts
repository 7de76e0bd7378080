// Placement at C1M scale: 5,000 nodes, 100 placements in one evaluation.

import { performance } from "node:perf_hooks";
import test from "ava";
import type { Job, Node, TaskGroup } from "../../../shared/model/index.js";
import { engineFor, group, jobWith, MemState, nodes, placeMany, task } from "./fixtures.js";

const NODES = 5_000;
const PLACEMENTS = 100;

function cluster(): Node[] {
  return nodes(NODES, "node", (i) => ({
    datacenter: `dc${i % 3}`,
    nodeClass: `class-${i % 10}`,
    attributes: {
      "cpu.arch": i % 5 === 0 ? "arm64" : "amd64",
      "kernel.name": "linux",
      "driver.mock": "1",
      "os.version": `${20 + (i % 4)}.04`,
      "unique.hostname": `host-${i}`,
    },
    meta: { rack: `r${i % 40}`, tier: i % 10 < 2 ? "gold" : "silver" },
  }));
}

function timed(title: string, setup: () => { job: Job; group: TaskGroup }, budgetMs: number): void {
  test(title, (t) => {
    const state = new MemState(cluster());
    const { job, group: g } = setup();
    const started = performance.now();
    const engine = engineFor(state, { evalId: "scale" });
    const { nodeIds } = placeMany(engine, job, g, PLACEMENTS);
    const elapsedMs = performance.now() - started;
    t.log(`${NODES} nodes, ${PLACEMENTS} placements: ${elapsedMs.toFixed(1)} ms (${(elapsedMs / PLACEMENTS).toFixed(2)} ms per placement)`);
    t.is(nodeIds.filter((id) => id !== undefined).length, PLACEMENTS);
    t.true(elapsedMs < budgetMs, `took ${elapsedMs.toFixed(0)} ms`);
  });
}

timed("a plain service group places 100 allocations on 5,000 nodes quickly", () =>
  jobWith(group("web", PLACEMENTS), { datacenters: ["dc*"] }), 2_000);

timed("constraints that filter most nodes stay fast thanks to the class cache", () => {
  const g = group("web", PLACEMENTS, {
    constraints: [{ attribute: "${meta.tier}", operator: "=", value: "gold" }],
    tasks: [task("t", { constraints: [{ attribute: "${attr.os.version}", operator: "version", value: ">= 22.0" }] })],
  });
  return jobWith(g, { datacenters: ["dc*"], constraints: [{ attribute: "${attr.cpu.arch}", operator: "=", value: "amd64" }] });
}, 3_000);

timed("a spread over racks with distinct_hosts ranks 100 nodes per placement and stays fast", () => {
  const g = group("web", PLACEMENTS, {
    spreads: [{ attribute: "${meta.rack}", weight: 100, targets: [] }],
    constraints: [{ attribute: "", operator: "distinct_hosts", value: "" }],
  });
  return jobWith(g, { datacenters: ["dc*"] });
}, 4_000);
