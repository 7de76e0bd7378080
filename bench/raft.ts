// Replicated write throughput and latency: three real server processes on loopback with real
// fsync; 10,000 variable writes of ~256 bytes at 1, 16 and 64 concurrent clients, first with one
// call per write, then with the batching writer.

import { performance } from "node:perf_hooks";
import { TestCluster } from "../test/support/cluster.js";
import { put, writeRequest } from "../test/support/writes.js";
import { VariableBatchWriter } from "../shared/api/batching-writer.js";

const TOTAL = Number(process.env["WRITES"] ?? 10_000);
const CONCURRENCY = (process.env["CONCURRENCY"] ?? "1,16,64").split(",").map(Number);
// MODES=unary or MODES=batched runs one client only (for profiling).

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

type Write = (key: string) => Promise<unknown>;
interface Row { mode: string; c: number; writesPerS: number; p50: number; p99: number }

/** `c` clients writing TOTAL keys between them, each waiting for its write before the next. */
async function run(mode: string, c: number, write: Write): Promise<Row> {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: c }, async () => {
    while (next < TOTAL) {
      const key = `bench/${mode}/c${c}/${next++}`;
      const t0 = performance.now();
      await write(key);
      latencies.push(performance.now() - t0);
    }
  }));
  const elapsed = performance.now() - start;
  latencies.sort((a, b) => a - b);
  return { mode, c, writesPerS: Math.round((TOTAL / elapsed) * 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const cluster = await TestCluster.start({ servers: 3 });
try {
  const leader = await cluster.waitForLeader();
  // Clients talk to the leader, as a client that found it would; followers would add a forward hop.
  const client = cluster.client([leader.address, ...cluster.addresses.filter((a) => a !== leader.address)]);
  const writer = new VariableBatchWriter(client);
  for (let i = 0; i < 200; i++) await put(client, `warmup/${i}`);
  // "unary": one Put call per write. "batched": the same writes through VariableBatchWriter,
  // which sends the writes that are waiting together in one PutMany call.
  const modes: [string, Write][] = [
    ["unary", (key) => put(client, key)],
    ["batched", (key) => writer.put(writeRequest(key))],
  ];
  const results: Row[] = [];
  const only = process.env["MODES"]?.split(",");
  for (const [mode, write] of modes.filter(([m]) => !only || only.includes(m))) {
    for (const c of CONCURRENCY) results.push(await run(mode, c, write));
  }
  console.log(`${"client".padEnd(8)} ${"clients".padStart(8)} ${"writes/s".padStart(10)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)}   (etcd 3.4 here: 549 / 1,614 / 2,015 writes/s)`);
  for (const r of results) console.log(`${r.mode.padEnd(8)} ${String(r.c).padStart(8)} ${String(r.writesPerS).padStart(10)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)}`);
  console.log(`\n${TOTAL} writes of ~256 bytes per row, each acknowledged after its Raft entry is committed and applied;`);
  console.log("3 server processes on loopback, fsync'd LevelDB log. writes_per_s and p99_ms are the batched client's.");
  const byC = (mode: string, f: (r: Row) => number) => Object.fromEntries(results.filter((r) => r.mode === mode).map((r) => [`c${r.c}`, Number(f(r).toFixed(2))]));
  console.log(JSON.stringify({
    writes_per_s: byC("batched", (r) => r.writesPerS), p99_ms: byC("batched", (r) => r.p99), p50_ms: byC("batched", (r) => r.p50),
    unary_writes_per_s: byC("unary", (r) => r.writesPerS), unary_p99_ms: byC("unary", (r) => r.p99),
  }));
} finally {
  await cluster.stop();
}
