// How evaluations read in `eval list` and `eval status`, placement failures included.

import type { Evaluation } from "../../shared/model/index.js";
import { shortId } from "../ids.js";
import { failedGroupHeading, placementFailureLines, sortedGroups } from "../placement.js";
import { formatWhen } from "../time.js";
import { kv, table } from "./layout.js";

/** "true"/"false" for the Placement Failures column; a blocked eval is still trying. */
export function placementFailuresText(ev: Evaluation): string {
  if (ev.status === "blocked") return "N/A - In Progress";
  return String(Object.keys(ev.failedTgAllocs).length > 0);
}

export function evalListTable(evals: readonly Evaluation[], verbose: boolean): string {
  if (evals.length === 0) return "No evals found\n";
  const sorted = [...evals].sort((a, b) => b.createIndex - a.createIndex || a.id.localeCompare(b.id));
  return table([
    ["ID", "Priority", "Triggered By", "Job ID", "Namespace", "Node ID", "Status", "Placement Failures"],
    ...sorted.map((e) => [shortId(e.id, verbose), String(e.priority), e.triggeredBy, e.jobId, e.namespace, shortId(e.nodeId, verbose),
      e.status, placementFailuresText(e)]),
  ]);
}

/** What triggered the evaluation, named the way Nomad's eval status does ("Job ID", "Node ID", …). */
function triggerSubject(ev: Evaluation, verbose: boolean): [string, string] | undefined {
  switch (ev.triggeredBy) {
    case "node-update": case "node-drain":
      return ["Node ID", shortId(ev.nodeId, verbose)];
    case "deployment-watcher": case "rolling-update":
      return ev.deploymentId === "" ? ["Job ID", ev.jobId] : ["Deployment ID", shortId(ev.deploymentId, verbose)];
    default:
      return ["Job ID", ev.jobId];
  }
}

export function evalKeyValues(ev: Evaluation, opts: { verbose: boolean; nowMs: number }): string {
  const pairs: [string, string][] = [
    ["ID", shortId(ev.id, opts.verbose)],
    ["Create Time", formatWhen(ev.createTimeMs, opts.nowMs, opts.verbose)],
    ["Modify Time", formatWhen(ev.modifyTimeMs, opts.nowMs, opts.verbose)],
    ["Status", ev.status],
    ["Status Description", ev.statusDescription || ev.status],
    ["Type", ev.type],
    ["TriggeredBy", ev.triggeredBy],
  ];
  const subject = triggerSubject(ev, opts.verbose);
  if (subject !== undefined) pairs.push(subject);
  pairs.push(["Namespace", ev.namespace], ["Priority", String(ev.priority)], ["Placement Failures", placementFailuresText(ev)]);
  if (ev.previousEval !== "" || ev.nextEval !== "" || ev.blockedEval !== "") {
    pairs.push(
      ["Previous Eval", shortId(ev.previousEval, opts.verbose)],
      ["Next Eval", shortId(ev.nextEval, opts.verbose)],
      ["Blocked Eval", shortId(ev.blockedEval, opts.verbose)],
    );
  }
  return kv(pairs);
}

/** The `Failed Placements` section of `eval status`; "" when every allocation was placed. */
export function failedPlacementsText(ev: Evaluation, verbose: boolean): string {
  const groups = sortedGroups(ev.failedTgAllocs);
  if (groups.length === 0) return "";
  let out = "\nFailed Placements\n";
  for (const group of groups) {
    const metric = ev.failedTgAllocs[group];
    if (metric === undefined) continue;
    out += `${failedGroupHeading(group, metric)}\n${placementFailureLines(metric, "  ").map((l) => `${l}\n`).join("")}\n`;
  }
  if (ev.blockedEval !== "") out += `Evaluation "${shortId(ev.blockedEval, verbose)}" waiting for additional capacity to place remainder\n`;
  return out;
}
