// The engine reads the state store's snapshots directly.

import test from "ava";
import { StateStore } from "../../../server/state/index.js";
import { PlacementEngine, type PlacementState } from "../../../server/scheduler/index.js";
import { allocation, group, jobWith, node, placeMany, usage } from "./fixtures.js";

test("a state store snapshot is a placement state, and placements respect its allocations", (t) => {
  const store = new StateStore({ blockingQueryJitterFraction: 0 });
  let index = 0;
  const g = group("web", 2);
  const { job } = jobWith(g);
  store.apply(++index, { type: "job.register", job });
  store.apply(++index, { type: "node.register", node: node("big", {}, { memoryMb: 1024 }) });
  store.apply(++index, { type: "node.register", node: node("small", {}, { memoryMb: 512 }) });
  store.apply(++index, { type: "alloc.upsert", job, allocs: [allocation("a1", job, g, "small", usage(100, 300))] });
  const snapshot: PlacementState = store.snapshot();
  const engine = new PlacementEngine({ evalId: "eval-1" }, { state: snapshot });
  const { nodeIds, placements } = placeMany(engine, job, g, 3);
  // The existing allocation leaves "small" 212 MB, too little for 256 MB: everything goes to "big".
  t.deepEqual(nodeIds, ["big", "big", "big"]);
  t.true(placements.every((p) => p.metrics.nodesInPool === 2));
});
