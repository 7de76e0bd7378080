import test from "ava";
import * as pb from "../../../proto/index.js";
import { WireError, nodeFromWire, nodeToWire } from "../../../shared/wire/index.js";
import { gpuNode, throughBytes } from "./fixtures.js";

test("a node with devices, drivers and a drain survives the wire unchanged with its secret", (t) => {
  const node = gpuNode();
  const back = nodeFromWire(throughBytes(pb.Node, nodeToWire(node, { secret: "include" })));
  t.deepEqual(back, node);
});

test("a redacted node travels without its secret", (t) => {
  const node = gpuNode();
  const wire = nodeToWire(node, { secret: "redact" });
  t.is(wire.secretId, "");
  t.deepEqual(nodeFromWire(throughBytes(pb.Node, wire)), { ...node, secretId: "" });
});

test("a node that is not draining comes back without a drain strategy", (t) => {
  const { drainStrategy: _drain, ...node } = gpuNode();
  const back = nodeFromWire(throughBytes(pb.Node, nodeToWire(node, { secret: "include" })));
  t.deepEqual(back, node);
  t.false("drainStrategy" in back);
});

test("node status and eligibility travel as enums", (t) => {
  const wire = nodeToWire(gpuNode(), { secret: "redact" });
  t.is(wire.status, pb.NodeStatus.READY);
  t.is(wire.schedulingEligibility, pb.SchedulingEligibility.INELIGIBLE);
  wire.status = 42 as pb.NodeStatus;
  t.throws(() => nodeFromWire(wire), { instanceOf: WireError, message: /Node\.status: unknown enum value 42/ });
});
