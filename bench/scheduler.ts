// Scheduling at scale, the shape of Nomad's C1M: three real server processes, NODES simulated
// clients of mixed sizes (test/support/sim-client.ts), then JOBS service jobs of COUNT small
// mock-driver allocations each, registered 16 at a time. Measures the time from the first
// registration until the clients have seen every allocation placed (and reported it running),
// and the servers' peak RSS.
//
//   NODES=5000 JOBS=1000 COUNT=1000 npm run bench:scheduler     (C1M: a million allocations)
//   NODES=5000 JOBS=100 COUNT=1000 npm run bench:scheduler      (100,000)
//
// Other knobs: REGISTER_CONCURRENCY (16), STALL_S (60: fail when nothing new is placed for that
// long), FLUSH_MS (the clients' status batching, 200 like the real client's and Nomad's), SERVER_LOG_LEVEL (warn), RAFT_MULTIPLIER
// (the servers' -raft-multiplier, 7: Nomad's election timeout of about a second),
// NOMADISH_SERVER_NODE_ARGS (the servers' node flags, --max-old-space-size=3072 --max-semi-space-size=64),
// SCHEDULERS (the servers' -num-schedulers, their default when unset).

import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import * as grpc from "@grpc/grpc-js";
import * as pb from "../proto/index.js";
import { agentCommand } from "../agent/command.js";
import { SERVER_CHANNEL_OPTIONS } from "../shared/api/channel.js";
import type { ApiClient } from "../shared/api/client.js";
import { validateJob, type Job } from "../shared/model/index.js";
import { jobToWire } from "../shared/wire/index.js";
import { TestCluster, type ServerProcess } from "../test/support/cluster.js";
import { group, job, task } from "../test/support/model.js";
import { SimFleet, type SimNodeSpec } from "../test/support/sim-client.js";

function envInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of at least 1, not ${JSON.stringify(text)}`);
  return value;
}

const NODES = envInt("NODES", 5000);
const JOBS = envInt("JOBS", 1000);
const COUNT = envInt("COUNT", 1000);
const REGISTER_CONCURRENCY = envInt("REGISTER_CONCURRENCY", 16);
const STALL_MS = envInt("STALL_S", 60) * 1000;
// A real client sends its allocations' status changes every 200 ms (client/agent.ts, as Nomad's
// allocSyncIntv); the simulated ones do the same.
const FLUSH_MS = envInt("FLUSH_MS", 200);
const SERVER_LOG_LEVEL = process.env["SERVER_LOG_LEVEL"] ?? "warn";
const TOTAL = JOBS * COUNT;

/** Per allocation: one mock task of 10 MHz and 10 MB, and the smallest ephemeral disk Nomad allows. */
const TASK_CPU_MHZ = 10;
const TASK_MEMORY_MB = 10;
const ALLOC_DISK_MB = 10;

// The servers hold every allocation in memory (about 1.5 KB each). A heap capped at 3 GiB keeps a
// server's RSS, with the Raft log and buffers outside the heap, under the 4 GB the C1M target allows.
// A young generation of 64 MiB (16 by default) lets the short-lived objects of each command and
// request die young instead of being promoted and collected again by the costlier full GC.
process.env["NOMADISH_SERVER_NODE_ARGS"] ??= "--max-old-space-size=3072 --max-semi-space-size=64";

// Nomad's Raft timing (elections after about a second), not our default of 150 ms, which is tuned
// for fast failover: a server with gigabytes of allocations pauses longer than that to collect
// garbage now and then, and every such pause would cost an election.
const RAFT_MULTIPLIER = process.env["RAFT_MULTIPLIER"] ?? "7";

// ---------------------------------------------------------------------------------------------
// The fleet: 60% general-purpose, 30% large, 10% small arm64 edge nodes.

interface NodeKind {
  kind: string;
  share: number;
  spec: Omit<SimNodeSpec, "name">;
}

const KINDS: NodeKind[] = [
  { kind: "general", share: 6, spec: { cores: 4, mhzPerCore: 2500, memoryMb: 8192, diskMb: 100_000 } },
  { kind: "large", share: 3, spec: { cores: 16, mhzPerCore: 2500, memoryMb: 65_536, diskMb: 400_000 } },
  { kind: "edge", share: 1, spec: { cores: 2, mhzPerCore: 1800, memoryMb: 4096, diskMb: 32_000, arch: "arm64", nodeClass: "edge" } },
];

function fleetSpecs(n: number): { specs: SimNodeSpec[]; counts: Map<NodeKind, number> } {
  const slots = KINDS.flatMap((k) => Array.from({ length: k.share }, () => k));
  const specs: SimNodeSpec[] = [];
  const counts = new Map<NodeKind, number>();
  for (let i = 0; i < n; i++) {
    const kind = slots[i % slots.length] as NodeKind;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    specs.push({ name: `${kind.kind}-${String(i).padStart(5, "0")}`, ...kind.spec });
  }
  return { specs, counts };
}

/** How many of the benchmark's allocations one node of a kind holds, and which dimension binds. */
function fits(spec: NodeKind["spec"]): { allocs: number; bound: string } {
  const byDimension = {
    cpu: Math.floor(((spec.cores ?? 4) * (spec.mhzPerCore ?? 2500)) / TASK_CPU_MHZ),
    memory: Math.floor((spec.memoryMb ?? 8192) / TASK_MEMORY_MB),
    disk: Math.floor((spec.diskMb ?? 100_000) / ALLOC_DISK_MB),
  };
  const [bound, allocs] = Object.entries(byDimension).sort((a, b) => a[1] - b[1])[0] as [string, number];
  return { allocs, bound };
}

function benchJob(i: number): Job {
  const j = job(`bench-${String(i).padStart(5, "0")}`, {
    datacenters: ["dc1"],
    taskGroups: [group("g", COUNT, {
      tasks: [task("t", { driver: "mock", config: { run_for: "1h" } }, { cpuMhz: TASK_CPU_MHZ, memoryMb: TASK_MEMORY_MB })],
      ephemeralDisk: { sizeMb: ALLOC_DISK_MB, sticky: false, migrate: false },
    })],
  });
  const problems = validateJob(j);
  if (problems.length > 0) throw new Error(`the benchmark's job is invalid: ${problems.map((p) => p.message).join("; ")}`);
  return j;
}

// ---------------------------------------------------------------------------------------------
// Measuring the servers

interface ProcSample {
  rssMb: number;
  peakRssMb: number;
  cpuS: number;
}

/** RSS, peak RSS (VmHWM) and CPU time of a process from /proc, or undefined once it is gone. */
function sampleProc(pid: number | undefined): ProcSample | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
    // utime and stime are the 14th and 15th fields, counted after the parenthesised command name.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssMb: kb("VmRSS") / 1024, peakRssMb: kb("VmHWM") / 1024, cpuS: ticks / 100 };
  } catch {
    return undefined;
  }
}

/** Samples the servers' memory and CPU from /proc, and how long each takes to answer Status.Self. */
class ServerMonitor {
  readonly peakRssMb: number[];
  readonly cpuS: number[];
  readonly rssMb: number[];
  private readonly maxStallMs: number[];
  private readonly timer: NodeJS.Timeout;
  /** When the Status.Self probe in flight to each server started; 0 when none is. */
  private readonly probing: number[];
  /** Each server's own memory figures (Status.Self stats), the latest and those at its peak RSS. */
  private readonly latestStats: Record<string, string>[];
  readonly statsAtPeak: Record<string, string>[];

  constructor(private readonly servers: ServerProcess[], private readonly client: ApiClient) {
    this.peakRssMb = servers.map(() => 0);
    this.cpuS = servers.map(() => 0);
    this.rssMb = servers.map(() => 0);
    this.maxStallMs = servers.map(() => 0);
    this.probing = servers.map(() => 0);
    this.latestStats = servers.map(() => ({}));
    this.statsAtPeak = servers.map(() => ({}));
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
  }

  private probe(i: number): void {
    if (this.probing[i]) return;
    const started = performance.now();
    this.probing[i] = started;
    const done = () => {
      this.maxStallMs[i] = Math.max(this.maxStallMs[i] ?? 0, performance.now() - started);
      this.probing[i] = 0;
    };
    this.client.callAt(i, pb.StatusService.self, {}, 120_000).then((res) => {
      this.latestStats[i] = res.stats;
      done();
    }, done);
  }

  /** The slowest Status.Self answer per server, counting one still awaited. */
  stallsMs(): number[] {
    const now = performance.now();
    return this.maxStallMs.map((m, i) => Math.max(m, this.probing[i] ? now - (this.probing[i] ?? now) : 0));
  }

  sample(): void {
    this.servers.forEach((_, i) => this.probe(i));
    this.servers.forEach((server, i) => {
      const s = sampleProc(server.process?.pid);
      if (!s) return;
      this.rssMb[i] = s.rssMb;
      if (s.rssMb >= (this.peakRssMb[i] ?? 0)) this.statsAtPeak[i] = this.latestStats[i] ?? {};
      this.peakRssMb[i] = Math.max(this.peakRssMb[i] ?? 0, s.peakRssMb, s.rssMb);
      this.cpuS[i] = s.cpuS;
    });
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}

// ---------------------------------------------------------------------------------------------

/** A server's heap and off-heap memory (the Raft log among it) at its peak, from its own stats. */
function memoryAtPeak(stats: Record<string, string>): string {
  const mb = (name: string) => {
    const v = Number(stats[name]);
    return Number.isFinite(v) ? fmt(v / 1048576) : "?";
  };
  return `heap ${mb("runtime.heap_used_bytes")} of ${mb("runtime.heap_total_bytes")} MB, off-heap ${mb("runtime.external_bytes")} MB (log ${mb("raft.log_bytes_in_memory")})`;
}

class BenchFailure extends Error {}

const READ = { minIndex: 0, maxWaitMs: 0, stale: false, namespace: "", region: "" };

/** Every allocation, from any server's own state (the list is far beyond gRPC's default 4 MB). */
async function listAllocations(addresses: readonly string[]): Promise<pb.AllocationStub[]> {
  let lastError: unknown;
  for (const address of addresses) {
    const channel = new grpc.Client(address, grpc.credentials.createInsecure(), { ...SERVER_CHANNEL_OPTIONS, "grpc.max_receive_message_length": 1 << 30 });
    const method = pb.AllocationsService.list;
    try {
      return await new Promise<pb.AllocationStub[]>((resolve, reject) => {
        channel.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize,
          { prefix: "", nodeId: "", options: { ...READ, stale: true } }, new grpc.Metadata(), { deadline: Date.now() + 60_000 },
          (err, res) => (err || !res ? reject(err) : resolve(res.allocations)));
      });
    } catch (err) {
      lastError = err;
    } finally {
      channel.close();
    }
  }
  throw lastError;
}

/** The servers' side of a stalled run: job summaries, evaluations, and placements the fleet missed. */
async function serverView(client: ApiClient, fleet: SimFleet | undefined): Promise<string[]> {
  const lines: string[] = [];
  const { jobs: stubs } = await client.call(pb.JobsService.list, { prefix: "bench-", options: READ }, "read");
  const sums: Record<string, number> = {};
  for (const stub of stubs) {
    for (const g of Object.values(stub.summary?.summary ?? {})) {
      for (const [k, v] of Object.entries(g)) sums[k] = (sums[k] ?? 0) + (v as number);
    }
  }
  lines.push(`servers: ${stubs.length} jobs; summaries ${JSON.stringify(sums)}`);
  const { evaluations } = await client.call(pb.EvaluationsService.list, { prefix: "", jobId: "", status: pb.EvalStatus.UNSPECIFIED, options: READ }, "read");
  const byStatus: Record<string, number> = {};
  for (const e of evaluations) byStatus[pb.EvalStatus[e.status] ?? String(e.status)] = (byStatus[pb.EvalStatus[e.status] ?? String(e.status)] ?? 0) + 1;
  lines.push(`servers: evaluations by status ${JSON.stringify(byStatus)}`);
  for (const e of evaluations.filter((x) => x.status !== pb.EvalStatus.COMPLETE).slice(0, 5)) {
    lines.push(`  eval ${e.id.slice(0, 8)} job ${e.jobId} ${pb.EvalStatus[e.status]} ${e.triggeredBy} "${e.statusDescription}" queued=${JSON.stringify(e.queuedAllocations)} failed groups=${Object.keys(e.failedTgAllocs).join(",")}`);
  }
  if (fleet && TOTAL <= 200_000) {
    const allocations = await listAllocations(client.addresses);
    const live = allocations.filter((a) => a.desiredStatus === pb.AllocDesiredStatus.RUN);
    const unseen = live.filter((a) => !fleet.allocsOf(a.nodeId).has(a.id));
    lines.push(`servers: ${fmt(allocations.length)} allocations, ${fmt(live.length)} to run; the fleet never saw ${fmt(unseen.length)} of them`);
    for (const a of unseen.slice(0, 5)) {
      lines.push(`  alloc ${a.id.slice(0, 8)} ${a.name} node ${a.nodeName} createIndex ${a.createIndex} modifyIndex ${a.modifyIndex}; that node tracks ${fleet.allocsOf(a.nodeId).size}`);
    }
  }
  return lines;
}

function elapsedS(since: number): number {
  return (performance.now() - since) / 1000;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

async function registerJob(client: ApiClient, j: Job): Promise<void> {
  const request: pb.JobsRegisterRequest = { job: jobToWire(j), preserveCounts: false, options: { namespace: "", region: "" } };
  for (let attempt = 1; ; attempt++) {
    try {
      await client.call(pb.JobsService.register, request, "write");
      return;
    } catch (err) {
      // No leader for a moment, or a deadline under load: registering the same job again is harmless.
      const transient = /no server reachable|did not answer in time|no leader|UNAVAILABLE/i.test((err as Error).message);
      if (!transient || attempt >= 5) throw new BenchFailure(`registering ${j.id} failed: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/**
 * Waits until `progress()` reaches `target`, failing when it stops moving for STALL_MS; prints a
 * progress line every 5 s.
 */
async function untilDone(what: string, target: number, progress: () => number, line: () => string): Promise<void> {
  let last = -1;
  let lastMoved = performance.now();
  let lastPrinted = performance.now();
  for (;;) {
    const now = performance.now();
    const value = progress();
    if (value >= target) return;
    if (value !== last) {
      last = value;
      lastMoved = now;
    } else if (now - lastMoved > STALL_MS) {
      throw new BenchFailure(`${what} stalled: no progress for ${STALL_MS / 1000} s at ${fmt(value)} of ${fmt(target)} (${((100 * value) / target).toFixed(1)}%)`);
    }
    if (now - lastPrinted >= 5000) {
      lastPrinted = now;
      console.error(line());
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const { specs, counts } = fleetSpecs(NODES);
const jobs = Array.from({ length: JOBS }, (_, i) => benchJob(i));
let capacity = 0;
console.log(`${"nodes".padEnd(8)} ${"count".padStart(6)} ${"cores".padStart(6)} ${"MHz".padStart(7)} ${"mem MB".padStart(7)} ${"disk MB".padStart(8)} ${"allocs/node".padStart(12)} ${"bound by".padStart(9)}`);
for (const [kind, count] of counts) {
  const { allocs, bound } = fits(kind.spec);
  capacity += allocs * count;
  const mhz = (kind.spec.cores ?? 4) * (kind.spec.mhzPerCore ?? 2500);
  console.log(`${kind.kind.padEnd(8)} ${String(count).padStart(6)} ${String(kind.spec.cores).padStart(6)} ${String(mhz).padStart(7)} ${String(kind.spec.memoryMb).padStart(7)} ${String(kind.spec.diskMb).padStart(8)} ${fmt(allocs).padStart(12)} ${bound.padStart(9)}`);
}
console.log(`\n${JOBS} jobs × ${COUNT} allocations of ${TASK_CPU_MHZ} MHz / ${TASK_MEMORY_MB} MB / ${ALLOC_DISK_MB} MB disk = ${fmt(TOTAL)} allocations; the fleet holds ${fmt(capacity)} (${((100 * TOTAL) / capacity).toFixed(1)}% full when all are placed)\n`);
if (TOTAL > capacity) {
  console.error(`error: ${fmt(TOTAL)} allocations do not fit on ${NODES} nodes (capacity ${fmt(capacity)}); lower JOBS or COUNT, or raise NODES`);
  process.exit(1);
}

const wantedFlags: [string, string][] = [
  ["log-level", SERVER_LOG_LEVEL], ["min-heartbeat-ttl", "30s"],
  ["raft-multiplier", RAFT_MULTIPLIER],
  ...(process.env["SCHEDULERS"] ? [["num-schedulers", process.env["SCHEDULERS"]] as [string, string]] : []),
];
const known = new Set(agentCommand.flags.map((f) => f.name));
const flags = wantedFlags.filter(([name]) => known.has(name)).flatMap(([name, value]) => [`-${name}`, value]);
const skipped = wantedFlags.filter(([name]) => !known.has(name)).map(([name]) => `-${name}`);
console.error(`servers: ${flags.join(" ")}${skipped.length ? ` (not supported yet, skipped: ${skipped.join(" ")})` : ""}; ${process.env["NOMADISH_SERVER_NODE_ARGS"]}`);

const cluster = await TestCluster.start({ servers: 3, flags });
const monitor = new ServerMonitor(cluster.servers, cluster.client());
let fleet: SimFleet | undefined;
let failed = false;
try {
  const leader = await cluster.waitForLeader();
  const client = cluster.client([leader.address, ...cluster.addresses.filter((a) => a !== leader.address)]);

  const fleetStart = performance.now();
  fleet = await SimFleet.start(cluster.addresses, specs, {
    flushIntervalMs: FLUSH_MS, registerTimeoutMs: 600_000, log: (l) => console.error(`fleet: ${l}`),
  });
  const nodeRegisterS = elapsedS(fleetStart);
  console.error(`${NODES} nodes registered in ${nodeRegisterS.toFixed(1)} s`);
  const f = fleet;

  const start = performance.now();
  let registered = 0;
  let next = 0;
  const registering = Promise.all(Array.from({ length: REGISTER_CONCURRENCY }, async () => {
    while (next < jobs.length) {
      await registerJob(client, jobs[next++] as Job);
      registered++;
    }
  }));
  let registerS = 0;
  let registerError: unknown;
  registering.then(() => (registerS = elapsedS(start)), (err: unknown) => (registerError = err));

  const progressLine = () => {
    const t = elapsedS(start);
    return `[${t.toFixed(0).padStart(4)} s] jobs ${registered}/${JOBS}, placed ${fmt(f.allocsSeen())}/${fmt(TOTAL)} (${fmt(f.allocsSeen() / t)}/s), ` +
      `running ${fmt(f.allocsRunning())}; server RSS ${monitor.rssMb.map((m) => fmt(m)).join("/")} MB, slowest answer ${monitor.stallsMs().map((m) => fmt(m)).join("/")} ms`;
  };
  const placedOrFailed = () => {
    if (registerError) throw registerError;
    return f.allocsSeen();
  };
  await untilDone("placement", TOTAL, placedOrFailed, progressLine);
  const placeS = elapsedS(start);
  console.error(progressLine());
  await untilDone("running reports", TOTAL, () => f.allocsRunning(), progressLine);
  const runningS = elapsedS(start);
  await registering;
  monitor.stop();

  // What the servers say, as a cross-check of what the fleet saw.
  let serverRunning = "n/a";
  try {
    const { jobs: stubs } = await client.call(pb.JobsService.list, { prefix: "bench-", options: { minIndex: 0, maxWaitMs: 0, stale: true, namespace: "", region: "" } }, "read");
    let sum = 0;
    for (const stub of stubs) for (const g of Object.values(stub.summary?.summary ?? {})) sum += g.running;
    serverRunning = `${fmt(sum)} running in ${stubs.length} job summaries`;
  } catch (err) {
    serverRunning = `Jobs.List failed: ${(err as Error).message}`;
  }

  const placedPerS = TOTAL / placeS;
  const peak = Math.max(...monitor.peakRssMb);
  const stats = f.stats();
  const benchCpu = process.cpuUsage();
  const rows: [string, string][] = [
    ["nodes", `${fmt(NODES)} (registered in ${nodeRegisterS.toFixed(1)} s)`],
    ["allocations", `${fmt(TOTAL)} (${JOBS} jobs × ${COUNT})`],
    ["jobs registered in", `${registerS.toFixed(1)} s (${(JOBS / registerS).toFixed(1)} jobs/s, ${REGISTER_CONCURRENCY} in flight)`],
    ["all placed after", `${placeS.toFixed(1)} s`],
    ["placed per second", fmt(placedPerS)],
    ["all running after", `${runningS.toFixed(1)} s (${fmt(stats.acked)} reports in ${fmt(stats.updateRequests)} requests)`],
    ["servers say", serverRunning],
    ["server peak RSS", `${monitor.peakRssMb.map((m) => fmt(m)).join(" / ")} MB (leader: server${leader.index})`],
    ["at peak RSS", monitor.statsAtPeak.map(memoryAtPeak).join(" / ")],
    ["server CPU", `${monitor.cpuS.map((s) => s.toFixed(0)).join(" / ")} s`],
    ["slowest Status.Self", `${monitor.stallsMs().map((m) => fmt(m)).join(" / ")} ms (how long each server's event loop left the API waiting)`],
    ["fleet (this process)", `CPU ${((benchCpu.user + benchCpu.system) / 1e6).toFixed(0)} s, RSS ${fmt(process.memoryUsage().rss / 1048576)} MB; ${stats.heartbeats} heartbeats, ${stats.watchFrames} watch frames`],
    ["fleet call errors", Object.keys(stats.errors).length ? JSON.stringify(stats.errors) : "none"],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(22)} ${v}`);
  console.log(`\nNomad C1M (2016): 1,000,000 containers on 5,000 hosts with 5 servers in under 5 min (3,750/s); here 3 servers and the fleet share 2 cores`);
  console.log(JSON.stringify({
    nodes: NODES, allocs: TOTAL, placed_per_s: Math.round(placedPerS), seconds_to_place_all: Number(placeS.toFixed(1)),
    server_peak_rss_mb: Math.round(peak), seconds_to_running_all: Number(runningS.toFixed(1)), jobs: JOBS, count: COUNT,
  }));
} catch (err) {
  failed = true;
  process.exitCode = 1;
  monitor.stop();
  cluster.opts.keep = true;
  console.error(`\nerror: ${(err as Error).message}`);
  if (fleet) console.error(`fleet: ${JSON.stringify(fleet.stats())}`);
  try {
    for (const line of await serverView(cluster.client(), fleet)) console.error(line);
  } catch (viewErr) {
    console.error(`could not ask the servers what they placed: ${(viewErr as Error).message}`);
  }
  console.error(`server peak RSS ${monitor.peakRssMb.map((m) => fmt(m)).join(" / ")} MB; slowest Status.Self ${monitor.stallsMs().map((m) => fmt(m)).join(" / ")} ms; server logs kept in ${cluster.root}`);
  if (!(err instanceof BenchFailure) && !(err instanceof Error && /stalled|timed out/.test(err.message))) console.error((err as Error).stack);
} finally {
  await fleet?.stop();
  await cluster.stop();
  if (failed) process.exit(1);
}
