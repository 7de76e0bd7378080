// Why the scheduler could not place allocations, and how it scored the nodes it considered, in
// the words of Nomad's formatAllocMetrics. Shared by `job run`, `job plan`, `job status`,
// `eval status` and `alloc status -verbose`.

import type { AllocMetric } from "../shared/model/index.js";
import { columns } from "./format.js";

/** Map entries in a stable order (Nomad walks Go maps in random order). */
function sortedEntries(record: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}

/** Task group names in order, as Nomad's sortedTaskGroupFromMetrics. */
export function sortedGroups(failed: Readonly<Record<string, AllocMetric>>): string[] {
  return Object.keys(failed).sort((a, b) => a.localeCompare(b));
}

/** `Task Group "web" (failed to place 3 allocations):` — the failure plus the ones coalesced into it. */
export function failedGroupHeading(group: string, metric: AllocMetric): string {
  const count = metric.coalescedFailures + 1;
  return `Task Group ${JSON.stringify(group)} (failed to place ${count} allocation${metric.coalescedFailures > 0 ? "s" : ""}):`;
}

/** One `* …` line per reason nodes were filtered or exhausted, each starting with `prefix`. */
export function placementFailureLines(metric: AllocMetric, prefix: string): string[] {
  const lines: string[] = [];
  const quote = (s: string) => JSON.stringify(s);
  if (metric.nodesEvaluated === 0) lines.push(`${prefix}* No nodes were eligible for evaluation`);
  for (const [dc, available] of sortedEntries(metric.nodesAvailable)) {
    if (available === 0) lines.push(`${prefix}* No nodes are available in datacenter ${quote(dc)}`);
  }
  for (const [cls, n] of sortedEntries(metric.classFiltered)) lines.push(`${prefix}* Class ${quote(cls)}: ${n} nodes excluded by filter`);
  for (const [reason, n] of sortedEntries(metric.constraintFiltered)) lines.push(`${prefix}* Constraint ${quote(reason)}: ${n} nodes excluded by filter`);
  if (metric.nodesExhausted > 0) lines.push(`${prefix}* Resources exhausted on ${metric.nodesExhausted} nodes`);
  for (const [cls, n] of sortedEntries(metric.classExhausted)) lines.push(`${prefix}* Class ${quote(cls)} exhausted on ${n} nodes`);
  for (const [dim, n] of sortedEntries(metric.dimensionExhausted)) lines.push(`${prefix}* Dimension ${quote(dim)} exhausted on ${n} nodes`);
  for (const dim of metric.quotaExhausted) lines.push(`${prefix}* Quota limit hit ${quote(dim)}`);
  return lines;
}

/** Go's `%.3g`: three significant digits, trailing zeros dropped, exponent form outside 1e-4..1e3. */
export function formatScore(value: number): string {
  if (value === 0) return "0";
  if (!Number.isFinite(value)) return String(value);
  const [mantissa = "0", exponentText = "0"] = value.toExponential(2).split("e");
  const exponent = Number(exponentText);
  const trim = (s: string) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  if (exponent < -4 || exponent >= 3) {
    return `${trim(mantissa)}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return trim(value.toFixed(Math.max(0, 2 - exponent)));
}

/** The scheduler adds the final score to each node's scores too; the table shows it once, last. */
const FINAL_SCORE_KEY = "normalized-score";

/**
 * The per-node score table of `alloc status -verbose`: one row per node the scheduler ranked
 * (best first), one column per scorer (alphabetical), then the final score.
 */
export function scoreTable(metric: AllocMetric): string {
  if (metric.scoreMetaData.length === 0) return "";
  const scorers = [...new Set(metric.scoreMetaData.flatMap((s) => Object.keys(s.scores)))]
    .filter((name) => name !== FINAL_SCORE_KEY)
    .sort((a, b) => a.localeCompare(b));
  return columns([
    ["Node", ...scorers, "final score"],
    ...metric.scoreMetaData.map((s) => [s.nodeId, ...scorers.map((name) => formatScore(s.scores[name] ?? 0)), formatScore(s.normScore)]),
  ]);
}

/** formatAllocMetrics with scores: the failure lines, then the score table. */
export function placementMetrics(metric: AllocMetric, prefix: string): string {
  const lines = placementFailureLines(metric, prefix);
  const text = lines.length > 0 ? `${lines.join("\n")}\n` : "";
  return text + scoreTable(metric);
}
