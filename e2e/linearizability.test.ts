// The job table stays linearizable through failures: concurrent clients register, deregister and
// read jobs on three real servers while the leader is SIGKILLed and SIGSTOPped, and a Wing–Gong
// search proves the recorded history linearizable. A bounded run for CI; `npm run jepsen --
// --minutes N` runs longer.

import test from "ava";
import { checkHistory, formatViolation } from "../test/jepsen/checker.js";
import { jobTableModel } from "../test/jepsen/model.js";
import { killLeader, pauseLeader } from "../test/jepsen/nemesis.js";
import { formatReport, summarize } from "../test/jepsen/report.js";
import { runLinearizability } from "../test/jepsen/run.js";
import { withStaleRead } from "../test/jepsen/synthetic-history.js";
import { TestCluster } from "../test/support/cluster.js";

const SEED = 20_240_601;

test.serial("jobs registered, purged and read back through leader kills and pauses form a linearizable history", async (t) => {
  t.timeout(180_000);
  const cluster = await TestCluster.start({ servers: 3 });
  t.teardown(async () => {
    // A paused server would not hear the SIGTERM that stops it.
    for (const server of cluster.servers) server.process?.kill("SIGCONT");
    await cluster.stop();
  });

  const result = await runLinearizability(cluster, {
    durationMs: 45_000, clients: 8, keys: 5, seed: SEED, nemeses: [killLeader(cluster), pauseLeader(cluster)],
    log: (line) => t.log(line),
  });
  const summary = summarize(result, SEED);
  t.log(`\n${formatReport(result, summary)}`);

  t.is(result.check.verdict, "linearizable", result.check.violation ? formatViolation(result.check.violation) : result.check.keys.map((k) => k.reason ?? "").join(" "));
  t.true(summary.ok > 200, `only ${summary.ok} operations succeeded`);
  t.true(result.faults.length >= 3, `only ${result.faults.length} faults were injected`);
  t.deepEqual(new Set(result.faults.map((f) => f.nemesis)), new Set(["kill-leader", "pause-leader"]));

  // The check can fail: the same history with one read made stale is rejected, at that read's key.
  const tampered = withStaleRead(result.history);
  if (!tampered) return t.fail("the history has no read that could be made stale");
  const recheck = checkHistory(tampered.history, jobTableModel);
  t.is(recheck.verdict, "not-linearizable");
  t.is(recheck.violation?.key, tampered.key);
});
