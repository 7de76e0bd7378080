// The job, node, eval and alloc commands against a real server with simulated clients, run
// in-process through main() as a user would type them: output, exit codes, prefix lookups.

import test from "ava";
import { TestCluster, waitFor } from "../support/cluster.js";
import { SimFleet } from "../support/sim-client.js";
import { CliWorkspace, type Run } from "./support.js";

let cluster: TestCluster | undefined;
let fleet: SimFleet | undefined;
const cli = new CliWorkspace("cli-cluster-", () => cluster?.addresses ?? []);
const nomadish = (...args: string[]): Promise<Run> => cli.run(...args);
const jobspec = (id: string, count: number, extra = ""): string => cli.jobspec(id, count, extra);

const SHORT_ID = "[0-9a-f]{8}";
const TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:Z|[+-]\\d\\d:\\d\\d)";
const line = (pattern: string) => new RegExp(`^${pattern}$`, "m");

test.before(async () => {
  cluster = await TestCluster.start({ servers: 1 });
  await cluster.waitForLeader();
  fleet = await SimFleet.start(cluster.addresses, [{ name: "n1" }, { name: "n2" }, { name: "n3" }]);
});

test.after.always(async () => {
  await fleet?.stop();
  await cluster?.stop();
});

test.serial("job run monitors the evaluation to the placed allocations and exits 0", async (t) => {
  const run = await nomadish("job", "run", jobspec("web", 3));
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, new RegExp(`^==> ${TIME}: Monitoring evaluation "${SHORT_ID}"\n`));
  t.regex(run.stdout, line(` {4}${TIME}: Evaluation triggered by job "web"`));
  t.is(run.stdout.match(new RegExp(`^ {4}${TIME}: Allocation "${SHORT_ID}" created: node "${SHORT_ID}", group "app"$`, "gm"))?.length, 3);
  t.regex(run.stdout, line(` {4}${TIME}: Evaluation status changed: "pending" -> "complete"`));
  t.regex(run.stdout, new RegExp(`\n==> ${TIME}: Evaluation "${SHORT_ID}" finished with status "complete"\n$`));
});

test.serial("job status lists the jobs, and shows one job's summary and allocations", async (t) => {
  const status = await waitFor("3 running allocations in the summary", 15_000, async () => {
    const run = await nomadish("job", "status", "web");
    return /^app +0 +0 +3 +0 +0 +0 +0$/m.test(run.stdout) ? run : undefined;
  });
  t.is(status.code, 0);
  t.regex(status.stdout, /^ID {12}= web\nName {10}= web\nSubmit Date {3}= \S+\nType {10}= service\nPriority {6}= 50\nDatacenters {3}= \*\n/);
  t.regex(status.stdout, line("Status {8}= running"));
  t.true(status.stdout.includes("\nSummary\nTask Group  Queued  Starting  Running  Failed  Complete  Lost  Unknown\n"));
  t.regex(status.stdout, /\nAllocations\nID {8}Node ID {3}Task Group  Version  Desired  Status {3}Created +Modified\n/);
  t.is(status.stdout.match(new RegExp(`^${SHORT_ID}  ${SHORT_ID}  app {9}0 {8}run {6}running  .* ago +.* ago$`, "gm"))?.length, 3);

  const list = await nomadish("job", "status");
  t.is(list.code, 0);
  t.regex(list.stdout, /^ID +Type +Priority +Status +Submit Date\n/);
  t.regex(list.stdout, line(`web +service +50 +running +${TIME}`));
});

test.serial("a job no node can run exits 2 with the reasons, and eval status shows them too", async (t) => {
  const constraint = '  constraint {\n    attribute = "${attr.cpu.arch}"\n    value     = "arm64"\n  }';
  const run = await nomadish("job", "run", jobspec("arm", 2, constraint));
  t.is(run.code, 2, run.stderr);
  t.regex(run.stdout, line(`==> ${TIME}: Evaluation "${SHORT_ID}" finished with status "complete" but failed to place all allocations:`));
  t.regex(run.stdout, line(` {4}${TIME}: Task Group "app" \\(failed to place 2 allocations\\):`));
  t.true(run.stdout.includes('\n      * Constraint "${attr.cpu.arch} = arm64": 3 nodes excluded by filter\n'));
  t.regex(run.stdout, line(` {4}${TIME}: Evaluation "${SHORT_ID}" waiting for additional capacity to place remainder`));

  const evalId = /Monitoring evaluation "([0-9a-f]{8})"/.exec(run.stdout)?.[1] ?? "";
  const evalStatus = await nomadish("eval", "status", evalId);
  t.is(evalStatus.code, 0, evalStatus.stderr);
  t.regex(evalStatus.stdout, line("Placement Failures = true"));
  t.true(evalStatus.stdout.includes('\nFailed Placements\nTask Group "app" (failed to place 2 allocations):\n  * Constraint "${attr.cpu.arch} = arm64": 3 nodes excluded by filter\n'));

  const jobStatus = await nomadish("job", "status", "arm");
  t.true(jobStatus.stdout.includes('\nPlacement Failure\nTask Group "app":\n  * Constraint "${attr.cpu.arch} = arm64": 3 nodes excluded by filter\n'));
  t.regex(jobStatus.stdout, /\nAllocations\nNo allocations placed\n$/);

  const evals = await nomadish("eval", "list", "-job", "arm");
  t.regex(evals.stdout, line(`${SHORT_ID}  50 +queued-allocs +arm +default +<none> +blocked +N/A - In Progress`));
});

test.serial("job plan shows the diff and the dry run; exit 1 when allocations would change, 0 when not", async (t) => {
  const same = await nomadish("job", "plan", jobspec("web", 3));
  t.is(same.code, 0, same.stderr);
  t.regex(same.stdout, /^Job: "web"\nTask Group: "app" \(3 ignore\)\n/);
  t.true(same.stdout.includes("\nScheduler dry-run:\n- All tasks successfully allocated.\n"));
  const index = /nomadish job run -check-index (\d+) web\.hcl/.exec(same.stdout)?.[1];
  t.truthy(index);

  const more = await nomadish("job", "plan", jobspec("web", 4));
  t.is(more.code, 1, more.stderr);
  t.regex(more.stdout, /^\+\/- Job: "web"\n\+\/- Task Group: "app" \(1 create[^)]*\)\n {2}\+\/- Count: "3" => "4" \(forces create\)\n {6}Task: "server"\n/);

  const stale = await nomadish("job", "run", "-check-index", String(Number(index) - 1), "web.hcl");
  t.is(stale.code, 1);
  t.regex(stale.stderr, /^Error: .*/);
  const exact = await nomadish("job", "run", "-check-index", index ?? "", "web.hcl");
  t.is(exact.code, 0, exact.stderr);
  t.is(exact.stdout.match(/Allocation "[0-9a-f]{8}" created/g)?.length, 1);
});

test.serial("a job prefix that matches several jobs lists them and exits 1", async (t) => {
  t.is((await nomadish("job", "run", "-detach", jobspec("api-a", 1))).code, 0);
  t.is((await nomadish("job", "run", "-detach", jobspec("api-b", 1))).code, 0);
  const run = await nomadish("job", "status", "api");
  t.is(run.code, 1);
  t.regex(run.stderr, /^Error: Prefix matched multiple jobs\n\nID +Type +Priority +Status +Submit Date\n/);
  t.regex(run.stderr, line("api-a +service +50 +\\S+ +\\S+"));
  t.regex(run.stderr, line("api-b +service +50 +\\S+ +\\S+"));
  t.is((await nomadish("job", "status", "api-a")).code, 0);
  const none = await nomadish("job", "status", "nope");
  t.is(none.code, 1);
  t.is(none.stderr, 'Error: No job(s) with prefix or id "nope" found\n');
});

test.serial("node status lists the nodes and shows one node's allocated resources", async (t) => {
  const list = await nomadish("node", "status");
  t.is(list.code, 0);
  t.regex(list.stdout, /^ID {8}Node Pool  DC {3}Name  Class {3}Drain  Eligibility  Status\n/);
  const rows = list.stdout.match(new RegExp(`^${SHORT_ID}  default +dc1 +n\\d +<none> +false +eligible +ready$`, "gm")) ?? [];
  t.is(rows.length, 3);

  const prefix = (rows[0] ?? "").slice(0, 4);
  const one = await nomadish("node", "status", prefix);
  t.is(one.code, 0, one.stderr);
  t.regex(one.stdout, line("Status {8}= ready"));
  // Simulated nodes offer 4 × 2500 MHz, 8 GiB and 100,000 MB of disk.
  t.regex(one.stdout, /\nAllocated Resources\nCPU +Memory +Disk\n\d+\/10000 MHz +[\d.]+ [KMG]?i?B\/8\.0 GiB +[\d.]+ [KMG]?i?B\/98 GiB\n/);
  t.regex(one.stdout, /\nAllocations\n(ID {8}Node ID|No allocations placed)/);
});

test.serial("alloc status -verbose shows the task and the score of every node considered", async (t) => {
  const allocs = await nomadish("job", "allocs", "web");
  const allocId = new RegExp(`^(${SHORT_ID})  .* run +running `, "m").exec(allocs.stdout)?.[1] ?? "";
  t.truthy(allocId, allocs.stdout);
  const run = await nomadish("alloc", "status", "-verbose", allocId);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, new RegExp(`^ID {18}= ${allocId}[0-9a-f-]{28}\n`));
  t.regex(run.stdout, line("Client Status {7}= running"));
  t.regex(run.stdout, line('Task "server" is "running"'));
  // Of the 3 nodes, the scheduler scores its limit (2) and any it passed over for a negative score
  // (a node already running one of the job's allocations): which, depends on the shuffle.
  const evaluated = Number(/^Evaluated Nodes {5}= (\d+)$/m.exec(run.stdout)?.[1]);
  t.true(evaluated === 2 || evaluated === 3, run.stdout);
  t.regex(run.stdout, line("Filtered Nodes {6}= 0"));
  t.regex(run.stdout, /\nPlacement Metrics\nNode {34}binpack +job-anti-affinity +.*final score\n/);
  t.is((run.stdout.match(/^[0-9a-f-]{36} {2}-?[\d.]+/gm) ?? []).length, evaluated, "one score row for every node considered");
});

test.serial("job stop stops the job's allocations and the job reads dead (stopped)", async (t) => {
  const stop = await nomadish("job", "stop", "web");
  t.is(stop.code, 0, stop.stderr);
  t.regex(stop.stdout, new RegExp(`==> ${TIME}: Evaluation "${SHORT_ID}" finished with status "complete"\n$`));
  t.regex((await nomadish("job", "status")).stdout, line(`web +service +50 +dead \\(stopped\\) +${TIME}`));
});
