// Failover: 20 rounds of SIGKILL on the leader while a client writes every 10 ms; the time from
// the kill to the next successful write (one started after the kill: a write the old leader had
// already answered does not count), then every acknowledged write read back.

import { performance } from "node:perf_hooks";
import { TestCluster, waitFor } from "../test/support/cluster.js";
import { missing, put } from "../test/support/writes.js";

const ROUNDS = Number(process.env["ROUNDS"] ?? 20);
const WRITE_EVERY_MS = 10;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const cluster = await TestCluster.start({ servers: 3 });
try {
  await cluster.waitForLeader();
  const client = cluster.client();
  const acked = new Set<string>();
  /** When the latest acknowledged write had been started, and when it was acknowledged. */
  let lastAck = { startedAt: 0, ackedAt: 0 };
  let writing = true;
  let n = 0;
  const writer = (async () => {
    while (writing) {
      const key = `failover/${n++}`;
      const started = performance.now();
      try {
        await put(client, key);
        acked.add(key);
        lastAck = { startedAt: started, ackedAt: performance.now() };
      } catch {
        // Not acknowledged: not counted, and not required to survive.
      }
      const wait = WRITE_EVERY_MS - (performance.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();

  const gaps: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const leader = await cluster.waitForLeader();
    await new Promise((r) => setTimeout(r, 200));
    const killedAt = performance.now();
    await cluster.kill(leader);
    const next = await waitFor("a write after the kill", 10_000, async () => (lastAck.startedAt > killedAt ? lastAck : undefined));
    gaps.push(next.ackedAt - killedAt);
    cluster.spawn(leader);
    // Let the restarted server catch up before the next round, so a majority stays available.
    await waitFor("the restarted server", 20_000, async () => {
      const view = await cluster.self(leader);
      return view?.raft && view.raft.leaderId !== "" ? true : undefined;
    });
  }
  writing = false;
  await writer;
  const lost = await missing(client, acked);
  const sorted = [...gaps].sort((a, b) => a - b);
  console.log(`${"round".padStart(6)} ${"kill → next write (ms)".padStart(24)}`);
  gaps.forEach((g, i) => console.log(`${String(i + 1).padStart(6)} ${g.toFixed(0).padStart(24)}`));
  console.log(`\np50 ${percentile(sorted, 50).toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms; ${acked.size} acknowledged writes, ${lost.length} lost (etcd 3.4 here: p50 1.3 s, max 2.5 s)`);
  console.log(JSON.stringify({
    failover_p50_ms: Math.round(percentile(sorted, 50)), failover_max_ms: Math.round(sorted.at(-1) ?? 0), acked_writes: acked.size, lost_writes: lost.length,
  }));
} finally {
  await cluster.stop();
}
