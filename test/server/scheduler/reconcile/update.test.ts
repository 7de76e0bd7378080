import test from "ava";
import type { Deployment, DeploymentState, Job, TaskGroup, UpdateStrategy } from "../../../../shared/model/index.js";
import { tasksUpdated } from "../../../../server/scheduler/reconcile/index.js";
import { alloc, allocs, nextVersion, run, svcJob } from "./fixtures.js";

const update = (maxParallel: number, canary = 0): UpdateStrategy => ({
  staggerMs: 0, maxParallel, healthCheck: "checks", minHealthyTimeMs: 0, healthyDeadlineMs: 0, progressDeadlineMs: 600_000,
  autoRevert: false, autoPromote: false, canary,
});

const changes: [string, (g: TaskGroup, j: Job) => void, "destructive" | "inplace"][] = [
  ["count", (g) => { g.count = 5; }, "inplace"],
  ["group meta", (g) => { g.meta = { team: "a" }; }, "inplace"],
  ["job meta", (_g, j) => { j.meta = { owner: "b" }; }, "inplace"],
  ["restart policy", (g) => { g.restartPolicy = { ...g.restartPolicy, attempts: 9 }; }, "inplace"],
  ["reschedule policy", (g) => { g.reschedulePolicy = { attempts: 1, intervalMs: 1, delayMs: 1, delayFunction: "constant", maxDelayMs: 0, unlimited: false }; }, "inplace"],
  ["service tags", (g) => { g.services = [svc("web", "http", ["v2"])]; }, "destructive"], // adding a service wires a port
  ["task driver", (g) => { task(g).driver = "docker"; }, "destructive"],
  ["task config", (g) => { task(g).config = { image: "nginx:2" }; }, "destructive"],
  ["task env", (g) => { task(g).env = { A: "1" }; }, "destructive"],
  ["task resources", (g) => { task(g).resources.memoryMb = 512; }, "destructive"],
  ["task artifacts", (g) => { task(g).artifacts = [{ source: "https://x/y", destination: "local", mode: "any", options: {}, headers: {} }]; }, "destructive"],
  ["task templates", (g) => { task(g).templates = [tmpl()]; }, "destructive"],
  ["task constraints", (g) => { task(g).constraints = [{ attribute: "${attr.kernel.name}", operator: "=", value: "linux" }]; }, "destructive"],
  ["group constraints", (g) => { g.constraints = [{ attribute: "${node.class}", operator: "=", value: "gpu" }]; }, "destructive"],
  ["job constraints", (_g, j) => { j.constraints = [{ attribute: "${node.class}", operator: "=", value: "gpu" }]; }, "destructive"],
  ["group networks", (g) => { g.networks = [{ mode: "bridge", mbits: 0, reservedPorts: [], dynamicPorts: [{ label: "http", value: 0, to: 8080, hostNetwork: "default" }], hostname: "" }]; }, "destructive"],
  ["task meta", (g) => { task(g).meta = { x: "y" }; }, "inplace"],
  ["kill timeout", (g) => { task(g).killTimeoutMs = 30_000; }, "inplace"],
];

for (const [field, change, kind] of changes) {
  test(`changing ${field} is ${kind === "destructive" ? "a destructive" : "an in-place"} update`, (t) => {
    const old = svcJob(2);
    const j = nextVersion(old, change);
    t.is(tasksUpdated(old, j, "web") !== undefined, kind === "destructive");
    const r = run({ job: j, allocs: allocs(old, 2) });
    const g = r.groups.web;
    if (kind === "destructive") {
      t.is(g?.destructiveUpdate.length, 2);
      t.is(g?.inplaceUpdate.length, 0);
    } else {
      t.is(g?.destructiveUpdate.length, 0);
      t.is(g?.inplaceUpdate.length, 2);
    }
  });
}

test("changing only a service's tags is an in-place update", (t) => {
  const old = svcJob(1, { services: [svc("web", "http", ["v1"])] });
  const j = nextVersion(old, (g) => { g.services = [svc("web", "http", ["v2"])]; });
  t.is(tasksUpdated(old, j, "web"), undefined);
  const moved = nextVersion(old, (g) => { g.services = [svc("web", "admin", ["v1"])]; });
  t.is(tasksUpdated(old, moved, "web"), "group services");
});

test("allocations of the current version are left alone", (t) => {
  const j = svcJob(2);
  const r = run({ job: j, allocs: allocs(j, 2) });
  t.like(r.desiredTGUpdates.web, { ignore: 2, place: 0, stop: 0, inPlaceUpdate: 0, destructiveUpdate: 0 });
});

test("a rolling update replaces at most max_parallel allocations per evaluation, lowest names first", (t) => {
  const old = svcJob(5, { update: update(2) });
  const j = nextVersion(old, (g) => { task(g).config = { image: "v2" }; });
  const r = run({ job: j, allocs: allocs(old, 5) });
  t.deepEqual(r.groups.web?.destructiveUpdate.map((d) => d.name), ["web.web[0]", "web.web[1]"]);
  t.is(r.groups.web?.rollingWaiting, 3);
  t.like(r.desiredTGUpdates.web, { destructiveUpdate: 2, ignore: 3 });
  t.is(r.createDeployment?.jobVersion, 1);
});

test("unhealthy allocations of the deployment use up max_parallel", (t) => {
  const old = svcJob(4, { update: update(2) });
  const j = nextVersion(old, (g) => { task(g).config = { image: "v2" }; });
  const d = deployment(j, { desiredTotal: 4 });
  const fresh = alloc(j, 0, { deploymentId: d.id }); // placed, health not known yet
  const healthy = alloc(j, 1, { deploymentId: d.id, deploymentStatus: { healthy: true, timestampMs: 0, canary: false, modifyIndex: 0 } });
  const r = run({ job: j, allocs: [fresh, healthy, alloc(old, 2), alloc(old, 3)], deployment: d });
  t.deepEqual(r.groups.web?.destructiveUpdate.map((u) => u.name), ["web.web[2]"]);
  t.is(r.groups.web?.rollingWaiting, 1);
  t.is(r.createDeployment, undefined);
});

test("a paused deployment makes no destructive updates", (t) => {
  const old = svcJob(2, { update: update(2) });
  const j = nextVersion(old, (g) => { task(g).config = { image: "v2" }; });
  const r = run({ job: j, allocs: allocs(old, 2), deployment: { ...deployment(j, {}), status: "paused" } });
  t.is(r.groups.web?.destructiveUpdate.length, 0);
  t.is(r.groups.web?.rollingWaiting, 2);
});

test("batch jobs update every allocation at once and leave completed ones alone", (t) => {
  const old = svcJob(3, {}, { type: "batch" });
  const j = nextVersion(old, (g) => { task(g).config = { image: "v2" }; });
  const r = run({ job: j, allocs: [alloc(old, 0), alloc(old, 1), alloc(old, 2, { clientStatus: "complete" })], batch: true });
  t.is(r.groups.web?.destructiveUpdate.length, 2);
  t.is(r.groups.web?.place.length, 0);
});

test("canaries are placed first, under the names of allocations they will replace", (t) => {
  const old = svcJob(3, { update: update(1, 2) });
  const j = nextVersion(old, (g) => { task(g).config = { image: "v2" }; });
  const r = run({ job: j, allocs: allocs(old, 3) });
  t.deepEqual(r.groups.web?.place.map((p) => [p.name, p.canary]), [["web.web[0]", true], ["web.web[1]", true]]);
  t.is(r.groups.web?.destructiveUpdate.length, 0);
  t.like(r.desiredTGUpdates.web, { canary: 2, place: 0, destructiveUpdate: 0 });
  t.is(r.createDeployment?.taskGroups.web?.desiredCanaries, 2);
});

test("placed canaries wait for promotion", (t) => {
  const old = svcJob(3, { update: update(1, 1) });
  const j = nextVersion(old, (g) => { task(g).config = { image: "v2" }; });
  const canary = alloc(j, 0, { deploymentStatus: { canary: true, timestampMs: 0, modifyIndex: 0 } });
  const d = deployment(j, { desiredCanaries: 1, placedCanaries: [canary.id] });
  const r = run({ job: j, allocs: [...allocs(old, 3), canary], deployment: d });
  t.is(r.groups.web?.place.length, 0);
  t.is(r.groups.web?.stop.length, 0);
  t.is(r.groups.web?.destructiveUpdate.length, 0);
});

test("after promotion the canary's old namesake stops and the rest roll", (t) => {
  const old = svcJob(3, { update: update(1, 1) });
  const j = nextVersion(old, (g) => { task(g).config = { image: "v2" }; });
  const canary = alloc(j, 0, { deploymentStatus: { canary: true, healthy: true, timestampMs: 0, modifyIndex: 0 } });
  const d = deployment(j, { desiredCanaries: 1, placedCanaries: [canary.id], promoted: true });
  canary.deploymentId = d.id;
  const old0 = alloc(old, 0);
  const r = run({ job: j, allocs: [old0, alloc(old, 1), alloc(old, 2), canary], deployment: d });
  t.deepEqual(r.groups.web?.stop.map((s) => [s.alloc.id, s.reason]), [[old0.id, "not needed"]]);
  t.deepEqual(r.groups.web?.destructiveUpdate.map((u) => u.name), ["web.web[1]"]);
});

test("a deployment of an older version is cancelled; a finished one is marked successful", (t) => {
  const old = svcJob(1, { update: update(1) });
  const j = nextVersion(old, (g) => { task(g).config = { image: "v2" }; });
  const r = run({ job: j, allocs: allocs(old, 1), deployment: deployment(old, {}) });
  t.deepEqual(r.deploymentUpdates.map((u) => u.status), ["cancelled"]);
  const done = alloc(j, 0, { deploymentStatus: { healthy: true, timestampMs: 0, canary: false, modifyIndex: 0 } });
  const d = deployment(j, { desiredTotal: 1, healthyAllocs: 1 });
  t.deepEqual(run({ job: j, allocs: [done], deployment: d }).deploymentUpdates.map((u) => u.status), ["successful"]);
});

function task(g: TaskGroup): TaskGroup["tasks"][number] {
  const first = g.tasks[0];
  if (!first) throw new Error("group without tasks");
  return first;
}

function svc(name: string, portLabel: string, tags: string[]): TaskGroup["services"][number] {
  return {
    name, portLabel, provider: "nomad", addressMode: "auto", address: "", tags, canaryTags: [], enableTagOverride: false,
    meta: {}, canaryMeta: {}, taskName: "", checks: [], onUpdate: "require_healthy",
  };
}

function tmpl(): TaskGroup["tasks"][number]["templates"][number] {
  return {
    sourcePath: "", destPath: "local/a.conf", embeddedTmpl: "x", changeMode: "restart", changeSignal: "", splayMs: 0, perms: "0644",
    leftDelim: "{{", rightDelim: "}}", envvars: false, vaultGraceMs: 0, errMissingKey: false,
  };
}

function deployment(j: Job, state: Partial<DeploymentState>): Deployment {
  return {
    id: `dep-v${j.version}`, namespace: "default", jobId: j.id, jobVersion: j.version, jobModifyIndex: j.jobModifyIndex,
    jobCreateIndex: j.createIndex, status: "running", statusDescription: "", createIndex: 0, modifyIndex: 0,
    taskGroups: {
      web: {
        autoRevert: false, autoPromote: false, progressDeadlineMs: 0, requireProgressByMs: 0, promoted: false, placedCanaries: [],
        desiredCanaries: 0, desiredTotal: 1, placedAllocs: 0, healthyAllocs: 0, unhealthyAllocs: 0, ...state,
      },
    },
  };
}
