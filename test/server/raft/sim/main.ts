// Runs the Raft simulation over many seeds: `npm run sim -- --seeds 500 --start 1 --steps 3000`.
// Prints a summary table and, as its last line, a JSON object; exits 1 if any seed fails.

import { performance } from "node:perf_hooks";
import { runSeeds, type SimSummary } from "./runner.js";

function flag(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`--${name} needs a whole number`);
    process.exit(2);
  }
  return value;
}

function printTable(summary: SimSummary): void {
  const rows: [string, string][] = [
    ["seeds", `${summary.seeds} (from ${summary.start})`],
    ["failures", String(summary.failures.length)],
    ["steps", String(summary.steps)],
    ["ticks", String(summary.totals.ticks)],
    ["leader terms", String(summary.totals.leaderTerms)],
    ["writes acknowledged", String(summary.totals.acked)],
    ["messages delivered", String(summary.totals.delivered)],
    ["messages lost", String(summary.totals.dropped)],
    ["crashes", String(summary.totals.crashes)],
    ["partitions", String(summary.totals.partitions)],
    ["leadership transfers", String(summary.totals.transfers)],
    ["membership changes", String(summary.totals.membershipChanges)],
    ["snapshots taken", String(summary.totals.snapshotsTaken)],
    ["snapshots installed", String(summary.totals.snapshotsInstalled)],
    ["linearizable reads", String(summary.totals.reads)],
    ["elapsed", `${summary.elapsedMs} ms`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  for (const failure of summary.failures) console.log(`FAILED seed ${failure.seed} at step ${failure.step}: ${failure.error ?? ""}`);
}

const args = process.argv.slice(2);
const seeds = flag(args, "seeds", 500);
const start = flag(args, "start", 1);
const steps = flag(args, "steps", 10_000);
const began = performance.now();
const summary = runSeeds({ seeds, start, steps }, () => performance.now() - began);
printTable(summary);
console.log(JSON.stringify({ seeds, failures: summary.failures.length, steps: summary.steps, elapsed_ms: summary.elapsedMs }));
process.exitCode = summary.failures.length > 0 ? 1 : 0;
