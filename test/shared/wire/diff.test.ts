import test from "ava";
import * as pb from "../../../proto/index.js";
import { WireError, jobDiffFromWire, jobDiffToWire } from "../../../shared/wire/index.js";
import { annotateDiff, diffJobs } from "../../../server/scheduler/index.js";
import { fullJob, throughBytes } from "./fixtures.js";

const counts = { place: 2, stop: 0, migrate: 0, inPlaceUpdate: 1, destructiveUpdate: 0, canary: 0, ignore: 3 };

test("a new job's diff, with every kind of block, survives conversion, encoding and decoding unchanged", (t) => {
  const diff = annotateDiff(diffJobs(undefined, fullJob()), { web: counts });
  t.true(diff.taskGroups.length > 0);
  t.deepEqual(jobDiffFromWire(throughBytes(pb.JobDiff, jobDiffToWire(diff))), diff);
});

test("an edited job's contextual diff with annotations and update counts survives the wire", (t) => {
  const next = fullJob();
  next.priority = 10;
  const web = next.taskGroups[0]!;
  web.count += 2;
  web.tasks[0]!.config = { ...web.tasks[0]!.config, image: "busybox:1.37" };
  next.taskGroups.pop();
  const diff = annotateDiff(diffJobs(fullJob(), next, { contextual: true }), { [web.name]: counts });
  t.is(diff.type, "Edited");
  const back = jobDiffFromWire(throughBytes(pb.JobDiff, jobDiffToWire(diff)));
  t.deepEqual(back, diff);
  t.deepEqual(back.taskGroups.find((g) => g.name === web.name)?.updates, { ignore: 3, create: 2, "in-place update": 1 });
});

test("a diff with an unspecified type on the wire is rejected", (t) => {
  const wire = jobDiffToWire(diffJobs(undefined, fullJob()));
  wire.type = pb.DiffType.UNSPECIFIED;
  t.throws(() => jobDiffFromWire(wire), { instanceOf: WireError });
});
