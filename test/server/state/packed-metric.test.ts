import test from "ava";
import type { AllocMetric } from "../../../shared/model/index.js";
import { isCompactMetric, PackedAllocMetric, type CompactAllocMetric } from "../../../server/state/fsm/packed-metric.js";
import { StateStore } from "../../../server/state/index.js";
import { allocation, Harness, job, node } from "./fixtures.js";

function metric(): AllocMetric {
  return {
    nodesEvaluated: 7, nodesFiltered: 2, nodesInPool: 9, nodesAvailable: { dc1: 9 }, classFiltered: { edge: 2 }, constraintFiltered: {},
    nodesExhausted: 1, classExhausted: {}, dimensionExhausted: { memory: 1 }, quotaExhausted: [],
    scoreMetaData: [
      { nodeId: "n1", scores: { binpack: 0.25, "job-anti-affinity": 0, "normalized-score": 0.125 }, normScore: 0.125 },
      // Another node scored by another set of scorers (a device affinity only some nodes have).
      { nodeId: "n2", scores: { binpack: 0.5, devices: 1, "normalized-score": 0.75 }, normScore: 0.75 },
      { nodeId: "n3", scores: {}, normScore: -1.5 },
    ],
    allocationTimeMs: 3.75, coalescedFailures: 0,
  };
}

test("a packed metric reads back the score table it was given, node by node and scorer by scorer", (t) => {
  const packed = PackedAllocMetric.pack(metric());
  t.deepEqual(packed.scoreMetaData, metric().scoreMetaData);
  const written = JSON.parse(JSON.stringify(packed)) as CompactAllocMetric;
  t.true(isCompactMetric(written), "JSON sees the compact shape");
  t.deepEqual(PackedAllocMetric.pack(written).scoreMetaData, metric().scoreMetaData, "which reads back the same table");
  t.true(JSON.stringify(written).length < JSON.stringify(metric()).length);
  t.is(packed.nodesExhausted, 1);
  t.deepEqual(packed.dimensionExhausted, { memory: 1 });
});

test("a stored allocation's metrics are packed, read back whole, and survive a snapshot", (t) => {
  const h = new Harness();
  h.apply({ type: "node.register", node: node("n1") });
  h.apply({ type: "job.register", job: job("web") });
  const web = h.snap.job("default", "web");
  if (!web) return t.fail("no job");
  h.apply({ type: "alloc.upsert", allocs: [{ ...allocation("a1", web, "n1"), metrics: metric() }] });
  const stored = h.snap.alloc("a1")?.metrics;
  t.true(stored instanceof PackedAllocMetric);
  t.deepEqual(stored?.scoreMetaData, metric().scoreMetaData);
  const restored = StateStore.restore(h.store.persist()).snapshot().alloc("a1")?.metrics;
  t.deepEqual(restored?.scoreMetaData, metric().scoreMetaData);
  t.is(restored?.nodesExhausted, 1);
});
