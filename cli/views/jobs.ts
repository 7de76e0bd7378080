// How jobs read in `job status`, `job history` and prefix-match lists.

import type { Evaluation, Job, JobListStub, JobSummary } from "../../shared/model/index.js";
import { shortId } from "../ids.js";
import { placementFailureLines, sortedGroups } from "../placement.js";
import { formatTimestamp } from "../time.js";
import { placementFailuresText } from "./evals.js";
import { kv, table } from "./layout.js";

/** "running", or "dead (stopped)" for a job that was stopped but not yet purged. */
export function jobStatusText(job: Pick<Job, "status" | "stop">): string {
  return job.stop ? `${job.status} (stopped)` : job.status;
}

/** "batch/periodic" and "batch/parameterized" for jobs that launch children, as Nomad lists them. */
function typeText(job: JobListStub): string {
  if (job.periodic) return `${job.type}/periodic`;
  if (job.parameterized) return `${job.type}/parameterized`;
  return job.type;
}

/** The `job status` list; jobs sorted by id. */
export function jobListTable(jobs: readonly JobListStub[]): string {
  if (jobs.length === 0) return "No running jobs\n";
  const sorted = [...jobs].sort((a, b) => a.id.localeCompare(b.id));
  return table([
    ["ID", "Type", "Priority", "Status", "Submit Date"],
    ...sorted.map((j) => [j.id, typeText(j), String(j.priority), jobStatusText(j), formatTimestamp(j.submitTimeMs)]),
  ]);
}

/** The key = value block at the top of `job status <id>`. */
export function jobKeyValues(job: Job): string {
  return kv([
    ["ID", job.id],
    ["Name", job.name],
    ["Submit Date", formatTimestamp(job.submitTimeMs)],
    ["Type", job.type],
    ["Priority", String(job.priority)],
    ["Datacenters", job.datacenters.join(",")],
    ["Namespace", job.namespace],
    ["Node Pool", job.nodePool],
    ["Status", jobStatusText(job)],
    ["Periodic", String(job.periodic !== undefined)],
    ["Parameterized", String(job.parameterized !== undefined)],
  ]);
}

/** Allocation counts per task group by client status; groups sorted by name. */
export function summaryTable(summary: JobSummary): string {
  const groups = Object.keys(summary.summary).sort((a, b) => a.localeCompare(b));
  return table([
    ["Task Group", "Queued", "Starting", "Running", "Failed", "Complete", "Lost", "Unknown"],
    ...groups.map((name) => {
      const s = summary.summary[name];
      const counts = s === undefined ? [] : [s.queued, s.starting, s.running, s.failed, s.complete, s.lost, s.unknown];
      return [name, ...counts.map(String)];
    }),
  ]);
}

/** One version in `job history`: Version, Stable, Submit Date and, with -p, the diff to the one before. */
export function jobVersionText(job: Job, stable: boolean, diffText: string | undefined): string {
  const pairs: [string, string][] = [
    ["Version", String(job.version)],
    ["Stable", String(stable)],
    ["Submit Date", formatTimestamp(job.submitTimeMs)],
  ];
  if (diffText !== undefined) pairs.push(["Diff", `\n${diffText}`]);
  return kv(pairs);
}

/** The `Evaluations` table of `job status -verbose`, newest first. */
export function jobEvalTable(evals: readonly Evaluation[], verbose: boolean): string {
  const sorted = [...evals].sort((a, b) => b.createIndex - a.createIndex);
  return table([
    ["ID", "Priority", "Triggered By", "Status", "Placement Failures"],
    ...sorted.map((e) => [shortId(e.id, verbose), String(e.priority), e.triggeredBy, e.status, placementFailuresText(e)]),
  ]);
}

/**
 * The `Placement Failure` section of `job status`: while an evaluation is blocked waiting for
 * capacity, why the latest evaluation with failures could not place everything. "" otherwise.
 */
export function placementFailureSection(evals: readonly Evaluation[]): string {
  if (!evals.some((e) => e.status === "blocked")) return "";
  const failed = evals.filter((e) => Object.keys(e.failedTgAllocs).length > 0).sort((a, b) => b.createIndex - a.createIndex)[0];
  if (failed === undefined) return "";
  const sections = sortedGroups(failed.failedTgAllocs).map((group) => {
    const metric = failed.failedTgAllocs[group];
    const lines = metric === undefined ? [] : placementFailureLines(metric, "  ");
    return `Task Group ${JSON.stringify(group)}:\n${lines.map((l) => `${l}\n`).join("")}`;
  });
  return `\nPlacement Failure\n${sections.join("\n")}`;
}
