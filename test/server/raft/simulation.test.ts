// The deterministic simulation as a test: 500 seeds of crashes, partitions, lossy and reordering
// networks, transfers, membership changes and snapshots, with every invariant checked after
// every step. A failure names its seed: `npm run sim -- --start <seed> --seeds 1` replays it.

import test from "ava";
import { runSeeds } from "./sim/runner.js";
import { runSeed } from "./sim/simulation.js";

const start = Date.now();

test("500 simulated seeds keep election safety, log matching, leader completeness and state machine safety, and recover after healing", (t) => {
  const summary = runSeeds({ seeds: 500, start: 1, steps: 10_000 }, () => Date.now() - start);
  t.deepEqual(summary.failures.map((f) => `seed ${f.seed} at step ${f.step}: ${f.error ?? ""}`), []);
  // The runs exercised what they are meant to.
  const totals = summary.totals;
  t.true(totals.leaderTerms > 2000, `${totals.leaderTerms} leader terms`);
  t.true(totals.acked > 20_000, `${totals.acked} writes acknowledged`);
  t.true(totals.snapshotsInstalled > 500, `${totals.snapshotsInstalled} snapshots installed`);
  t.true(totals.membershipChanges > 500, `${totals.membershipChanges} membership changes`);
  t.true(totals.transfers > 500, `${totals.transfers} transfers`);
  t.true(totals.reads > 2000, `${totals.reads} linearizable reads`);
  t.true(totals.crashes > 2000, `${totals.crashes} crashes`);
});

test("a seed replays exactly", (t) => {
  const first = runSeed({ seed: 4242, steps: 3000 });
  const second = runSeed({ seed: 4242, steps: 3000 });
  t.true(first.ok);
  t.deepEqual(second, first);
});
