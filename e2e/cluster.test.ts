// A whole cluster as a user runs it: three server processes, real client agents standing in for
// the unlike machines of `nomadish dev`, real Docker, and the `nomadish` CLI. The leader and a
// client are SIGKILLed under running containers; the example jobspecs land where they may; a
// broken jobspec changes nothing. One cluster is shared by the serial tests, in order.

import test from "ava";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { CLIENT_SHAPES } from "../agent/dev.js";
import * as pb from "../proto/index.js";
import type { ApiClient } from "../shared/api/client.js";
import { loadJobspec } from "../shared/jobspec/load.js";
import type { Constraint, Job } from "../shared/model/index.js";
import { repoPath } from "../test/paths.js";
import { TestCluster, waitFor, type ClientProcess, type ServerProcess } from "../test/support/cluster.js";
import { nomadishProcess } from "../test/support/cli-process.js";

const run = promisify(execFile);
const RUN = pb.AllocDesiredStatus.RUN;
const STOP = pb.AllocDesiredStatus.STOP;
const RUNNING = pb.AllocClientStatus.RUNNING;
const COMPLETE = pb.AllocClientStatus.COMPLETE;
const LOST = pb.AllocClientStatus.LOST;
const WRITE = { namespace: "", region: "" };

// Nomad's defaults (10 s TTL, 10 s grace) would make a lost client take 20–40 s to be replaced.
// A 1 s TTL has clients heartbeat every 0.4–1 s; the 2 s grace still lets a client on this busy
// 2-core machine stall for seconds without being marked down by mistake.
const SERVER_FLAGS = ["-min-heartbeat-ttl", "1s", "-heartbeat-grace", "2s"];

// The clients `nomadish dev` starts (agent/dev.ts), one of each.
const DEV_CLIENTS = CLIENT_SHAPES.map((shape) => [`${shape.name}-1`, shape.config] as const);
const SMALL = CLIENT_SHAPES.find((shape) => shape.name === "small")?.config ?? "";

const jobsDir = mkdtempSync(path.join(tmpdir(), "nomadish-cluster-jobs-"));
let cluster: TestCluster;
let api: ApiClient;
/** Every allocation this cluster made, so cleanup never touches other runs' containers. */
const seenAllocs = new Set<string>();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real CLI in its own process, as a user types it, with NOMADISH_ADDR set. */
function nomadish(args: string[], address = cluster.addresses.join(",")): Promise<Run> {
  return nomadishProcess(args, address);
}

function jobFile(name: string, hcl: string): string {
  const file = path.join(jobsDir, name);
  writeFileSync(file, hcl);
  return file;
}

async function allocs(jobId: string): Promise<pb.AllocationStub[]> {
  const list = (await api.call(pb.JobsService.allocations, { jobId, all: false }, "read")).allocations;
  for (const a of list) seenAllocs.add(a.id);
  return list;
}

const live = (list: pb.AllocationStub[]) => list.filter((a) => a.desiredStatus === RUN && a.clientStatus === RUNNING);

async function waitForRunning(jobId: string, count: number, timeoutMs = 30_000): Promise<pb.AllocationStub[]> {
  return waitFor(`${count} running allocations of ${jobId}`, timeoutMs, async () => {
    const list = live(await allocs(jobId));
    return list.length === count ? list : undefined;
  });
}

async function nodesByName(): Promise<Map<string, pb.Node>> {
  const { nodes } = await api.call(pb.NodesService.list, { prefix: "" }, "read");
  return new Map(nodes.map((n) => [n.name, n]));
}

interface Container {
  id: string;
  allocId: string;
  startedAt: string;
}

/** Running containers of the given allocations, with when each started. */
async function containersOf(allocIds: Iterable<string>): Promise<Container[]> {
  const ours = new Set(allocIds);
  const { stdout } = await run("docker", ["ps", "--no-trunc", "--filter", "label=com.nomadish.alloc_id", "--format", '{{.ID}} {{.Label "com.nomadish.alloc_id"}}']);
  const rows = stdout.split("\n").map((l) => l.split(" ")).filter(([id, alloc]) => id && ours.has(alloc ?? ""));
  if (rows.length === 0) return [];
  const inspected = await run("docker", ["inspect", "-f", "{{.State.StartedAt}}", ...rows.map(([id]) => id ?? "")]);
  const started = inspected.stdout.trim().split("\n");
  return rows.map(([id, allocId], i) => ({ id: id ?? "", allocId: allocId ?? "", startedAt: started[i] ?? "" })).sort((a, b) => a.id.localeCompare(b.id));
}

async function appliedIndex(server: ServerProcess): Promise<number> {
  return (await cluster.self(server))?.raft?.appliedIndex ?? -1;
}

async function stopJob(jobId: string): Promise<void> {
  const ids = (await allocs(jobId)).map((a) => a.id);
  const res = await nomadish(["job", "stop", "-purge", "-detach", jobId]);
  if (res.code !== 0) throw new Error(`job stop ${jobId}: ${res.stderr}`);
  await waitFor(`${jobId}'s containers to stop`, 30_000, async () => ((await containersOf(ids)).length === 0 ? true : undefined));
}

function clientNamed(name: string): ClientProcess {
  const client = cluster.clientAgents.find((c) => c.name === name);
  if (!client) throw new Error(`no client ${name}`);
  return client;
}

test.before(async () => {
  cluster = await TestCluster.start({ servers: 3, flags: SERVER_FLAGS });
  api = cluster.client();
  await cluster.waitForLeader();
  for (const [name, config] of DEV_CLIENTS) cluster.startClient(name, config);
  await cluster.waitForNodes(DEV_CLIENTS.map(([name]) => name));
});

test.after.always(async () => {
  if ((cluster as TestCluster | undefined) === undefined) return;
  // Clients leave their tasks running when they stop (a restarted client re-attaches to them):
  // stop the jobs while the clients still run, then the processes, then anything left behind.
  const { jobs } = await api.call(pb.JobsService.list, { prefix: "" }, "read").catch(() => ({ jobs: [] as pb.JobListStub[] }));
  await Promise.all(jobs.map((j) => api.call(pb.JobsService.deregister, { jobId: j.id, purge: false, options: WRITE }, "write").catch(() => undefined)));
  const { allocations } = await api.call(pb.AllocationsService.list, { prefix: "", nodeId: "" }, "read").catch(() => ({ allocations: [] as pb.AllocationStub[] }));
  for (const a of allocations) seenAllocs.add(a.id);
  await waitFor("the jobs' containers to stop", 20_000, async () => ((await containersOf(seenAllocs)).length === 0 ? true : undefined)).catch(() => undefined);
  await cluster.stop();
  const left = await containersOf(seenAllocs).catch(() => []);
  if (left.length > 0) await run("docker", ["rm", "-f", ...left.map((c) => c.id)]).catch(() => undefined);
  rmSync(jobsDir, { recursive: true, force: true });
});

test.serial("SIGKILL of the leader under running containers: a new leader, the CLI carries on through the address list, nothing restarts, and the old leader catches up", async (t) => {
  const web = repoPath("jobspecs", "web.hcl");
  const started = await nomadish(["job", "run", web]);
  t.is(started.code, 0, started.stdout + started.stderr);
  const before = await waitForRunning("web", 3);
  const containersBefore = await containersOf(before.map((a) => a.id));
  t.is(containersBefore.length, 3);

  const leader = await cluster.waitForLeader();
  const killedAt = Date.now();
  await cluster.kill(leader);
  // The dead leader first in the list: the CLI must move past it on its own.
  const addresses = [leader.address, ...cluster.addresses.filter((a) => a !== leader.address)].join(",");
  const status = await nomadish(["job", "status", "web"], addresses);
  t.is(status.code, 0, status.stderr);
  t.regex(status.stdout, /^Status\s+= running$/m);
  for (const a of before) t.regex(status.stdout, new RegExp(`^${a.id.slice(0, 8)}\\s.*\\srun\\s+running\\s`, "m"));
  // A write too: registering the unchanged job again is accepted and moves nothing.
  const rerun = await nomadish(["job", "run", web], addresses);
  t.is(rerun.code, 0, rerun.stdout + rerun.stderr);
  t.regex(rerun.stdout, /finished with status "complete"/);
  t.is(leader.process, undefined, "the old leader stayed down throughout");

  const next = await cluster.waitForLeader(10_000, leader);
  t.not(next.address, leader.address);
  t.log(`new leader ${next.address} known ${Date.now() - killedAt} ms after the kill (CLI calls included)`);

  // The same allocations, still running, in the same untouched containers.
  const after = await allocs("web");
  t.deepEqual(after.map((a) => a.id).sort(), before.map((a) => a.id).sort());
  t.true(after.every((a) => a.desiredStatus === RUN && a.clientStatus === RUNNING));
  t.deepEqual(await containersOf(before.map((a) => a.id)), containersBefore);

  // The killed server restarts on its data dir and catches up with the leader.
  cluster.spawn(leader);
  await waitFor("the restarted server to reach the leader's applied index", 20_000, async () => {
    const [mine, leaders] = await Promise.all([appliedIndex(leader), appliedIndex(next)]);
    return mine > 0 && mine === leaders ? true : undefined;
  });
  const own = await nomadish(["job", "status", "-stale", "web"], leader.address);
  t.is(own.code, 0, own.stderr);
  for (const a of before) t.true(own.stdout.includes(a.id.slice(0, 8)), own.stdout);
});

/** A pattern for "file:line:col: " in an error message. */
function at(file: string, line: number): string {
  return `${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:${line}:\\d+: `;
}

test.serial("a broken jobspec exits 1 naming file:line:col, and the cluster is left exactly as it was", async (t) => {
  // web.hcl's update block starts a deployment; let it finish so nothing else writes meanwhile.
  await waitFor("web's deployment to succeed", 30_000, async () => {
    const { deployments } = await api.call(pb.DeploymentsService.list, { prefix: "", jobId: "web" }, "read");
    return deployments[0]?.status === pb.DeploymentStatusName.SUCCESSFUL ? true : undefined;
  });
  const state = async () => {
    const leader = await cluster.waitForLeader();
    const { jobs } = await api.call(pb.JobsService.list, { prefix: "" }, "read");
    const { evaluations } = await api.call(pb.EvaluationsService.list, { prefix: "", jobId: "", status: pb.EvalStatus.UNSPECIFIED }, "read");
    return {
      applied: await appliedIndex(leader),
      jobs: jobs.map((j) => `${j.id} v${j.version} ${j.modifyIndex}`).sort(),
      evals: evaluations.map((e) => `${e.id} ${e.status} ${e.modifyIndex}`).sort(),
    };
  };
  const quiet = await waitFor("no Raft writes for a second", 20_000, async () => {
    const first = await state();
    await new Promise((r) => setTimeout(r, 1_000));
    const second = await state();
    return JSON.stringify(first) === JSON.stringify(second) ? second : undefined;
  });
  t.true(quiet.jobs.some((j) => j.startsWith("web ")));
  const jobListBefore = await nomadish(["job", "status"]);

  // Broken updates of the running job: one that does not parse, one that parses but is invalid.
  const web = readFileSync(repoPath("jobspecs", "web.hcl"), "utf8");
  const syntaxFile = jobFile("syntax.hcl", web.replace("count = 3", "count = = 3"));
  const countLine = web.split("\n").findIndex((l) => l.includes("count = 3")) + 1;
  const syntax = await nomadish(["job", "run", syntaxFile]);
  t.is(syntax.code, 1);
  t.regex(syntax.stderr, new RegExp(`^Error: ${at(syntaxFile, countLine)}`));
  t.notRegex(syntax.stderr, /\n\s+at /, "no stack trace");

  const semanticFile = jobFile("semantic.hcl", web.replace("count = 3", "count = -1").replace("memory = 64", `memory = "lots"`));
  const memoryLine = web.split("\n").findIndex((l) => l.includes("memory = 64")) + 1;
  const semantic = await nomadish(["job", "run", semanticFile]);
  t.is(semantic.code, 1);
  t.regex(semantic.stderr, new RegExp(`${at(semanticFile, countLine)}.*count must be 0 or more`));
  t.regex(semantic.stderr, new RegExp(`${at(semanticFile, memoryLine)}.*expected a whole number, got "lots"`));

  t.deepEqual(await state(), quiet);
  const jobListAfter = await nomadish(["job", "status"]);
  t.is(jobListAfter.stdout, jobListBefore.stdout);
});

test.serial("a SIGKILLed client's allocations turn lost and are replaced on the other nodes after the heartbeat TTL", async (t) => {
  if (live(await allocs("web")).length !== 3) t.is((await nomadish(["job", "run", "-detach", repoPath("jobspecs", "web.hcl")])).code, 0);
  const placed = await waitForRunning("web", 3);
  const nodes = await nodesByName();
  const perNode = new Map<string, pb.AllocationStub[]>();
  for (const a of placed) perNode.set(a.nodeId, [...(perNode.get(a.nodeId) ?? []), a]);
  const [victimNodeId, victimAllocs = []] = [...perNode.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
  const victimNode = [...nodes.values()].find((n) => n.id === victimNodeId);
  const victim = clientNamed(victimNode?.name ?? "");
  const orphans = await containersOf(victimAllocs.map((a) => a.id));
  t.is(orphans.length, victimAllocs.length);

  const killedAt = Date.now();
  await cluster.killClient(victim);
  await waitFor("the node to be down", 20_000, async () => {
    const { node } = await api.call(pb.NodesService.get, { nodeId: victimNodeId ?? "" }, "read");
    return node?.status === pb.NodeStatus.DOWN ? true : undefined;
  });
  const downMs = Date.now() - killedAt;
  const replaced = await waitFor("replacements running elsewhere", 30_000, async () => {
    const list = await allocs("web");
    const elsewhere = live(list).filter((a) => a.nodeId !== victimNodeId);
    return elsewhere.length === 3 ? list : undefined;
  });
  const replacedMs = Date.now() - killedAt;
  t.log(`client SIGKILL → node down ${downMs} ms, → all ${victimAllocs.length} allocations running elsewhere ${replacedMs} ms`);
  for (const a of victimAllocs) {
    const now = replaced.find((r) => r.id === a.id);
    t.is(now?.clientStatus, LOST, a.id);
    t.is(now?.desiredStatus, STOP, a.id);
  }
  const fresh = live(replaced).filter((a) => !placed.some((p) => p.id === a.id));
  t.is(fresh.length, victimAllocs.length);
  t.true(fresh.every((a) => a.nodeId !== victimNodeId));
  // Detection needs the TTL plus the grace: never sooner than the grace alone.
  t.true(downMs >= 2_000, `down after ${downMs} ms`);
  const status = await nomadish(["job", "status", "web"]);
  t.regex(status.stdout, new RegExp(`^${victimAllocs[0]?.id.slice(0, 8) ?? "?"}\\s.*\\sstop\\s+lost\\s`, "m"));

  // Back on its data dir, the client learns its allocations were replaced and stops their containers.
  cluster.spawnClient(victim);
  await cluster.waitForNodes([victim.name]);
  await waitFor("the lost allocations' containers to stop", 20_000, async () => ((await containersOf(orphans.map((c) => c.allocId))).length === 0 ? true : undefined));
  t.is(live(await allocs("web")).length, 3);
  await stopJob("web");
});

/** A node's value for a jobspec target: ${attr.…}, ${meta.…}, ${node.datacenter}, or a literal. */
function nodeValue(node: pb.Node, target: string): string | undefined {
  const name = /^\$\{(.+)\}$/.exec(target)?.[1];
  if (name === undefined) return target;
  if (name === "node.datacenter") return node.datacenter;
  if (name === "node.class") return node.nodeClass;
  if (name.startsWith("attr.")) return node.attributes[name.slice(5)];
  if (name.startsWith("meta.")) return node.meta[name.slice(5)];
  throw new Error(`this test does not read ${target}`);
}

function holds(node: pb.Node, c: Constraint): boolean {
  const [l, r] = [nodeValue(node, c.attribute), nodeValue(node, c.value)];
  switch (c.operator) {
    case "=": case "==": case "is": return l === r;
    case "!=": case "not": return l !== r;
    case ">=": return l !== undefined && Number(l) >= Number(r);
    default: throw new Error(`this test does not evaluate ${c.operator}`);
  }
}

function groupOf(job: Job, name: string) {
  const group = job.taskGroups.find((g) => g.name === name);
  if (!group) throw new Error(`no group ${name}`);
  return group;
}

test.serial("mixed-hardware.hcl lands only on matching nodes, where its affinity and spread ask", async (t) => {
  const nodes = await cluster.waitForNodes(DEV_CLIENTS.map(([name]) => name));
  const job = loadJobspec(repoPath("jobspecs", "mixed-hardware.hcl"));
  const res = await nomadish(["job", "run", repoPath("jobspecs", "mixed-hardware.hcl")]);
  t.is(res.code, 0, res.stdout + res.stderr);
  const total = job.taskGroups.reduce((n, g) => n + g.count, 0);
  const placed = await waitForRunning(job.id, total);
  const nodeOf = (a: pb.AllocationStub) => [...nodes.values()].find((n) => n.id === a.nodeId) as pb.Node;

  for (const group of job.taskGroups) {
    const mine = placed.filter((a) => a.taskGroup === group.name);
    t.is(mine.length, group.count, group.name);
    const feasible = [...nodes.values()].filter((n) => [...job.constraints, ...group.constraints].every((c) => holds(n, c)));
    t.true(feasible.length > 0, group.name);
    t.true(mine.every((a) => feasible.includes(nodeOf(a))), `${group.name} on ${mine.map((a) => nodeOf(a).name).join(", ")}`);
  }

  // The api group: its affinity prefers nodes with 16 cores or more. Its spread is over
  // datacenters, and every node is in one, so the spread scores all nodes alike; the affinity's
  // full weight then outweighs job anti-affinity (at most −1 among four scores), and every api
  // allocation goes to the preferred nodes, evenly over the datacenters there are.
  const api = groupOf(job, "api");
  const [affinity] = api.affinities;
  const [spread] = api.spreads;
  t.truthy(affinity && affinity.weight > 0 && spread && spread.targets.length === 0, "the jobspec still asks for one affinity and an even spread");
  const apiAllocs = placed.filter((a) => a.taskGroup === "api");
  const feasible = [...nodes.values()].filter((n) => api.constraints.every((c) => holds(n, c)));
  const preferred = feasible.filter((n) => affinity && holds(n, affinity));
  t.deepEqual(preferred.map((n) => n.name), ["big-1"]);
  t.is(apiAllocs.filter((a) => preferred.includes(nodeOf(a))).length, api.count);
  const perValue = new Map<string, number>();
  for (const a of apiAllocs) {
    const value = nodeValue(nodeOf(a), spread?.attribute ?? "") ?? "";
    perValue.set(value, (perValue.get(value) ?? 0) + 1);
  }
  const values = new Set(feasible.map((n) => nodeValue(n, spread?.attribute ?? "")));
  for (const value of values) t.is(perValue.get(value ?? ""), api.count / values.size, `spread value ${value}`);

  const status = await nomadish(["job", "status", job.id]);
  t.is(status.code, 0);
  t.regex(status.stdout, /^api\s+0\s+0\s+4\s+0\s+0\s+0/m);
  t.regex(status.stdout, /^edge-cache\s+0\s+0\s+1\s+0\s+0\s+0/m);
  await stopJob(job.id);
});

test.serial("batch.hcl runs to completion: both allocations complete and the job is dead", async (t) => {
  const res = await nomadish(["job", "run", repoPath("jobspecs", "batch.hcl")]);
  t.is(res.code, 0, res.stdout + res.stderr);
  const done = await waitFor("the batch job to be dead", 30_000, async () => {
    const { job } = await api.call(pb.JobsService.get, { jobId: "report" }, "read");
    return job?.status === pb.JobStatus.DEAD ? allocs("report") : undefined;
  });
  t.is(done.length, 2);
  t.true(done.every((a) => a.clientStatus === COMPLETE), done.map((a) => a.clientStatus).join(", "));
  const status = await nomadish(["job", "status", "report"]);
  t.is(status.code, 0);
  t.regex(status.stdout, /^Status\s+= dead$/m);
  t.regex(status.stdout, /^report\s+0\s+0\s+0\s+0\s+2\s+0/m);
  const logs = await nomadish(["alloc", "logs", done[0]?.id.slice(0, 8) ?? ""]);
  t.regex(logs.stdout, /step 3 of allocation \d/);
});

test.serial("system.hcl runs once on every eligible node, not on an ineligible one, and on a node that joins later", async (t) => {
  const nodes = await cluster.waitForNodes(DEV_CLIENTS.map(([name]) => name));
  const edge = nodes.get("edge-1");
  const off = await nomadish(["node", "eligibility", "-disable", edge?.id.slice(0, 8) ?? ""]);
  t.is(off.code, 0, off.stderr);
  const res = await nomadish(["job", "run", repoPath("jobspecs", "system.hcl")]);
  t.is(res.code, 0, res.stdout + res.stderr);
  const first = await waitForRunning("node-agent", 2);
  const idsOf = (names: string[]) => names.map((n) => nodes.get(n)?.id ?? n).sort();
  t.deepEqual(first.map((a) => a.nodeId).sort(), idsOf(["small-1", "big-1"]));

  cluster.startClient("small-2", SMALL);
  const grown = await cluster.waitForNodes(["small-2"]);
  const second = await waitForRunning("node-agent", 3);
  t.deepEqual(second.map((a) => a.nodeId).sort(), [...idsOf(["small-1", "big-1"]), grown.get("small-2")?.id ?? ""].sort());
  t.false((await allocs("node-agent")).some((a) => a.nodeId === edge?.id));
  t.is((await containersOf(second.map((a) => a.id))).length, 3);
  await stopJob("node-agent");
});
