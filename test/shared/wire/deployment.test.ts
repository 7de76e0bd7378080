import test from "ava";
import * as pb from "../../../proto/index.js";
import { deploymentFromWire, deploymentToWire } from "../../../shared/wire/index.js";
import { canaryDeployment, throughBytes } from "./fixtures.js";

test("a deployment with per-group state survives the wire unchanged", (t) => {
  const deployment = canaryDeployment();
  t.deepEqual(deploymentFromWire(throughBytes(pb.Deployment, deploymentToWire(deployment))), deployment);
});

test("every deployment status has a wire value", (t) => {
  for (const status of ["running", "paused", "failed", "successful", "cancelled", "pending", "blocked", "unblocking"] as const) {
    const deployment = { ...canaryDeployment(), status };
    t.is(deploymentFromWire(throughBytes(pb.Deployment, deploymentToWire(deployment))).status, status);
  }
});
