// What `job plan` says about the scheduler's dry run: whether everything would be placed, the
// reasons when not, and the exit code Nomad gives the plan.

import type * as pb from "../proto/index.js";
import type { AllocMetric, JobType } from "../shared/model/index.js";
import { failedGroupHeading, placementFailureLines, sortedGroups } from "./placement.js";
import { formatTimestamp, timeAgo } from "./time.js";

export interface DryRun {
  failedTgAllocs: Readonly<Record<string, AllocMetric>>;
  /** When a periodic job would next launch; 0 when it is not periodic. */
  nextPeriodicLaunchMs: number;
}

/** The lines under `Scheduler dry-run:`. */
export function formatDryRun(plan: DryRun, jobType: JobType, nowMs: number): string {
  const groups = sortedGroups(plan.failedTgAllocs);
  let out: string;
  if (groups.length === 0) {
    out = "- All tasks successfully allocated.\n";
  } else {
    out = jobType === "system" || jobType === "sysbatch"
      ? "- WARNING: Failed to place allocations on all nodes.\n"
      : "- WARNING: Failed to place all allocations.\n";
    for (const group of groups) {
      const metric = plan.failedTgAllocs[group];
      if (metric === undefined) continue;
      out += `  ${failedGroupHeading(group, metric)}\n`;
      out += placementFailureLines(metric, "    ").map((line) => `${line}\n`).join("") + "\n";
    }
  }
  if (plan.nextPeriodicLaunchMs > 0) {
    const fromNow = timeAgo(plan.nextPeriodicLaunchMs, nowMs);
    out += `- If submitted now, next periodic launch would be at ${formatTimestamp(plan.nextPeriodicLaunchMs)} (${fromNow}).\n`;
  }
  return out.trimEnd();
}

/** The hint that closes `job plan`: how to submit exactly what was planned. */
export function checkIndexHint(jobModifyIndex: number, file: string): string {
  return `Job Modify Index: ${jobModifyIndex}
To submit the job with version verification run:

nomadish job run -check-index ${jobModifyIndex} ${file}

When running the job with the check-index flag, the job will only be run if the
job modify index given matches the server-side version. If the index has
changed, another user has modified the job and the plan's results are
potentially invalid.
`;
}

/** Nomad's plan exit codes: 1 when allocations would be created or destroyed, else 0. */
export function planExitCode(plan: Pick<pb.JobsPlanResponse, "desiredTgUpdates">): number {
  const changes = Object.values(plan.desiredTgUpdates).some((u) => u.stop + u.place + u.migrate + u.destructiveUpdate + u.canary > 0);
  return changes ? 1 : 0;
}
