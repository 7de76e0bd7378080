// Client start-up latency: from registering a job to all of its allocations running on a real
// client agent, for web.hcl (docker, count 3) and exec.hcl; p50 over RUNS runs each.

import { performance } from "node:perf_hooks";
import * as pb from "../proto/index.js";
import type { ApiClient } from "../shared/api/client.js";
import { loadJobspec } from "../shared/jobspec/load.js";
import { jobToWire } from "../shared/wire/index.js";
import { repoPath } from "../test/paths.js";
import { TestCluster, waitFor } from "../test/support/cluster.js";

const RUNS = Number(process.env["RUNS"] ?? 10);
const WRITE = { namespace: "", region: "" };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Blocks on the job's allocations until `count` run; returns the time it took. */
async function timeToRunning(api: ApiClient, job: pb.Job, count: number): Promise<number> {
  const started = performance.now();
  await api.call(pb.JobsService.register, { job, preserveCounts: false, options: WRITE }, "write");
  let index = 0;
  for (;;) {
    const res = await api.call(pb.JobsService.allocations, { jobId: job.id, all: false, options: { minIndex: index, maxWaitMs: 5_000, stale: false, namespace: "", region: "" } }, "read");
    index = res.meta?.index ?? index;
    const running = res.allocations.filter((a) => a.desiredStatus === pb.AllocDesiredStatus.RUN && a.clientStatus === pb.AllocClientStatus.RUNNING);
    if (running.length >= count) return performance.now() - started;
    if (performance.now() - started > 60_000) throw new Error(`${job.id}: only ${running.length} of ${count} running after 60 s`);
  }
}

/** Purges the job and waits until its allocations are all stopped on the client. */
async function purge(api: ApiClient, jobId: string): Promise<void> {
  const before = (await api.call(pb.JobsService.allocations, { jobId, all: false }, "read")).allocations.map((a) => a.id);
  await api.call(pb.JobsService.deregister, { jobId, purge: false, options: WRITE }, "write");
  await waitFor(`${jobId} stopped`, 30_000, async () => {
    const list = await Promise.all(before.map((id) => api.call(pb.AllocationsService.get, { allocId: id }, "read")));
    return list.every((r) => r.allocation?.clientStatus !== pb.AllocClientStatus.RUNNING) ? true : undefined;
  });
  await api.call(pb.JobsService.deregister, { jobId, purge: true, options: WRITE }, "write");
}

const cluster = await TestCluster.start({ servers: 1 });
try {
  await cluster.waitForLeader();
  cluster.startClient("bench");
  await cluster.waitForNodes(["bench"]);
  const api = cluster.client();
  const results: Record<string, number[]> = {};
  for (const [name, file] of [["docker", "web.hcl"], ["exec", "exec.hcl"]] as const) {
    const job = loadJobspec(repoPath("jobspecs", file));
    const count = job.taskGroups.reduce((n, g) => n + g.count, 0);
    results[name] = [];
    for (let i = 0; i < RUNS; i++) {
      results[name].push(await timeToRunning(api, jobToWire(job), count));
      await purge(api, job.id);
    }
  }
  console.log(`${"driver".padEnd(8)} ${"runs".padStart(5)} ${"p50 ms".padStart(8)} ${"min ms".padStart(8)} ${"max ms".padStart(8)}`);
  const summary: Record<string, number> = {};
  for (const [name, times] of Object.entries(results)) {
    const sorted = [...times].sort((a, b) => a - b);
    summary[`${name}_p50_ms`] = Math.round(percentile(sorted, 50));
    console.log(`${name.padEnd(8)} ${String(sorted.length).padStart(5)} ${percentile(sorted, 50).toFixed(0).padStart(8)} ${(sorted[0] ?? 0).toFixed(0).padStart(8)} ${(sorted.at(-1) ?? 0).toFixed(0).padStart(8)}`);
  }
  console.log(JSON.stringify(summary));
} finally {
  await cluster.stop();
}
