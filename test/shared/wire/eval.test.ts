import test from "ava";
import * as pb from "../../../proto/index.js";
import { WireError, evalFromWire, evalToWire } from "../../../shared/wire/index.js";
import { blockedEvaluation, throughBytes } from "./fixtures.js";

test("an evaluation with placement failures and scores survives the wire unchanged", (t) => {
  const ev = blockedEvaluation();
  t.deepEqual(evalFromWire(throughBytes(pb.Evaluation, evalToWire(ev))), ev);
});

test("an evaluation's placement time keeps its sub-millisecond precision", (t) => {
  const back = evalFromWire(throughBytes(pb.Evaluation, evalToWire(blockedEvaluation())));
  t.is(back.failedTgAllocs.web?.allocationTimeMs, 0.734);
});

test("an unknown evaluation trigger is rejected", (t) => {
  const wire = evalToWire(blockedEvaluation());
  wire.triggeredBy = "cosmic-ray";
  t.throws(() => evalFromWire(wire), { instanceOf: WireError, message: /Evaluation\.triggeredBy/ });
});
