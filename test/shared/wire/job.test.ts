import test from "ava";
import * as pb from "../../../proto/index.js";
import {
  WireError, jobFromWire, jobListStubFromWire, jobListStubToWire, jobToWire,
} from "../../../shared/wire/index.js";
import { jobListStub, type JobSummary } from "../../../shared/model/index.js";
import { fullJob, minimalJob, throughBytes } from "./fixtures.js";

test("a fully populated job survives conversion, encoding and decoding unchanged", (t) => {
  const job = fullJob();
  const decoded = throughBytes(pb.Job, jobToWire(job));
  t.deepEqual(jobFromWire(decoded), job);
});

test("a job without optional blocks comes back without them", (t) => {
  const job = minimalJob();
  const back = jobFromWire(throughBytes(pb.Job, jobToWire(job)));
  t.deepEqual(back, job);
  t.false("update" in back);
  t.false("vault" in back);
  t.false("consulToken" in back);
  t.false("lifecycle" in (back.taskGroups[0]?.tasks[0] ?? {}));
});

test("a task's driver config travels as a JSON object", (t) => {
  const wire = jobToWire(fullJob());
  const config: unknown = JSON.parse(wire.taskGroups[0]?.tasks[0]?.configJson ?? "");
  t.like(config, { image: "busybox:1.36", ports: ["http"] });
  t.is(wire.taskGroups[0]?.tasks[1]?.vaultJson, "", "an absent block is an empty string");
});

test("lifecycle states travel as enums and jobspec vocabulary as strings", (t) => {
  const wire = jobToWire(fullJob());
  t.is(wire.type, pb.JobType.SERVICE);
  t.is(wire.status, pb.JobStatus.RUNNING);
  t.is(wire.taskGroups[0]?.constraints[0]?.operator, "distinct_hosts");
});

test("sub-millisecond durations are rounded to whole milliseconds on the wire", (t) => {
  const job = fullJob();
  const task = job.taskGroups[0]?.tasks[0];
  if (!task) return t.fail();
  task.killTimeoutMs = 0.25;
  task.restartPolicy.delayMs = 1500.6;
  const back = jobFromWire(throughBytes(pb.Job, jobToWire(job)));
  t.is(back.taskGroups[0]?.tasks[0]?.killTimeoutMs, 0);
  t.is(back.taskGroups[0]?.tasks[0]?.restartPolicy.delayMs, 1501);
});

test("a constraint operator the model does not know is rejected", (t) => {
  const wire = jobToWire(fullJob());
  const constraint = wire.constraints[0];
  if (!constraint) return t.fail();
  constraint.operator = "approximately";
  t.throws(() => jobFromWire(wire), { instanceOf: WireError, message: /operator: unknown value "approximately"/ });
});

test("an unset job type on the wire is rejected", (t) => {
  const wire = jobToWire(fullJob());
  wire.type = pb.JobType.UNSPECIFIED;
  t.throws(() => jobFromWire(wire), { instanceOf: WireError, message: /Job\.type/ });
});

test("a task without resources on the wire is rejected", (t) => {
  const wire = jobToWire(fullJob());
  const task = wire.taskGroups[0]?.tasks[0];
  if (!task) return t.fail();
  delete task.resources;
  t.throws(() => jobFromWire(wire), { instanceOf: WireError, message: "Task.resources is missing" });
});

test("a driver config that is not a JSON object is rejected", (t) => {
  const wire = jobToWire(fullJob());
  const task = wire.taskGroups[0]?.tasks[0];
  if (!task) return t.fail();
  task.configJson = "[1, 2]";
  t.throws(() => jobFromWire(wire), { instanceOf: WireError, message: /must hold a JSON object/ });
});

test("a job list stub with its summary survives the wire", (t) => {
  const summary: JobSummary = {
    jobId: "web",
    namespace: "default",
    summary: { web: { queued: 1, starting: 0, running: 2, failed: 1, complete: 0, lost: 1, unknown: 0 } },
    createIndex: 10,
    modifyIndex: 44,
  };
  const stub = jobListStub(fullJob(), summary);
  t.true(stub.periodic);
  t.deepEqual(jobListStubFromWire(throughBytes(pb.JobListStub, jobListStubToWire(stub))), stub);
  const bare = jobListStub(minimalJob());
  t.deepEqual(jobListStubFromWire(throughBytes(pb.JobListStub, jobListStubToWire(bare))), bare);
});
