import test from "ava";
import * as pb from "../../../proto/index.js";
import type { Plan, PlanResult } from "../../../shared/model/index.js";
import { planFromWire, planResultFromWire, planResultToWire, planToWire } from "../../../shared/wire/index.js";
import { allocation, canaryDeployment, throughBytes } from "./fixtures.js";

function plan(): Plan {
  const placed = allocation();
  const stopped = { ...allocation(), id: "old", desiredStatus: "stop" as const, desiredDescription: "alloc is being updated" };
  return {
    evalId: placed.evalId,
    snapshotIndex: 41,
    priority: 70,
    allAtOnce: false,
    jobId: "web",
    nodeUpdate: { "node-old": [stopped] },
    nodeAllocation: { [placed.nodeId]: [placed, { ...placed, id: "second", name: "web.web[1]" }], "node-empty": [] },
    nodePreemptions: {},
    deployment: canaryDeployment(),
    deploymentUpdates: [{ deploymentId: "d0", status: "cancelled", statusDescription: "Cancelled due to newer version" }],
  };
}

test("a plan with placements, stops and a deployment survives the wire unchanged", (t) => {
  const p = plan();
  t.deepEqual(planFromWire(throughBytes(pb.Plan, planToWire(p))), p);
});

test("a plan result with rejected nodes survives the wire unchanged", (t) => {
  const { evalId: _e, snapshotIndex: _s, priority: _p, allAtOnce: _a, jobId: _j, deployment: _d, ...rest } = plan();
  const result: PlanResult = { ...rest, rejectedNodes: ["node-full"], refreshIndex: 50, allocIndex: 51 };
  const back = planResultFromWire(throughBytes(pb.PlanResult, planResultToWire(result)));
  t.deepEqual(back, result);
  t.false("deployment" in back);
});
