// The job table stays linearizable through failures: concurrent clients register, deregister and
// read jobs on three real servers while the leader is SIGKILLed and SIGSTOPped and — with the
// servers in network namespaces, where this machine allows — cut off by partitions, and a
// Wing–Gong search proves the recorded history linearizable. A bounded run for CI;
// `npm run jepsen -- --minutes N` runs longer.

import test from "ava";
import { checkHistory, formatViolation } from "../test/jepsen/checker.js";
import { jobTableModel } from "../test/jepsen/model.js";
import { bestClusterKind, startJepsenCluster } from "../test/jepsen/clusters.js";
import { formatReport, summarize } from "../test/jepsen/report.js";
import { runLinearizability } from "../test/jepsen/run.js";
import { withStaleRead } from "../test/jepsen/synthetic-history.js";

const SEED = 20_240_601;

test.serial("jobs registered, purged and read back through leader kills, pauses and partitions form a linearizable history", async (t) => {
  t.timeout(180_000);
  const best = await bestClusterKind();
  if (best.reason) t.log(`servers on loopback, without partitions: ${best.reason}`);
  const jepsen = await startJepsenCluster(best.kind, SEED);
  t.teardown(() => jepsen.stop());

  const result = await runLinearizability(jepsen.cluster, {
    durationMs: 45_000, clients: 8, keys: 5, seed: SEED, nemeses: jepsen.nemeses, log: (line) => t.log(line),
  });
  const summary = summarize(result, SEED);
  t.log(`\n${formatReport(result, summary)}`);

  t.is(result.check.verdict, "linearizable", result.check.violation ? formatViolation(result.check.violation) : result.check.keys.map((k) => k.reason ?? "").join(" "));
  t.true(summary.ok > 200, `only ${summary.ok} operations succeeded`);
  t.true(result.faults.length >= 3, `only ${result.faults.length} faults were injected`);
  // The schedule cycles through the nemeses in order: the first three always ran.
  const kinds = new Set(result.faults.map((f) => f.nemesis));
  for (const nemesis of jepsen.nemeses.slice(0, 3)) t.true(kinds.has(nemesis.name), `no ${nemesis.name} fault was injected`);

  // The check can fail: the same history with one read made stale is rejected, at that read's key.
  const tampered = withStaleRead(result.history);
  if (!tampered) return t.fail("the history has no read that could be made stale");
  const recheck = checkHistory(tampered.history, jobTableModel);
  t.is(recheck.verdict, "not-linearizable");
  t.is(recheck.violation?.key, tampered.key);
});
