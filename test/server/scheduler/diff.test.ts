import test from "ava";
import type { FieldDiff, Job, ObjectDiff, TaskDiff, TaskGroupDiff } from "../../../shared/model/index.js";
import { annotateDiff, diffJobs } from "../../../server/scheduler/index.js";
import { group, job, task } from "../../support/model.js";

/** A job whose one group "web" holds one task "server" running a docker image. */
function dockerJob(overrides: { image?: string; count?: number } = {}): Job {
  const server = task("server", { driver: "docker", config: { image: overrides.image ?? "nginx:1.25", args: ["-g", "daemon off;"], ports: ["http"] } });
  return job("web", { taskGroups: [group("web", overrides.count ?? 1, { tasks: [server] })] });
}

function tg(diff: { taskGroups: TaskGroupDiff[] }, name = "web"): TaskGroupDiff {
  const found = diff.taskGroups.find((g) => g.name === name);
  if (!found) throw new Error(`no group diff ${name}`);
  return found;
}

function td(g: TaskGroupDiff, name = "server"): TaskDiff {
  const found = g.tasks.find((t) => t.name === name);
  if (!found) throw new Error(`no task diff ${name}`);
  return found;
}

function obj(parent: { objects: ObjectDiff[] }, name: string): ObjectDiff {
  const found = parent.objects.find((o) => o.name === name);
  if (!found) throw new Error(`no object diff ${name}`);
  return found;
}

function field(parent: { fields: FieldDiff[] }, name: string): FieldDiff | undefined {
  return parent.fields.find((f) => f.name === name);
}

/** Fields as [type, name, old, new] for compact assertions. */
function rows(parent: { fields: FieldDiff[] }): [string, string, string, string][] {
  return parent.fields.map((f) => [f.type, f.name, f.old, f.new]);
}

test("identical versions diff to None with no fields or objects anywhere", (t) => {
  const d = diffJobs(dockerJob(), dockerJob());
  t.is(d.type, "None");
  t.is(d.id, "web");
  t.deepEqual(d.fields, []);
  t.deepEqual(d.objects, []);
  t.deepEqual(d.taskGroups, [{
    type: "None", name: "web", fields: [], objects: [], updates: {},
    tasks: [{ type: "None", name: "server", fields: [], objects: [], annotations: [] }],
  }]);
});

test("fields that change with every version (status, version, indexes, submit time) are not a change", (t) => {
  const next = { ...dockerJob(), status: "running" as const, version: 3, modifyIndex: 40, jobModifyIndex: 40, submitTimeMs: 1 };
  t.is(diffJobs(dockerJob(), next).type, "None");
});

test("a count change edits the group's Count and leaves its tasks unannotated", (t) => {
  const d = diffJobs(dockerJob({ count: 1 }), dockerJob({ count: 3 }));
  t.is(d.type, "Edited");
  t.deepEqual(d.fields, []);
  const g = tg(d);
  t.is(g.type, "Edited");
  t.deepEqual(rows(g), [["Edited", "Count", "1", "3"]]);
  t.is(td(g).type, "None");
  t.deepEqual(td(g).annotations, []);
});

test("a change the reconciler applies in place annotates the task \"forces in-place update\"", (t) => {
  const old = dockerJob();
  const next = dockerJob();
  next.taskGroups[0]!.tasks[0]!.meta = { team: "edge" };
  next.taskGroups[0]!.tasks[0]!.killTimeoutMs = 30_000;
  const server = td(tg(diffJobs(old, next)));
  t.is(server.type, "Edited");
  t.deepEqual(rows(server), [["Edited", "KillTimeout", "5s", "30s"], ["Added", "Meta[team]", "", "edge"]]);
  t.deepEqual(server.annotations, ["forces in-place update"]);
});

test("a new image edits the flattened Config and forces a create/destroy update", (t) => {
  const server = td(tg(diffJobs(dockerJob({ image: "nginx:1.25" }), dockerJob({ image: "nginx:1.27" }))));
  t.is(server.type, "Edited");
  t.deepEqual(server.fields, []);
  const config = obj(server, "Config");
  t.is(config.type, "Edited");
  t.deepEqual(rows(config), [["Edited", "image", "nginx:1.25", "nginx:1.27"]]);
  t.deepEqual(server.annotations, ["forces create/destroy update"]);
});

test("driver config lists flatten to indexed names, compared entry by entry", (t) => {
  const old = dockerJob();
  const next = dockerJob();
  next.taskGroups[0]!.tasks[0]!.config = { image: "nginx:1.25", args: ["-g", "daemon on;", "-q"], ports: ["http"], labels: { team: "edge" } };
  const config = obj(td(tg(diffJobs(old, next))), "Config");
  t.deepEqual(rows(config), [
    ["Edited", "args[1]", "daemon off;", "daemon on;"],
    ["Added", "args[2]", "", "-q"],
    ["Added", "labels[team]", "", "edge"],
  ]);
});

test("a resource change edits CPU and MemoryMB in Resources and is destructive", (t) => {
  const old = dockerJob();
  const next = dockerJob();
  next.taskGroups[0]!.tasks[0]!.resources = { ...next.taskGroups[0]!.tasks[0]!.resources, cpuMhz: 1000, memoryMb: 512 };
  const server = td(tg(diffJobs(old, next)));
  t.deepEqual(rows(obj(server, "Resources")), [["Edited", "CPU", "500", "1000"], ["Edited", "MemoryMB", "256", "512"]]);
  t.deepEqual(server.annotations, ["forces create/destroy update"]);
});

test("meta and env entries diff one key at a time", (t) => {
  const old = job("web", { meta: { owner: "platform", tier: "1" } });
  old.taskGroups[0]!.tasks[0]!.env = { A: "1", B: "2" };
  const next = job("web", { meta: { owner: "edge", region: "eu" } });
  next.taskGroups[0]!.tasks[0]!.env = { A: "1", C: "3" };
  const d = diffJobs(old, next);
  t.deepEqual(rows(d), [
    ["Edited", "Meta[owner]", "platform", "edge"],
    ["Added", "Meta[region]", "", "eu"],
    ["Deleted", "Meta[tier]", "1", ""],
  ]);
  const server = td(tg(d));
  t.deepEqual(rows(server), [["Deleted", "Env[B]", "2", ""], ["Added", "Env[C]", "", "3"]]);
  t.deepEqual(server.annotations, ["forces create/destroy update"], "env is destructive");
});

test("a group meta change is an in-place change that leaves the tasks alone", (t) => {
  const next = dockerJob();
  next.taskGroups[0]!.meta = { version: "2" };
  const g = tg(diffJobs(dockerJob(), next));
  t.deepEqual(rows(g), [["Added", "Meta[version]", "", "2"]]);
  t.is(td(g).type, "None");
});

test("an added group comes with all its fields and tasks that \"force create\"", (t) => {
  const old = dockerJob();
  const next = dockerJob();
  next.taskGroups.push(group("cache", 2, { tasks: [task("redis", { driver: "docker", config: { image: "redis:7" } })] }));
  const d = diffJobs(old, next);
  t.is(d.type, "Edited");
  t.deepEqual(d.taskGroups.map((g) => [g.name, g.type]), [["cache", "Added"], ["web", "None"]]);
  const cache = tg(d, "cache");
  t.deepEqual(field(cache, "Count"), { type: "Added", name: "Count", old: "", new: "2", annotations: [] });
  t.is(obj(cache, "RestartPolicy").type, "Added");
  const redis = td(cache, "redis");
  t.is(redis.type, "Added");
  t.deepEqual(redis.annotations, ["forces create"]);
  t.deepEqual(field(redis, "Driver"), { type: "Added", name: "Driver", old: "", new: "docker", annotations: [] });
  t.deepEqual(rows(obj(redis, "Config")), [["Added", "image", "", "redis:7"]]);
});

test("a removed group is Deleted and its tasks \"force destroy\"", (t) => {
  const old = dockerJob();
  old.taskGroups.push(group("cache", 2));
  const cache = tg(diffJobs(old, dockerJob()), "cache");
  t.is(cache.type, "Deleted");
  t.deepEqual(field(cache, "Count"), { type: "Deleted", name: "Count", old: "2", new: "", annotations: [] });
  t.is(td(cache).type, "Deleted");
  t.deepEqual(td(cache).annotations, ["forces destroy"]);
});

test("a task added to or removed from a group that stays replaces the group's allocations", (t) => {
  const old = dockerJob();
  old.taskGroups[0]!.tasks.push(task("old-sidecar"));
  const next = dockerJob();
  next.taskGroups[0]!.tasks.push(task("log-shipper", { lifecycle: { hook: "poststart", sidecar: true } }));
  const g = tg(diffJobs(old, next));
  t.is(g.type, "Edited");
  t.deepEqual(g.tasks.map((x) => [x.name, x.type, x.annotations]), [
    ["log-shipper", "Added", ["forces create/destroy update"]],
    ["old-sidecar", "Deleted", ["forces create/destroy update"]],
    ["server", "None", []],
  ]);
  t.deepEqual(rows(obj(td(g, "log-shipper"), "Lifecycle")), [["Added", "Hook", "", "poststart"], ["Added", "Sidecar", "", "true"]]);
});

test("a new job is Added with every set field, block, group and task", (t) => {
  const d = diffJobs(undefined, dockerJob());
  t.is(d.type, "Added");
  t.is(d.id, "web");
  t.deepEqual(rows(d), [
    ["Added", "AllAtOnce", "", "false"],
    ["Added", "Name", "", "web"],
    ["Added", "Namespace", "", "default"],
    ["Added", "NodePool", "", "default"],
    ["Added", "Priority", "", "50"],
    ["Added", "Region", "", "global"],
    ["Added", "Stop", "", "false"],
    ["Added", "Type", "", "service"],
  ]);
  t.deepEqual(obj(d, "Datacenters"), {
    type: "Added", name: "Datacenters", objects: [], fields: [{ type: "Added", name: "Datacenters", old: "", new: "dc1", annotations: [] }],
  });
  const g = tg(d);
  t.is(g.type, "Added");
  t.is(field(g, "Count")?.new, "1");
  const server = td(g);
  t.deepEqual(server.annotations, ["forces create"]);
  t.like(Object.fromEntries(obj(server, "Resources").fields.map((f) => [f.name, f.new])), { CPU: "500", MemoryMB: "256" });
  t.deepEqual(rows(obj(server, "Config")), [
    ["Added", "args[0]", "", "-g"], ["Added", "args[1]", "", "daemon off;"], ["Added", "image", "", "nginx:1.25"], ["Added", "ports[0]", "", "http"],
  ]);
  t.is(field(server, "User"), undefined, "an empty field is not shown");
});

test("a deleted job is Deleted with old values only", (t) => {
  const d = diffJobs(dockerJob(), undefined);
  t.is(d.type, "Deleted");
  t.is(d.id, "web");
  t.true(d.fields.every((f) => f.type === "Deleted" && f.new === ""));
  t.deepEqual(field(d, "Priority"), { type: "Deleted", name: "Priority", old: "50", new: "", annotations: [] });
  t.is(tg(d).type, "Deleted");
  t.deepEqual(td(tg(d)).annotations, ["forces destroy"]);
});

test("job scalars and datacenters show what changed", (t) => {
  const d = diffJobs(job("web"), job("web", { priority: 70, datacenters: ["dc1", "dc2"], nodePool: "gpu" }));
  t.deepEqual(rows(d), [["Edited", "NodePool", "default", "gpu"], ["Edited", "Priority", "50", "70"]]);
  t.deepEqual(obj(d, "Datacenters"), {
    type: "Edited", name: "Datacenters", objects: [], fields: [{ type: "Added", name: "Datacenters", old: "", new: "dc2", annotations: [] }],
  });
});

test("a changed constraint shows as the old one Deleted and the new one Added", (t) => {
  const old = job("web", { constraints: [{ attribute: "${attr.kernel.name}", operator: "=", value: "linux" }] });
  const next = job("web", { constraints: [{ attribute: "${attr.kernel.name}", operator: "=", value: "darwin" }] });
  const d = diffJobs(old, next);
  t.is(d.type, "Edited");
  t.deepEqual(d.objects.map((o) => [o.name, o.type, o.fields.find((f) => f.name === "RTarget")]), [
    ["Constraint", "Deleted", { type: "Deleted", name: "RTarget", old: "linux", new: "", annotations: [] }],
    ["Constraint", "Added", { type: "Added", name: "RTarget", old: "", new: "darwin", annotations: [] }],
  ]);
});

test("an update block and a periodic block appear as objects", (t) => {
  const update = { staggerMs: 30_000, maxParallel: 1, healthCheck: "checks" as const, minHealthyTimeMs: 10_000, healthyDeadlineMs: 300_000, progressDeadlineMs: 600_000, autoRevert: false, autoPromote: false, canary: 0 };
  const old = job("web", { update });
  const next = job("web", { update: { ...update, maxParallel: 2 }, periodic: { enabled: true, specs: ["@daily"], specType: "cron", prohibitOverlap: false, timeZone: "UTC" } });
  const d = diffJobs(old, next);
  t.deepEqual(obj(d, "Update"), { type: "Edited", name: "Update", objects: [], fields: [{ type: "Edited", name: "MaxParallel", old: "1", new: "2", annotations: [] }] });
  t.is(obj(d, "Periodic").type, "Added");
  t.is(field(obj(d, "Periodic"), "Specs[0]")?.new, "@daily");
});

test("group policies show durations as text", (t) => {
  const next = dockerJob();
  next.taskGroups[0]!.restartPolicy = { ...next.taskGroups[0]!.restartPolicy, intervalMs: 3_600_000, mode: "delay" };
  const g = tg(diffJobs(dockerJob(), next));
  t.deepEqual(rows(obj(g, "RestartPolicy")), [["Edited", "Interval", "30m", "1h"], ["Edited", "Mode", "fail", "delay"]]);
});

test("ports match by label, so a new static value edits the port", (t) => {
  const net = (value: number) => ({ mode: "host", mbits: 0, hostname: "", dynamicPorts: [], reservedPorts: [{ label: "http", value, to: 0, hostNetwork: "default" }] });
  const old = dockerJob();
  old.taskGroups[0]!.networks = [net(8080)];
  const next = dockerJob();
  next.taskGroups[0]!.networks = [net(9090)];
  const network = obj(tg(diffJobs(old, next)), "Network");
  t.is(network.type, "Edited");
  t.deepEqual(network.objects, [{
    type: "Edited", name: "Static Port", objects: [], fields: [{ type: "Edited", name: "Value", old: "8080", new: "9090", annotations: [] }],
  }]);
});

test("tokens are never part of a diff", (t) => {
  const d = diffJobs(job("web", { consulToken: "a", vaultToken: "b" }), job("web", { consulToken: "c", vaultToken: "d" }));
  t.is(d.type, "None");
  t.false(JSON.stringify(diffJobs(undefined, job("web", { consulToken: "secret" }))).includes("secret"));
});

test("a contextual diff adds the unchanged fields of changed blocks as None", (t) => {
  const d = diffJobs(dockerJob({ image: "nginx:1.25" }), dockerJob({ image: "nginx:1.27" }), { contextual: true });
  t.deepEqual(field(d, "Priority"), { type: "None", name: "Priority", old: "50", new: "50", annotations: [] });
  const config = obj(td(tg(d)), "Config");
  t.deepEqual(field(config, "ports[0]"), { type: "None", name: "ports[0]", old: "http", new: "http", annotations: [] });
  t.is(field(config, "image")?.type, "Edited");
  t.is(field(td(tg(d)), "Driver")?.type, "None");
});

test("annotateDiff sets the non-zero update counts and annotates a Count that grows or shrinks", (t) => {
  const old = dockerJob({ count: 3 });
  old.taskGroups.push(group("api", 1));
  const next = dockerJob({ count: 2, image: "nginx:1.27" });
  next.taskGroups.push(group("api", 4));
  const diff = diffJobs(old, next);
  const counts = { place: 0, stop: 1, migrate: 0, inPlaceUpdate: 0, destructiveUpdate: 2, canary: 0, ignore: 0 };
  const annotated = annotateDiff(diff, { web: counts, api: { ...counts, stop: 0, destructiveUpdate: 0, place: 3, ignore: 1 } });
  t.deepEqual(tg(annotated).updates, { destroy: 1, "create/destroy update": 2 });
  t.deepEqual(field(tg(annotated), "Count")?.annotations, ["forces destroy"]);
  t.deepEqual(tg(annotated, "api").updates, { ignore: 1, create: 3 });
  t.deepEqual(field(tg(annotated, "api"), "Count")?.annotations, ["forces create"]);
  t.deepEqual(tg(diff).updates, {}, "the input is left alone");
  t.deepEqual(field(tg(diff), "Count")?.annotations, []);
});

test("annotateDiff leaves a group the scheduler has no counts for without updates", (t) => {
  const annotated = annotateDiff(diffJobs(undefined, dockerJob()), {});
  t.deepEqual(tg(annotated).updates, {});
  t.deepEqual(field(tg(annotated), "Count")?.annotations, ["forces create"]);
});
