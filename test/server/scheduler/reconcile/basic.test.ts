import test from "ava";
import type { Deployment } from "../../../../shared/model/index.js";
import { alloc, allocs, indexes, nextVersion, node, NOW, run, svcJob, tainted } from "./fixtures.js";

const update = { staggerMs: 0, maxParallel: 2, healthCheck: "checks" as const, minHealthyTimeMs: 0, healthyDeadlineMs: 0, progressDeadlineMs: 600_000, autoRevert: false, autoPromote: false, canary: 0 };

test("a fresh job places count allocations with the lowest indexes", (t) => {
  const j = svcJob(3);
  const r = run({ job: j, allocs: [] });
  t.deepEqual(r.groups.web?.place.map((p) => p.name), ["web.web[0]", "web.web[1]", "web.web[2]"]);
  t.is(r.desiredTGUpdates.web?.place, 3);
  t.is(r.groups.web?.stop.length, 0);
});

test("scaling up fills the lowest free indexes", (t) => {
  const j = svcJob(4);
  const existing = [alloc(j, 0), alloc(j, 2)];
  const r = run({ job: j, allocs: existing });
  t.deepEqual(indexes(r.groups.web?.place.map((p) => p.name) ?? []), [1, 3]);
  t.is(r.desiredTGUpdates.web?.ignore, 2);
});

test("scaling down stops the highest indexes", (t) => {
  const j = svcJob(2);
  const r = run({ job: j, allocs: allocs(j, 5) });
  t.deepEqual(indexes(r.groups.web?.stop.map((s) => s.alloc.name) ?? []), [2, 3, 4]);
  t.true(r.groups.web?.stop.every((s) => s.reason === "not needed"));
  t.is(r.groups.web?.place.length, 0);
});

test("scaling down prefers allocations on down nodes", (t) => {
  const j = svcJob(2);
  const existing = allocs(j, 3);
  const r = run({ job: j, allocs: existing, taintedNodes: tainted(node("node-0", { status: "down" })) });
  t.deepEqual(r.groups.web?.stop.map((s) => [s.alloc.name, s.reason, s.clientStatus]), [["web.web[0]", "lost", "lost"]]);
  t.is(r.groups.web?.place.length, 0);
});

test("a stopped job stops every running allocation and cancels its deployment", (t) => {
  const j = svcJob(2, {}, { stop: true });
  const dep = { id: "d1", jobVersion: 0, status: "running" } as Deployment;
  const r = run({ job: j, allocs: [...allocs(j, 2), alloc(j, 5, { clientStatus: "complete" })], deployment: dep });
  t.is(r.groups.web?.stop.length, 2);
  t.true(r.groups.web?.stop.every((s) => s.reason === "stopped"));
  t.deepEqual(r.deploymentUpdates.map((u) => u.status), ["cancelled"]);
});

test("a deregistered job stops everything", (t) => {
  const j = svcJob(2);
  const r = run({ job: undefined, allocs: allocs(j, 2) });
  t.is(r.groups.web?.stop.length, 2);
  t.is(r.desiredTGUpdates.web?.stop, 2);
});

test("allocations of a removed group are stopped as not needed", (t) => {
  const old = svcJob(2);
  const j = nextVersion(old, (g) => { g.name = "api"; });
  const r = run({ job: j, allocs: allocs(old, 2) });
  t.deepEqual(r.groups.web?.stop.map((s) => s.reason), ["not needed", "not needed"]);
  t.is(r.groups.api?.place.length, 2);
});

test("complete service allocations are replaced, completed batch allocations are not", (t) => {
  const j = svcJob(2, {}, { type: "batch" });
  const existing = [alloc(j, 0, { clientStatus: "complete" }), alloc(j, 1)];
  const batch = run({ job: j, allocs: existing, batch: true });
  t.is(batch.groups.web?.place.length, 0);
  const svc = run({ job: svcJob(2), allocs: [alloc(svcJob(2), 0, { clientStatus: "complete" }), alloc(svcJob(2), 1)] });
  t.deepEqual(svc.groups.web?.place.map((p) => p.name), ["web.web[0]"]);
});

test("allocations on a down node are marked lost and replaced under the same name", (t) => {
  const j = svcJob(2);
  const existing = allocs(j, 2);
  const r = run({ job: j, allocs: existing, taintedNodes: tainted(node("node-1", { status: "down" })) });
  t.deepEqual(r.groups.web?.stop.map((s) => [s.alloc.id, s.reason, s.clientStatus]), [[existing[1]?.id, "lost", "lost"]]);
  t.deepEqual(r.groups.web?.place.map((p) => [p.name, p.previousAlloc?.id, p.reason]), [["web.web[1]", existing[1]?.id, "lost"]]);
});

test("prevent_reschedule_on_lost marks the allocation unknown and places nothing", (t) => {
  const j = svcJob(1, { preventRescheduleOnLost: true });
  const r = run({ job: j, allocs: allocs(j, 1), taintedNodes: tainted(node("node-0", { status: "down" })) });
  t.is(r.groups.web?.place.length, 0);
  t.deepEqual(r.groups.web?.attributeUpdates.map((u) => u.clientStatus), ["unknown"]);
});

test("a disconnected node within max_client_disconnect makes allocations unknown, replaced, with a follow-up at the deadline", (t) => {
  const j = svcJob(1, { maxClientDisconnectMs: 60_000 });
  const existing = allocs(j, 1);
  const n = node("node-0", { status: "disconnected", statusUpdatedAtMs: (NOW - 10_000) });
  const r = run({ job: j, allocs: existing, taintedNodes: tainted(n) });
  t.deepEqual(r.groups.web?.attributeUpdates.map((u) => [u.alloc.id, u.clientStatus]), [[existing[0]?.id, "unknown"]]);
  t.is(r.groups.web?.stop.length, 0);
  t.deepEqual(r.groups.web?.place.map((p) => p.reason), ["disconnect"]);
  t.deepEqual(r.groups.web?.followupEvals, [{ waitUntilMs: (NOW - 10_000) + 60_000, allocIds: [existing[0]?.id ?? ""], triggeredBy: "max-disconnect-timeout" }]);
  t.is(r.desiredTGUpdates.web?.disconnect, 1);
});

test("a disconnected node past max_client_disconnect, or without it, loses its allocations", (t) => {
  const within = svcJob(1, { maxClientDisconnectMs: 60_000 });
  const n = node("node-0", { status: "disconnected", statusUpdatedAtMs: (NOW - 120_000) });
  const past = run({ job: within, allocs: allocs(within, 1), taintedNodes: tainted(n) });
  t.deepEqual(past.groups.web?.stop.map((s) => s.clientStatus), ["lost"]);
  const without = svcJob(1);
  const r = run({ job: without, allocs: allocs(without, 1), taintedNodes: tainted(n) });
  t.deepEqual(r.groups.web?.stop.map((s) => s.clientStatus), ["lost"]);
  t.is(r.groups.web?.place.length, 1);
});

test("an original that reconnects is kept and its replacement stopped", (t) => {
  const j = svcJob(1, { maxClientDisconnectMs: 60_000 });
  const original = alloc(j, 0, { clientStatus: "unknown" });
  const replacement = alloc(j, 0, { previousAllocation: original.id, nodeId: "node-9" });
  const r = run({ job: j, allocs: [original, replacement] });
  t.deepEqual(r.groups.web?.stop.map((s) => [s.alloc.id, s.reason]), [[replacement.id, "reconnected"]]);
  t.is(r.groups.web?.place.length, 0);
  t.is(r.desiredTGUpdates.web?.reconnect, 1);
});

test("drain migrations are limited by migrate.max_parallel", (t) => {
  const j = svcJob(4, { migrate: { maxParallel: 2, healthCheck: "checks", minHealthyTimeMs: 0, healthyDeadlineMs: 0 } });
  const existing = allocs(j, 4, () => ({ nodeId: "drain-1" }));
  const draining = node("drain-1", { drainStrategy: { deadlineMs: 3_600_000, ignoreSystemJobs: false, forceDeadlineMs: 0, startedAtMs: NOW } });
  const r = run({ job: j, allocs: existing, taintedNodes: tainted(draining) });
  t.deepEqual(r.groups.web?.stop.map((s) => [s.alloc.name, s.reason, s.migrate]), [["web.web[0]", "migrating", true], ["web.web[1]", "migrating", true]]);
  t.deepEqual(r.groups.web?.place.map((p) => [p.name, p.reason]), [["web.web[0]", "migrate"], ["web.web[1]", "migrate"]]);
  t.is(r.groups.web?.migrateWaiting, 2);
  t.like(r.desiredTGUpdates.web, { migrate: 2, place: 0, stop: 0 });
});

test("migrations in flight use up migrate.max_parallel", (t) => {
  const j = svcJob(3, { migrate: { maxParallel: 1, healthCheck: "checks", minHealthyTimeMs: 0, healthyDeadlineMs: 0 } });
  const draining = node("drain-1", { drainStrategy: { deadlineMs: 3_600_000, ignoreSystemJobs: false, forceDeadlineMs: 0, startedAtMs: NOW } });
  const moved = alloc(j, 0, { nodeId: "drain-1", desiredStatus: "stop" });
  const replacement = alloc(j, 0, { nodeId: "node-5", previousAllocation: moved.id, clientStatus: "pending" });
  const rest = [alloc(j, 1, { nodeId: "drain-1" }), alloc(j, 2, { nodeId: "drain-1" })];
  const r = run({ job: j, allocs: [moved, replacement, ...rest], taintedNodes: tainted(draining) });
  t.is(r.groups.web?.stop.length, 0);
  t.is(r.groups.web?.migrateWaiting, 2);
});

test("a job with an update block gets a deployment for a new version", (t) => {
  const j = svcJob(2, { update });
  const r = run({ job: j, allocs: [] });
  t.like(r.createDeployment, { jobVersion: 0, taskGroups: { web: { desiredTotal: 2, desiredCanaries: 0, autoRevert: false, autoPromote: false, progressDeadlineMs: 600_000 } } });
  const steady = run({ job: j, allocs: allocs(j, 2) });
  t.is(steady.createDeployment, undefined);
});
