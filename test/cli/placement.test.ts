// Placement failures and node scores as `job run`, `eval status` and `alloc status -verbose`
// print them.

import test from "ava";
import { failedGroupHeading, formatScore, placementFailureLines, placementMetrics, scoreTable } from "../../cli/placement.js";
import { metric } from "./fixtures.js";

test("placement failures list filtered constraints and classes, then exhausted resources and dimensions", (t) => {
  const m = metric({
    nodesEvaluated: 5, nodesFiltered: 3, nodesExhausted: 2,
    constraintFiltered: { "${attr.cpu.arch} = arm64": 2 },
    classFiltered: { edge: 1 },
    classExhausted: { "": 0, gpu: 2 },
    dimensionExhausted: { memory: 2, cpu: 1 },
  });
  t.deepEqual(placementFailureLines(m, "  "), [
    '  * Class "edge": 1 nodes excluded by filter',
    '  * Constraint "${attr.cpu.arch} = arm64": 2 nodes excluded by filter',
    "  * Resources exhausted on 2 nodes",
    '  * Class "" exhausted on 0 nodes',
    '  * Class "gpu" exhausted on 2 nodes',
    '  * Dimension "cpu" exhausted on 1 nodes',
    '  * Dimension "memory" exhausted on 2 nodes',
  ]);
});

test("no evaluated nodes and an empty datacenter are called out first", (t) => {
  const m = metric({ nodesEvaluated: 0, nodesAvailable: { dc1: 0, dc2: 4 }, quotaExhausted: ["cpu"] });
  t.deepEqual(placementFailureLines(m, ""), [
    "* No nodes were eligible for evaluation",
    '* No nodes are available in datacenter "dc1"',
    '* Quota limit hit "cpu"',
  ]);
});

test("the task group heading counts the coalesced failures, singular for one", (t) => {
  t.is(failedGroupHeading("web", metric()), 'Task Group "web" (failed to place 1 allocation):');
  t.is(failedGroupHeading("web", metric({ coalescedFailures: 2 })), 'Task Group "web" (failed to place 3 allocations):');
});

test("scores print like Go's %.3g", (t) => {
  t.is(formatScore(0), "0");
  t.is(formatScore(0.5), "0.5");
  t.is(formatScore(1), "1");
  t.is(formatScore(0.3333333), "0.333");
  t.is(formatScore(-0.15625), "-0.156");
  t.is(formatScore(0.0644), "0.0644");
  t.is(formatScore(0.99996), "1");
  t.is(formatScore(0.00001234), "1.23e-05");
  t.is(formatScore(1234), "1.23e+03");
});

test("the score table has a row per ranked node, scorers alphabetically, the final score last", (t) => {
  const m = metric({
    scoreMetaData: [
      { nodeId: "9edfa19f-b6d8-4eca-9ce4-f32b0175b756", scores: { binpack: 0.629, "job-anti-affinity": -0.5, "normalized-score": 0.0645 }, normScore: 0.0645 },
      { nodeId: "186e6985-f360-4abd-8ff3-66bbe87d8d16", scores: { binpack: 0.189, "job-anti-affinity": 0, "node-affinity": 1, "normalized-score": 0.396 }, normScore: 0.396 },
    ],
  });
  t.is(scoreTable(m), [
    "Node                                  binpack  job-anti-affinity  node-affinity  final score",
    "9edfa19f-b6d8-4eca-9ce4-f32b0175b756  0.629    -0.5               0              0.0645",
    "186e6985-f360-4abd-8ff3-66bbe87d8d16  0.189    0                  1              0.396",
    "",
  ].join("\n"));
  t.is(scoreTable(metric()), "");
});

test("placement metrics put the reasons above the score table", (t) => {
  const m = metric({
    constraintFiltered: { "missing drivers": 1 },
    scoreMetaData: [{ nodeId: "n1", scores: { binpack: 0.5 }, normScore: 0.5 }],
  });
  t.is(placementMetrics(m, "  "), '  * Constraint "missing drivers": 1 nodes excluded by filter\nNode  binpack  final score\nn1    0.5      0.5\n');
});
