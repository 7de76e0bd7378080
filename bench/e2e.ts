// End-to-end failover with real processes: three servers and three client agents shaped like
// `nomadish dev`'s, running Docker and exec tasks. ROUNDS rounds each of
//  (a) SIGKILL of the leader → the next successful `nomadish job run` (the CLI's own code, given
//      every server's address, monitoring its evaluation to the end), and
//  (b) SIGKILL of the client holding most of web.hcl's containers → every allocation it ran is
//      running on other nodes.
// Each round restarts what it killed on its data dir and waits until it has caught up.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { CLIENT_SHAPES } from "../agent/dev.js";
import * as pb from "../proto/index.js";
import { main } from "../cli/main.js";
import { repoPath } from "../test/paths.js";
import { TestCluster, waitFor, type ServerProcess } from "../test/support/cluster.js";

const ROUNDS = Number(process.env["ROUNDS"] ?? 10);
// Nomad's 10 s TTL and 10 s grace would make every (b) round last 20–40 s; these keep the same
// mechanism (TTL with jitter, then grace) at a scale where ten rounds take about a minute.
const MIN_HEARTBEAT_TTL = process.env["MIN_HEARTBEAT_TTL"] ?? "1s";
const HEARTBEAT_GRACE = process.env["HEARTBEAT_GRACE"] ?? "2s";
const RUN = pb.AllocDesiredStatus.RUN;
const RUNNING = pb.AllocClientStatus.RUNNING;
const run = promisify(execFile);

// The clients `nomadish dev` starts (agent/dev.ts), one of each.
const DEV_CLIENTS = CLIENT_SHAPES.map((shape) => [`${shape.name}-1`, shape.config] as const);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** A small exec job; `round` goes into its meta so every run registers a new version. */
function probeJobspec(round: number): string {
  return `job "probe" {
  meta { round = "${round}" }
  group "probe" {
    task "sleep" {
      driver = "exec"
      config {
        command = "/bin/sh"
        args    = ["-c", "while true; do sleep 5; done"]
      }
      resources {
        cpu    = 20
        memory = 16
      }
    }
  }
}
`;
}

const workDir = mkdtempSync(path.join(tmpdir(), "nomadish-bench-e2e-"));
const cluster = await TestCluster.start({ servers: 3, flags: ["-min-heartbeat-ttl", MIN_HEARTBEAT_TTL, "-heartbeat-grace", HEARTBEAT_GRACE] });
const api = cluster.client();
const seenAllocs = new Set<string>();

/** `nomadish <args>` run by the CLI's own code in this process, against every server. */
async function nomadish(...args: string[]): Promise<{ code: number; output: string }> {
  let output = "";
  const io = { stdout: (s: string) => (output += s), stderr: (s: string) => (output += s), cwd: workDir, env: { NOMADISH_ADDR: cluster.addresses.join(",") } };
  return { code: await main(args, io), output };
}

async function allocs(jobId: string): Promise<pb.AllocationStub[]> {
  const list = (await api.call(pb.JobsService.allocations, { jobId, all: false }, "read")).allocations;
  for (const a of list) seenAllocs.add(a.id);
  return list;
}

const live = (list: pb.AllocationStub[]) => list.filter((a) => a.desiredStatus === RUN && a.clientStatus === RUNNING);

/** Ids of running containers that belong to the given allocations. */
async function containersOf(allocIds: Iterable<string>): Promise<string[]> {
  const ours = new Set(allocIds);
  const { stdout } = await run("docker", ["ps", "--no-trunc", "--filter", "label=com.nomadish.alloc_id", "--format", '{{.ID}} {{.Label "com.nomadish.alloc_id"}}']);
  return stdout.split("\n").map((l) => l.split(" ")).filter(([id, alloc]) => id && ours.has(alloc ?? "")).map(([id]) => id ?? "");
}

async function appliedIndex(server: ServerProcess): Promise<number> {
  return (await cluster.self(server))?.raft?.appliedIndex ?? -1;
}

/** (a) One round: kill the leader, retry `job run` until one succeeds, restart the server. */
async function leaderRound(round: number): Promise<number> {
  const file = path.join(workDir, `probe-${round}.hcl`);
  writeFileSync(file, probeJobspec(round));
  const leader = await cluster.waitForLeader();
  const killedAt = performance.now();
  await cluster.kill(leader);
  for (;;) {
    const { code, output } = await nomadish("job", "run", file);
    if (code === 0) break;
    if (performance.now() - killedAt > 60_000) throw new Error(`no successful job run 60 s after the leader was killed:\n${output}`);
  }
  const gap = performance.now() - killedAt;
  cluster.spawn(leader);
  await waitFor("the restarted server to catch up", 30_000, async () => {
    const next = await cluster.waitForLeader(5_000);
    const [mine, leaders] = await Promise.all([appliedIndex(leader), appliedIndex(next)]);
    return mine > 0 && mine >= leaders ? true : undefined;
  });
  return gap;
}

/** (b) One round: kill the client running most of web's allocations, wait for all of them elsewhere, restart it. */
async function clientRound(): Promise<{ ms: number; moved: number; orphansLeft: number }> {
  const placed = await waitFor("web's 3 allocations running", 60_000, async () => {
    const list = live(await allocs("web"));
    return list.length === 3 ? list : undefined;
  });
  const perNode = new Map<string, number>();
  for (const a of placed) perNode.set(a.nodeId, (perNode.get(a.nodeId) ?? 0) + 1);
  const [victimNodeId = ""] = [...perNode.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
  const { node } = await api.call(pb.NodesService.get, { nodeId: victimNodeId }, "read");
  const victim = cluster.clientAgents.find((c) => c.name === node?.name);
  if (!victim) throw new Error(`no client runs node ${victimNodeId}`);
  const moved = placed.filter((a) => a.nodeId === victimNodeId).map((a) => a.id);
  const killedAt = performance.now();
  await cluster.killClient(victim);
  await waitFor("every allocation of the killed client running elsewhere", 60_000, async () =>
    (live(await allocs("web")).filter((a) => a.nodeId !== victimNodeId).length === 3 ? true : undefined));
  const ms = performance.now() - killedAt;
  // Back on its data dir, the client learns its allocations were replaced and stops their containers.
  cluster.spawnClient(victim);
  await cluster.waitForNodes([victim.name], 30_000);
  const left = await waitFor("the replaced allocations' containers to stop", 20_000, async () => ((await containersOf(moved)).length === 0 ? [] : undefined))
    .catch(async () => containersOf(moved));
  if (left.length > 0) {
    console.error(`round left running: allocations ${moved.join(", ")} of ${victim.name}; containers ${left.join(", ")}`);
    await run("docker", ["rm", "-f", ...left]);
  }
  return { ms, moved: moved.length, orphansLeft: left.length };
}

try {
  await cluster.waitForLeader();
  for (const [name, config] of DEV_CLIENTS) cluster.startClient(name, config);
  await cluster.waitForNodes(DEV_CLIENTS.map(([name]) => name), 60_000);

  const leaderGaps: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) leaderGaps.push(await leaderRound(round));

  const web = await nomadish("job", "run", repoPath("jobspecs", "web.hcl"));
  if (web.code !== 0) throw new Error(`job run web.hcl failed:\n${web.output}`);
  const clientRounds: { ms: number; moved: number; orphansLeft: number }[] = [];
  for (let round = 1; round <= ROUNDS; round++) clientRounds.push(await clientRound());

  console.log(`3 servers, clients ${DEV_CLIENTS.map(([n]) => n).join(", ")}; -min-heartbeat-ttl ${MIN_HEARTBEAT_TTL} -heartbeat-grace ${HEARTBEAT_GRACE}\n`);
  console.log(`${"round".padStart(5)} ${"leader kill → job run ms".padStart(25)} ${"client kill → replaced ms".padStart(26)} ${"allocs moved".padStart(13)} ${"left running".padStart(13)}`);
  for (let i = 0; i < ROUNDS; i++) {
    const c = clientRounds[i];
    console.log(`${String(i + 1).padStart(5)} ${(leaderGaps[i] ?? 0).toFixed(0).padStart(25)} ${(c?.ms ?? 0).toFixed(0).padStart(26)} ${String(c?.moved ?? 0).padStart(13)} ${String(c?.orphansLeft ?? 0).padStart(13)}`);
  }
  const leaderSorted = [...leaderGaps].sort((a, b) => a - b);
  const clientSorted = clientRounds.map((c) => c.ms).sort((a, b) => a - b);
  const orphans = clientRounds.reduce((n, c) => n + c.orphansLeft, 0);
  console.log(`\nleader SIGKILL → next successful job run: p50 ${percentile(leaderSorted, 50).toFixed(0)} ms, max ${(leaderSorted.at(-1) ?? 0).toFixed(0)} ms`);
  console.log(`client SIGKILL → all its allocations running elsewhere: p50 ${percentile(clientSorted, 50).toFixed(0)} ms, max ${(clientSorted.at(-1) ?? 0).toFixed(0)} ms`);
  if (orphans > 0) console.log(`${orphans} containers of replaced allocations were still running after their client came back`);
  console.log(JSON.stringify({
    leader_kill_to_job_run_p50_ms: Math.round(percentile(leaderSorted, 50)),
    client_kill_to_replaced_p50_ms: Math.round(percentile(clientSorted, 50)),
    leader_kill_to_job_run_max_ms: Math.round(leaderSorted.at(-1) ?? 0),
    client_kill_to_replaced_max_ms: Math.round(clientSorted.at(-1) ?? 0),
  }));
} finally {
  // cluster.stop() stops the jobs while the clients still run (a stopped client leaves its tasks
  // running), then the processes; containers of allocations seen on the way are removed last.
  const { allocations } = await api.call(pb.AllocationsService.list, { prefix: "", nodeId: "" }, "read").catch(() => ({ allocations: [] as pb.AllocationStub[] }));
  for (const a of allocations) seenAllocs.add(a.id);
  await cluster.stop();
  const left = await containersOf(seenAllocs).catch(() => []);
  if (left.length > 0) await run("docker", ["rm", "-f", ...left]).catch(() => undefined);
  rmSync(workDir, { recursive: true, force: true });
}
