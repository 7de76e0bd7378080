// Runs a range of seeds and adds up what happened in them.

import { runSeed, type SimResult, type SimStats } from "./simulation.js";

export interface SimSummary {
  seeds: number;
  start: number;
  /** Steps run over all seeds. */
  steps: number;
  failures: SimResult[];
  totals: Omit<SimStats, "servers" | "preVote" | "checkQuorum">;
  elapsedMs: number;
}

export function runSeeds(opts: { seeds: number; start: number; steps: number }, elapsed: () => number): SimSummary {
  const totals = {
    steps: 0, ticks: 0, leaderTerms: 0, acked: 0, delivered: 0, dropped: 0, crashes: 0, partitions: 0, transfers: 0,
    membershipChanges: 0, snapshotsTaken: 0, snapshotsInstalled: 0, reads: 0,
  };
  const failures: SimResult[] = [];
  for (let seed = opts.start; seed < opts.start + opts.seeds; seed++) {
    const result = runSeed({ seed, steps: opts.steps });
    if (!result.ok) {
      failures.push(result);
      console.error(`seed ${seed} failed at step ${result.step}: ${result.error ?? ""}`);
    }
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += result.stats[key];
  }
  return { seeds: opts.seeds, start: opts.start, steps: totals.steps, failures, totals, elapsedMs: Math.round(elapsed()) };
}
