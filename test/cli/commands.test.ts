// Every CLI command not covered elsewhere, against one real server with simulated clients, run
// in-process through main() as a user would type them: the key lines and columns of the output,
// and the exit code. (cluster.test.ts covers job run/status/plan/stop, eval status, alloc status
// -verbose and placement failures; offline.test.ts the errors caught before any request.)

import test from "ava";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { repoPath } from "../paths.js";
import { TestCluster, freePort, waitFor } from "../support/cluster.js";
import { SimFleet } from "../support/sim-client.js";
import { CliWorkspace, type Run } from "./support.js";

/** The fields of `job allocs -json` these tests read. */
interface AllocStub {
  ID: string;
  NodeID: string;
  JobVersion: number;
  DesiredStatus: string;
  ClientStatus: string;
}

let cluster: TestCluster | undefined;
let fleet: SimFleet | undefined;
const cli = new CliWorkspace("cli-commands-", () => cluster?.addresses ?? []);
const dir = cli.dir;
const nomadish = (...args: string[]): Promise<Run> => cli.run(...args);
const jobspec = (id: string, count: number, extra = ""): string => cli.jobspec(id, count, extra);

const OWNER_META = '  meta {\n    owner = "team-a"\n  }';
const SHORT_ID = "[0-9a-f]{8}";
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
// Whether the version's deployment has succeeded yet: the simulated clients report health at once, so it races the command.
const STABLE = "(?:true|false)";
const TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:Z|[+-]\\d\\d:\\d\\d)";
const line = (pattern: string) => new RegExp(`^${pattern}$`, "m");
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

async function allocsOf(job: string): Promise<AllocStub[]> {
  const run = await nomadish("job", "allocs", "-json", job);
  if (run.code !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as AllocStub[];
}

const isLive = (a: AllocStub) => a.DesiredStatus === "run" && a.ClientStatus === "running";

/** Waits until the job has exactly `n` allocations that should run and do, and returns them. */
async function waitForRunning(job: string, n: number, also: (live: AllocStub[]) => boolean = () => true): Promise<AllocStub[]> {
  return waitFor(`${n} running allocations of ${job}`, 15_000, async () => {
    const live = (await allocsOf(job)).filter(isLive);
    return live.length === n && also(live) ? live : undefined;
  });
}

/** The row of `node status` for the simulated node of that name. */
async function nodeRow(name: string): Promise<string> {
  const list = await nomadish("node", "status");
  return new RegExp(`^${SHORT_ID}  default +dc1 +${name} .*$`, "m").exec(list.stdout)?.[0] ?? `(no row for ${name} in)\n${list.stdout}`;
}

test.before(async () => {
  cluster = await TestCluster.start({ servers: 1, flags: ["-min-heartbeat-ttl", "1s", "-heartbeat-grace", "1s"] });
  await cluster.waitForLeader();
  fleet = await SimFleet.start(cluster.addresses, [{ name: "n1" }, { name: "n2" }, { name: "n3" }]);
});

test.after.always(async () => {
  await fleet?.stop();
  await cluster?.stop();
});

test.serial("job init writes example.nomad.hcl, never overwrites it, and -short writes one without comments", async (t) => {
  const init = await nomadish("job", "init");
  t.is(init.code, 0, init.stderr);
  t.is(init.stdout, "Example job file written to example.nomad.hcl\n");
  const example = readFileSync(path.join(dir, "example.nomad.hcl"), "utf8");
  t.regex(example, line('job "example" \\{'));
  t.regex(example, /^\s*# /m);

  const again = await nomadish("job", "init");
  t.is(again.code, 1);
  t.is(again.stdout, "");
  t.is(again.stderr, "Error: Job 'example.nomad.hcl' already exists\n");
  t.is(readFileSync(path.join(dir, "example.nomad.hcl"), "utf8"), example);

  const short = await nomadish("job", "init", "-short", "short.hcl");
  t.is(short.code, 0, short.stderr);
  t.is(short.stdout, "Example job file written to short.hcl\n");
  const shortText = readFileSync(path.join(dir, "short.hcl"), "utf8");
  t.regex(shortText, line('job "example" \\{'));
  t.notRegex(shortText, /^\s*#/m);
});

test.serial("job validate accepts the example jobspecs and lists every problem of a bad one with file:line:col, exit 1", async (t) => {
  for (const file of ["example.nomad.hcl", "short.hcl"]) {
    const ok = await nomadish("job", "validate", file);
    t.is(ok.code, 0, `${file}: ${ok.stderr}`);
    t.is(ok.stdout, "Job validation successful\n");
  }

  writeFileSync(path.join(dir, "bad.hcl"), 'job "web" {\n  group "web" {\n    count = "many"\n    task "t" {\n      driver = 5\n    }\n  }\n}\n');
  const bad = await nomadish("job", "validate", "bad.hcl");
  t.is(bad.code, 1);
  t.is(bad.stdout, "");
  t.regex(bad.stderr, /^Error: 2 problems:\n/);
  t.regex(bad.stderr, line(' {2}\\* bad\\.hcl:3:13: job "web" > group "web" > count: expected a whole number, got "many"'));
  t.regex(bad.stderr, line(' {2}\\* bad\\.hcl:5:16: job "web" > group "web" > task "t" > driver: unknown driver "5".*'));

  const missing = await nomadish("job", "validate", "missing.hcl");
  t.is(missing.code, 1);
  t.is(missing.stderr, "Error: cannot read jobspec missing.hcl: no such file\n");
});

test.serial("job inspect prints the submitted job, defaults filled in, as JSON under Job", async (t) => {
  const run = await nomadish("job", "run", jobspec("web", 2));
  t.is(run.code, 0, run.stderr);

  const inspect = await nomadish("job", "inspect", "web");
  t.is(inspect.code, 0, inspect.stderr);
  t.regex(inspect.stdout, /^\{\n {2}"Job": \{\n/);
  t.regex(inspect.stdout, /\n\}\n$/);
  const { Job: job } = JSON.parse(inspect.stdout) as {
    Job: { ID: string; Type: string; Version: number; Datacenters: string[]; TaskGroups: { Name: string; Count: number; EphemeralDisk: { SizeMB: number }; Tasks: { Name: string; Driver: string; Resources: { CPUMHz: number; MemoryMB: number }; RestartPolicy: { Attempts: number } }[] }[] };
  };
  t.is(job.ID, "web");
  t.is(job.Type, "service");
  t.is(job.Version, 0);
  t.deepEqual(job.Datacenters, ["*"]);
  const [group] = job.TaskGroups;
  t.is(group?.Name, "app");
  t.is(group?.Count, 2);
  t.is(group?.EphemeralDisk.SizeMB, 300, "the default ephemeral disk is filled in");
  t.is(group?.Tasks[0]?.Driver, "mock");
  t.deepEqual(group?.Tasks[0]?.Resources.CPUMHz, 500);
  t.is(group?.Tasks[0]?.RestartPolicy.Attempts, 2, "the service default restart policy is filled in");

  const byPrefix = await nomadish("job", "inspect", "we");
  t.is(byPrefix.stdout, inspect.stdout);
  const none = await nomadish("job", "inspect", "nope");
  t.is(none.code, 1);
  t.is(none.stderr, 'Error: No job(s) with prefix or id "nope" found\n');
});

test.serial("job history lists both versions newest first, and -p shows what version 1 changed", async (t) => {
  const update = await nomadish("job", "run", jobspec("web", 2, OWNER_META));
  t.is(update.code, 0, update.stderr);

  const history = await nomadish("job", "history", "web");
  t.is(history.code, 0, history.stderr);
  t.regex(history.stdout, new RegExp(
    `^Version {5}= 1\nStable {6}= ${STABLE}\nSubmit Date = ${TIME}\n\nVersion {5}= 0\nStable {6}= ${STABLE}\nSubmit Date = ${TIME}\n$`,
  ));

  const diff = await nomadish("job", "history", "-p", "web");
  t.is(diff.code, 0, diff.stderr);
  t.regex(diff.stdout, new RegExp(`^Version {5}= 1\nStable {6}= ${STABLE}\nSubmit Date = ${TIME}\nDiff {8}=\n\\+/- Job: "web"\n`));
  t.regex(diff.stdout, line('\\+ +Meta\\[owner\\]: "team-a"'));
  t.regex(diff.stdout, new RegExp(`\n\nVersion {5}= 0\nStable {6}= ${STABLE}\nSubmit Date = ${TIME}\n$`), "the first version has no diff");
  t.is(diff.stdout.match(/^Diff /gm)?.length, 1);
});

test.serial("job allocs lists the job's allocations in Nomad's columns, at the job's current version", async (t) => {
  await waitForRunning("web", 2, (live) => live.every((a) => a.JobVersion === 1));
  const allocs = await nomadish("job", "allocs", "web");
  t.is(allocs.code, 0, allocs.stderr);
  t.regex(allocs.stdout, /^ID {8}Node ID {3}Task Group  Version  Desired  Status +Created +Modified\n/);
  t.is(allocs.stdout.match(new RegExp(`^${SHORT_ID}  ${SHORT_ID}  app {9}1 {8}run {6}running +\\S+ ago +\\S+ ago$`, "gm"))?.length, 2, allocs.stdout);
});

test.serial("job scale sets the group's count, monitors the evaluation to complete, and a new allocation runs", async (t) => {
  const before = new Set((await allocsOf("web")).map((a) => a.ID));
  const scale = await nomadish("job", "scale", "web", "app", "3");
  t.is(scale.code, 0, scale.stderr);
  t.regex(scale.stdout, new RegExp(`^==> ${TIME}: Monitoring evaluation "${SHORT_ID}"\n`));
  t.regex(scale.stdout, line(` {4}${TIME}: Evaluation triggered by job "web"`));
  t.is(scale.stdout.match(new RegExp(`^ {4}${TIME}: Allocation "${SHORT_ID}" created: node "${SHORT_ID}", group "app"$`, "gm"))?.length, 1, scale.stdout);
  t.regex(scale.stdout, new RegExp(`\n==> ${TIME}: Evaluation "${SHORT_ID}" finished with status "complete"\n$`));

  const live = await waitForRunning("web", 3);
  t.is(live.filter((a) => !before.has(a.ID)).length, 1, "one allocation was added");
  const { Job: job } = JSON.parse((await nomadish("job", "inspect", "web")).stdout) as { Job: { Version: number; TaskGroups: { Count: number }[] } };
  t.is(job.TaskGroups[0]?.Count, 3);
  t.is(job.Version, 2);

  const noGroup = await nomadish("job", "scale", "web", "nogroup", "1");
  t.is(noGroup.code, 1);
  t.is(noGroup.stderr, 'Error: job "web" has no task group "nogroup"\n');
});

test.serial("job status -short shows only the job's key = value block", async (t) => {
  const run = await nomadish("job", "status", "-short", "web");
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, new RegExp(
    `^ID {12}= web\nName {10}= web\nSubmit Date {3}= ${TIME}\nType {10}= service\nPriority {6}= 50\nDatacenters {3}= \\*\n` +
    "Namespace {5}= default\nNode Pool {5}= default\nStatus {8}= running\nPeriodic {6}= false\nParameterized = false\n$",
  ));
});

test.serial("job status -json prints the job; without a job, every job with its summary", async (t) => {
  const one = await nomadish("job", "status", "-json", "web");
  t.is(one.code, 0, one.stderr);
  const job = JSON.parse(one.stdout) as { ID: string; Version: number; Status: string; Meta: Record<string, string>; TaskGroups: { Count: number }[] };
  t.is(job.ID, "web");
  t.is(job.Version, 2);
  t.is(job.Status, "running");
  t.deepEqual(job.Meta, { owner: "team-a" });
  t.is(job.TaskGroups[0]?.Count, 3);

  const all = await nomadish("job", "status", "-json");
  t.is(all.code, 0, all.stderr);
  const jobs = JSON.parse(all.stdout) as { ID: string; Type: string; Status: string; Summary: { Summary: Record<string, Record<string, number>> } }[];
  const web = jobs.find((j) => j.ID === "web");
  t.is(web?.Type, "service");
  t.is(web?.Status, "running");
  const app = web?.Summary.Summary["app"];
  t.deepEqual(Object.keys(app ?? {}), ["Queued", "Starting", "Running", "Failed", "Complete", "Lost", "Unknown"]);
  t.is((app?.["Starting"] ?? 0) + (app?.["Running"] ?? 0), 3);
});

test.serial("job plan exits 0 for a jobspec that matches the job and 1 for one that scales it", async (t) => {
  const same = await nomadish("job", "plan", jobspec("web", 3, OWNER_META));
  t.is(same.code, 0, same.stderr);
  t.regex(same.stdout, /^Job: "web"\nTask Group: "app" \(3 ignore\)\n {2}Task: "server"\n\nScheduler dry-run:\n- All tasks successfully allocated\.\n/);
  t.regex(same.stdout, line("Job Modify Index: \\d+"));

  const scaled = await nomadish("job", "plan", jobspec("web", 5, OWNER_META));
  t.is(scaled.code, 1, scaled.stderr);
  t.regex(scaled.stdout, /^\+\/- Job: "web"\n\+\/- Task Group: "app" \(2 create[^)]*\)\n {2}\+\/- Count: "3" => "5" \(forces create\)\n/);
  t.regex(scaled.stdout, line("nomadish job run -check-index \\d+ web\\.hcl"));
  t.is((JSON.parse((await nomadish("job", "inspect", "web")).stdout) as { Job: { Version: number } }).Job.Version, 2, "plan registers nothing");
});

test.serial("job run -check-index with a stale index exits 1, says the job changed, and registers nothing", async (t) => {
  const plan = await nomadish("job", "plan", jobspec("web", 4, OWNER_META));
  const index = Number(/^Job Modify Index: (\d+)$/m.exec(plan.stdout)?.[1]);
  t.true(index > 1, plan.stdout);

  const stale = await nomadish("job", "run", "-check-index", String(index - 1), "web.hcl");
  t.is(stale.code, 1);
  t.is(stale.stdout, "");
  t.is(stale.stderr, `Error: the job changed since it was read: check index ${index - 1}, current job modify index ${index}\n`);

  const create = await nomadish("job", "run", "-check-index", "0", "web.hcl");
  t.is(create.code, 1);
  t.is(create.stderr, `Error: job "web" already exists (check index 0, current ${index})\n`);

  const { Job: job } = JSON.parse((await nomadish("job", "inspect", "web")).stdout) as { Job: { Version: number; TaskGroups: { Count: number }[] } };
  t.is(job.Version, 2);
  t.is(job.TaskGroups[0]?.Count, 3);
});

test.serial("job stop -purge removes the job at once: no longer listed, found or in history", async (t) => {
  const run = await nomadish("job", "run", "-detach", jobspec("tmp", 1));
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, new RegExp(`^Job registration successful\nEvaluation ID: ${UUID}\n$`));
  await waitForRunning("tmp", 1);

  const stop = await nomadish("job", "stop", "-purge", "tmp");
  t.is(stop.code, 0, stop.stderr);
  t.regex(stop.stdout, new RegExp(`^==> ${TIME}: Monitoring evaluation "${SHORT_ID}"\n`));
  t.regex(stop.stdout, new RegExp(`\n==> ${TIME}: Evaluation "${SHORT_ID}" finished with status "complete"\n$`));

  const status = await nomadish("job", "status", "tmp");
  t.is(status.code, 1);
  t.is(status.stderr, 'Error: No job(s) with prefix or id "tmp" found\n');
  const list = await nomadish("job", "status");
  t.notRegex(list.stdout, /^tmp /m);
  t.regex(list.stdout, line(`web +service +50 +running +${TIME}`));
  const history = await nomadish("job", "history", "tmp");
  t.is(history.code, 1);
});

test.serial("node status <id> shows the node and its allocated resources; -json the node without its secret", async (t) => {
  const row = await nodeRow("n1");
  const id = row.slice(0, 8);
  const one = await nomadish("node", "status", id);
  t.is(one.code, 0, one.stderr);
  t.regex(one.stdout, new RegExp(
    `^ID {12}= ${id}[0-9a-f-]{28}\nName {10}= n1\nNode Pool {5}= default\nClass {9}= <none>\nDC {12}= dc1\n` +
    "Drain {9}= false\nEligibility {3}= eligible\nStatus {8}= ready\nDriver Status = docker,exec,mock\n",
  ));
  // Simulated nodes offer 4 × 2500 MHz, 8 GiB and 100,000 MB of disk; each web allocation holds 500 MHz, 256 MiB and 300 MiB.
  const here = (await allocsOf("web")).filter((a) => a.NodeID.startsWith(id) && isLive(a)).length;
  t.true(here >= 1);
  t.regex(one.stdout, new RegExp(`\n\nAllocated Resources\nCPU +Memory +Disk\n${500 * here}/10000 MHz +${256 * here} MiB/8\\.0 GiB +${300 * here} MiB/98 GiB\n`));
  t.regex(one.stdout, /\n\nAllocations\nID {8}Node ID {3}Task Group  Version  Desired  Status +Created +Modified\n/);
  t.regex(one.stdout, line(`${SHORT_ID}  ${id}  app {9}2 {8}run {6}running .*`));

  const json = await nomadish("node", "status", "-json", id);
  t.is(json.code, 0, json.stderr);
  const node = JSON.parse(json.stdout) as {
    ID: string; SecretID: string; Name: string; Datacenter: string; Status: string; SchedulingEligibility: string;
    Resources: { CPUMHz: number; MemoryMB: number; DiskMB: number }; Drivers: Record<string, { Healthy: boolean }>;
  };
  t.true(node.ID.startsWith(id));
  t.regex(node.ID, new RegExp(`^${UUID}$`));
  t.is(node.SecretID, "", "the node's secret is not given out");
  t.is(node.Name, "n1");
  t.is(node.Datacenter, "dc1");
  t.is(node.Status, "ready");
  t.is(node.SchedulingEligibility, "eligible");
  t.deepEqual(node.Resources.CPUMHz, 10_000);
  t.is(node.Resources.MemoryMB, 8192);
  t.is(node.Drivers["mock"]?.Healthy, true);
});

test.serial("node eligibility -disable makes the node ineligible in node status, and -enable eligible again", async (t) => {
  const row = await nodeRow("n1");
  const id = row.slice(0, 8);
  const fullId = (JSON.parse((await nomadish("node", "status", "-json", id)).stdout) as { ID: string }).ID;

  const disable = await nomadish("node", "eligibility", "-disable", id);
  t.is(disable.code, 0, disable.stderr);
  t.is(disable.stdout, `Node "${fullId}" scheduling eligibility set: ineligible for scheduling\n`);
  t.regex(await nodeRow("n1"), / {2}false +ineligible +ready$/);
  t.regex(await nodeRow("n2"), / {2}false +eligible +ready$/);

  const enable = await nomadish("node", "eligibility", "-enable", id);
  t.is(enable.code, 0, enable.stderr);
  t.is(enable.stdout, `Node "${fullId}" scheduling eligibility set: eligible for scheduling\n`);
  t.regex(await nodeRow("n1"), / {2}false +eligible +ready$/);
});

test.serial("node drain -enable -detach shows Drain true in node status, and -disable clears it", async (t) => {
  const id = (await nodeRow("n1")).slice(0, 8);
  const others = [(await nodeRow("n2")).slice(0, 8), (await nodeRow("n3")).slice(0, 8)];
  const fullId = (JSON.parse((await nomadish("node", "status", "-json", id)).stdout) as { ID: string }).ID;
  // With n2 and n3 ineligible, n1's allocation has nowhere to go, so the drain lasts until it is disabled.
  for (const other of others) t.is((await nomadish("node", "eligibility", "-disable", other)).code, 0);
  try {
    const enable = await nomadish("node", "drain", "-enable", "-deadline", "30s", "-detach", id);
    t.is(enable.code, 0, enable.stderr);
    t.is(enable.stdout, `Node "${fullId}" drain strategy set\n`);
    t.regex(await nodeRow("n1"), / {2}true +ineligible +ready$/);
    t.regex((await nomadish("node", "status", id)).stdout, line(`Drain {9}= true; ${TIME} deadline`));

    const disable = await nomadish("node", "drain", "-disable", id);
    t.is(disable.code, 0, disable.stderr);
    t.is(disable.stdout, `Node "${fullId}" drain strategy unset\n`);
    t.regex(await nodeRow("n1"), / {2}false +eligible +ready$/);
    t.regex((await nomadish("node", "status", id)).stdout, line("Drain {9}= false"));
  } finally {
    for (const other of others) await nomadish("node", "eligibility", "-enable", other);
  }
  t.regex(await nodeRow("n2"), / {2}false +eligible +ready$/);
  t.regex(await nodeRow("n3"), / {2}false +eligible +ready$/);
});

test.serial("eval list shows the evaluations newest first in Nomad's columns; -json the full evaluations", async (t) => {
  const list = await nomadish("eval", "list");
  t.is(list.code, 0, list.stderr);
  t.regex(list.stdout, /^ID {8}Priority  Triggered By +Job ID +Namespace +Node ID +Status +Placement Failures\n/);
  t.regex(list.stdout, line(`${SHORT_ID}  50 +job-register +web +default +<none> +complete +false`));
  t.regex(list.stdout, line(`${SHORT_ID}  50 +job-scaling +web +default +<none> +complete +false`));
  t.regex(list.stdout, line(`${SHORT_ID}  50 +job-deregister +tmp +default +<none> +complete +false`));
  t.regex(list.stdout, line(`${SHORT_ID}  50 +node-drain +web +default +${SHORT_ID} +\\S+ +\\S+.*`));
  const tableIds = [...list.stdout.matchAll(/^([0-9a-f]{8})  /gm)].map((m) => m[1] ?? "");

  const json = await nomadish("eval", "list", "-json");
  t.is(json.code, 0, json.stderr);
  const evals = JSON.parse(json.stdout) as { ID: string; JobID: string; TriggeredBy: string; Status: string; Priority: number; CreateIndex: number }[];
  t.true(evals.length >= tableIds.length);
  for (const e of evals) t.regex(e.ID, new RegExp(`^${UUID}$`));
  for (const id of tableIds) t.true(evals.some((e) => e.ID.startsWith(id)), `${id} is in the JSON too`);
  t.true(evals.some((e) => e.JobID === "web" && e.TriggeredBy === "job-scaling" && e.Status === "complete" && e.Priority === 50));
  const indexes = evals.map((e) => e.CreateIndex);
  t.deepEqual(indexes, [...indexes].sort((a, b) => b - a), "newest first");
});

test.serial("alloc stop -detach prints the evaluation id and the scheduler places a replacement", async (t) => {
  const before = await waitForRunning("web", 3);
  const victim = before[0]?.ID ?? "";
  const stop = await nomadish("alloc", "stop", "-detach", victim.slice(0, 8));
  t.is(stop.code, 0, stop.stderr);
  t.regex(stop.stdout, new RegExp(`^${UUID}\n$`));
  const evalId = stop.stdout.trim();

  const after = await waitForRunning("web", 3, (live) => live.every((a) => a.ID !== victim));
  t.is(after.filter((a) => !before.some((b) => b.ID === a.ID)).length, 1, "one replacement");
  const stopped = await nomadish("alloc", "status", victim.slice(0, 8));
  t.regex(stopped.stdout, line("Desired Status {6}= stop"));
  t.regex(stopped.stdout, line("Desired Description = alloc was stopped by the user"));
  const evalStatus = await nomadish("eval", "status", evalId.slice(0, 8));
  t.regex(evalStatus.stdout, line("TriggeredBy {8}= alloc-stop"));
  t.regex(evalStatus.stdout, line("Status {13}= complete"));

  const again = await nomadish("alloc", "stop", "-detach", victim.slice(0, 8));
  t.is(again.code, 1);
  t.is(again.stderr, `Error: allocation "${victim}" is already stopped\n`);
});

test.serial("alloc status -json prints the allocation with its job, resources and task states", async (t) => {
  const [live] = await waitForRunning("web", 3);
  const id = live?.ID ?? "";
  const run = await nomadish("alloc", "status", "-json", id.slice(0, 8));
  t.is(run.code, 0, run.stderr);
  const alloc = JSON.parse(run.stdout) as {
    ID: string; Name: string; NodeID: string; NodeName: string; JobID: string; TaskGroup: string; DesiredStatus: string; ClientStatus: string;
    Job: { ID: string; Version: number }; AllocatedResources: { Tasks: Record<string, { CPUMHz: number; MemoryMB: number }> };
    TaskStates: Record<string, { State: string; Events: { Type: string }[] }>; Metrics: { NodesEvaluated: number };
  };
  t.is(alloc.ID, id);
  t.regex(alloc.Name, /^web\.app\[\d\]$/);
  t.is(alloc.NodeID, live?.NodeID ?? "");
  t.regex(alloc.NodeName, /^n[123]$/);
  t.is(alloc.JobID, "web");
  t.is(alloc.Job.ID, "web");
  t.is(alloc.TaskGroup, "app");
  t.is(alloc.DesiredStatus, "run");
  t.is(alloc.ClientStatus, "running");
  t.deepEqual(alloc.AllocatedResources.Tasks["server"], { ...alloc.AllocatedResources.Tasks["server"], CPUMHz: 500, MemoryMB: 256 });
  t.is(alloc.TaskStates["server"]?.State, "running");
  t.true((alloc.TaskStates["server"]?.Events ?? []).some((e) => e.Type === "Started"));
  t.true(alloc.Metrics.NodesEvaluated >= 1);
});

test.serial("status shows the cluster, its leader and its servers; -json the same", async (t) => {
  const address = cluster?.addresses[0] ?? "";
  const status = await nomadish("status");
  t.is(status.code, 0, status.stderr);
  t.regex(status.stdout, new RegExp(
    `^Cluster {6}= [0-9a-f]{16}\nLeader {7}= server0 \\(${escape(address)}\\)\nTerm {9}= \\d+\nCommit Index = \\d+\nServers {6}= 1 \\(1 alive\\)\n$`,
  ));

  const json = await nomadish("status", "-json");
  t.is(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { Cluster: string; Leader: { ID: string; Address: string }; Term: number; CommitIndex: number; Servers: number; Alive: number };
  t.is(parsed.Cluster, /^Cluster {6}= (\S+)$/m.exec(status.stdout)?.[1] ?? "");
  t.is(parsed.Leader.Address, address);
  t.regex(parsed.Leader.ID, new RegExp(`^${UUID}$`));
  t.true(parsed.Term >= 1);
  t.true(parsed.CommitIndex >= 1);
  t.is(parsed.Servers, 1);
  t.is(parsed.Alive, 1);
});

test.serial("version prints nomadish's version and the Node.js runtime's; -version is the same", async (t) => {
  const { version } = JSON.parse(readFileSync(repoPath("package.json"), "utf8")) as { version: string };
  const expected = `nomadish v${version}\nNode.js ${process.version} (${process.platform}/${process.arch})\n`;
  for (const args of [["version"], ["-version"]]) {
    const run = await nomadish(...args);
    t.is(run.code, 0, args.join(" "));
    t.is(run.stdout, expected, args.join(" "));
    t.is(run.stderr, "");
  }
});

test.serial("a short id prefix that matches several evaluations lists them and exits 1", async (t) => {
  // Evaluations until two share their first two hex digits (about twenty, by the birthday bound).
  jobspec("evals", 0);
  const shared = await waitFor("two evaluations sharing a two-character prefix", 30_000, async () => {
    const evals = JSON.parse((await nomadish("eval", "list", "-json")).stdout) as { ID: string }[];
    const byPrefix = new Map<string, string[]>();
    for (const e of evals) byPrefix.set(e.ID.slice(0, 2), [...(byPrefix.get(e.ID.slice(0, 2)) ?? []), e.ID]);
    const found = [...byPrefix].find(([, ids]) => ids.length >= 2);
    if (found === undefined) await nomadish("job", "run", "-detach", "evals.hcl");
    return found;
  });
  const [prefix, ids] = shared;

  const run = await nomadish("eval", "status", prefix);
  t.is(run.code, 1);
  t.is(run.stdout, "");
  t.regex(run.stderr, /^Error: Prefix matched multiple evaluations\n\nID {8}Priority  Triggered By +Job ID +Namespace +Node ID +Status +Placement Failures\n/);
  for (const id of ids) t.regex(run.stderr, line(`${id.slice(0, 8)}  50 .*`));
  t.true(run.stderr.trimEnd().split("\n").length >= 3 + ids.length, "the message, a blank line, the header and one row per match");

  const unique = await nomadish("eval", "status", ids[0]?.slice(0, 8) ?? "");
  t.is(unique.code, 0, unique.stderr);
});

test.serial("an unreachable -address fails every command with one line and exit 1", async (t) => {
  const address = `127.0.0.1:${await freePort()}`;
  // [command, arguments]: -address goes between them, and overrides NOMADISH_ADDR (which names the live cluster).
  const commands: [string[], string[]][] = [
    [["status"], []], [["job", "status"], []], [["job", "inspect"], ["web"]], [["job", "history"], ["web"]], [["job", "allocs"], ["web"]],
    [["job", "scale"], ["web", "app", "1"]], [["job", "stop"], ["web"]], [["node", "status"], []], [["node", "eligibility"], ["-enable", "abcd"]],
    [["node", "drain"], ["-disable", "abcd"]], [["eval", "list"], []], [["eval", "status"], ["abcd"]], [["alloc", "status"], ["abcd"]],
    [["alloc", "stop"], ["abcd"]],
  ];
  for (const [command, args] of commands) {
    const what = [...command, ...args].join(" ");
    const run = await nomadish(...command, "-address", address, ...args);
    t.is(run.code, 1, what);
    t.is(run.stdout, "", what);
    t.is(run.stderr, `Error: no server reachable at ${address}\n`, what);
  }
  t.is((await nomadish("job", "status", "-short", "web")).code, 0, "the job is still there");
});
