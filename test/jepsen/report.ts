// What a run prints: a table for people, and one JSON object with the figures (the last line).

import { formatViolation } from "./checker.js";
import { countOperations } from "./history.js";
import type { RunResult } from "./run.js";

export interface RunSummary {
  ops: number;
  ok: number;
  fail: number;
  unknown: number;
  ops_per_s: number;
  ok_per_s: number;
  faults: number;
  skipped_faults: number;
  workload_s: number;
  recovery_ms: number;
  verdict: string;
  linearizable: boolean;
  check_ms: number;
  check_steps: number;
  seed: number;
}

export function summarize(result: RunResult, seed: number): RunSummary {
  const counts = countOperations(result.history);
  const kinds = Object.values(counts.byKind);
  const sum = (outcome: "ok" | "fail" | "unknown") => kinds.reduce((n, k) => n + k[outcome], 0);
  const seconds = result.workloadMs / 1000;
  return {
    ops: counts.total, ok: sum("ok"), fail: sum("fail"), unknown: sum("unknown"),
    ops_per_s: Math.round(counts.total / seconds), ok_per_s: Math.round(sum("ok") / seconds),
    faults: result.faults.length, skipped_faults: result.skippedFaults, workload_s: Math.round(seconds * 10) / 10,
    recovery_ms: Math.round(result.recoveryMs), verdict: result.check.verdict, linearizable: result.check.verdict === "linearizable",
    check_ms: Math.round(result.checkMs), check_steps: result.check.steps, seed,
  };
}

export function formatReport(result: RunResult, summary: RunSummary): string {
  const counts = countOperations(result.history);
  const row = (cells: (string | number)[]) => cells.map((c, i) => (i === 0 ? String(c).padEnd(12) : String(c).padStart(9))).join("");
  const lines = [row(["operation", "ok", "fail", "unknown", "total"])];
  for (const [kind, byOutcome] of Object.entries(counts.byKind)) {
    lines.push(row([kind, byOutcome.ok, byOutcome.fail, byOutcome.unknown, byOutcome.ok + byOutcome.fail + byOutcome.unknown]));
  }
  lines.push(row(["all", summary.ok, summary.fail, summary.unknown, summary.ops]));
  lines.push("");
  const byNemesis = new Map<string, number>();
  for (const f of result.faults) byNemesis.set(f.nemesis, (byNemesis.get(f.nemesis) ?? 0) + 1);
  lines.push(`faults: ${summary.faults} (${[...byNemesis].map(([n, c]) => `${n} ${c}`).join(", ") || "none"})${summary.skipped_faults > 0 ? `, ${summary.skipped_faults} skipped` : ""}`);
  lines.push(`workload: ${summary.workload_s} s, ${summary.ops_per_s} operations/s (${summary.ok_per_s} ok/s); recovery and final reads ${summary.recovery_ms} ms`);
  lines.push(`check: ${result.check.keys.length} job ids, ${summary.check_steps} search steps, ${summary.check_ms} ms`);
  for (const k of result.check.keys) if (k.verdict !== "linearizable") lines.push(`  ${k.key}: ${k.verdict}${k.reason ? ` (${k.reason})` : ""}`);
  if (result.check.violation) lines.push(formatViolation(result.check.violation));
  lines.push(`result: ${result.check.verdict}`);
  return lines.join("\n");
}
