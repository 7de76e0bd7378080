import test from "ava";
import * as pb from "../../../proto/index.js";
import {
  WireError, allocClientUpdateFromWire, allocClientUpdateToWire, allocFromWire, allocStubFromWire,
  allocStubToWire, allocToWire,
} from "../../../shared/wire/index.js";
import { allocStub, type AllocClientUpdate } from "../../../shared/model/index.js";
import { allocation, throughBytes } from "./fixtures.js";

test("an allocation with its job, resources, metrics and task states survives the wire unchanged", (t) => {
  const alloc = allocation();
  t.deepEqual(allocFromWire(throughBytes(pb.Allocation, allocToWire(alloc))), alloc);
});

test("an allocation without a deployment status comes back without one", (t) => {
  const { deploymentStatus: _status, ...alloc } = allocation();
  const back = allocFromWire(throughBytes(pb.Allocation, allocToWire(alloc)));
  t.deepEqual(back, alloc);
  t.false("deploymentStatus" in back);
});

test("an undecided deployment health stays undecided", (t) => {
  const alloc = allocation();
  alloc.deploymentStatus = { timestampMs: 0, canary: false, modifyIndex: 3 };
  const back = allocFromWire(throughBytes(pb.Allocation, allocToWire(alloc)));
  t.deepEqual(back.deploymentStatus, { timestampMs: 0, canary: false, modifyIndex: 3 });
});

test("a task event's exit code 0 is kept apart from a missing exit code", (t) => {
  const back = allocFromWire(throughBytes(pb.Allocation, allocToWire(allocation())));
  const events = back.taskStates.server?.events ?? [];
  t.false("exitCode" in (events[0] ?? {}));
  t.is(events[1]?.exitCode, 137);
  t.is(events[2]?.exitCode, 0);
});

test("an allocation without its job on the wire is rejected", (t) => {
  const wire = allocToWire(allocation());
  delete wire.job;
  t.throws(() => allocFromWire(wire), { instanceOf: WireError, message: "Allocation.job is missing" });
});

test("an allocation stub carries the list view of an allocation without its job", (t) => {
  const alloc = allocation();
  const stub = allocStub(alloc);
  t.is(stub.jobType, "service");
  t.is(stub.jobVersion, 4);
  t.false("job" in stub);
  t.deepEqual(allocStubFromWire(throughBytes(pb.AllocationStub, allocStubToWire(stub))), stub);
});

test("a client's allocation update survives the wire", (t) => {
  const alloc = allocation();
  const update: AllocClientUpdate = {
    allocId: alloc.id,
    clientStatus: "failed",
    clientDescription: "Failed tasks",
    taskStates: alloc.taskStates,
    deploymentStatus: { healthy: false, timestampMs: 5, canary: false, modifyIndex: 0 },
    modifyTimeMs: 1_732_000_300_000,
  };
  t.deepEqual(allocClientUpdateFromWire(throughBytes(pb.AllocClientUpdate, allocClientUpdateToWire(update))), update);
});
