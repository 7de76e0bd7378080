// How allocations read: the allocation tables of `job status`, `job allocs` and `node status`,
// and the key = value block of `alloc status`.

import type { Allocation, AllocationStub } from "../../shared/model/index.js";
import { formatDuration } from "../../shared/model/index.js";
import { kv, table } from "./layout.js";
import { shortId } from "../ids.js";
import { formatTimestamp, formatWhen } from "../time.js";

export interface ListOptions {
  /** Full ids, the eval and node name columns, exact times. */
  verbose: boolean;
  nowMs: number;
}

/** Newest first, as Nomad lists them. */
export function newestFirst<T extends Pick<AllocationStub, "createIndex" | "name">>(allocs: readonly T[]): T[] {
  return [...allocs].sort((a, b) => b.createIndex - a.createIndex || a.name.localeCompare(b.name));
}

/** Nomad's formatAllocListStubs. */
export function allocListTable(allocs: readonly AllocationStub[], opts: ListOptions): string {
  if (allocs.length === 0) return "No allocations placed\n";
  const when = (ms: number) => formatWhen(ms, opts.nowMs, opts.verbose);
  const sorted = newestFirst(allocs);
  if (opts.verbose) {
    return table([
      ["ID", "Eval ID", "Node ID", "Node Name", "Task Group", "Version", "Desired", "Status", "Created", "Modified"],
      ...sorted.map((a) => [a.id, a.evalId, a.nodeId, a.nodeName, a.taskGroup, String(a.jobVersion), a.desiredStatus, a.clientStatus,
        when(a.createTimeMs), when(a.modifyTimeMs)]),
    ]);
  }
  return table([
    ["ID", "Node ID", "Task Group", "Version", "Desired", "Status", "Created", "Modified"],
    ...sorted.map((a) => [shortId(a.id), shortId(a.nodeId), a.taskGroup, String(a.jobVersion), a.desiredStatus, a.clientStatus,
      when(a.createTimeMs), when(a.modifyTimeMs)]),
  ]);
}

/** Go's Duration.String for the scheduler's sub-millisecond timings: "35.8µs", "1.25ms". */
export function formatElapsed(ms: number): string {
  if (ms >= 1000) return formatDuration(Math.round(ms));
  if (ms >= 1) return `${Number(ms.toFixed(3))}ms`;
  if (ms >= 0.001) return `${Number((ms * 1000).toFixed(3))}µs`;
  return `${Math.round(ms * 1e6)}ns`;
}

/** The key = value block at the top of `alloc status`. */
export function allocKeyValues(alloc: Allocation, opts: ListOptions): string {
  const when = (ms: number) => (opts.verbose ? formatTimestamp(ms) : formatWhen(ms, opts.nowMs, false));
  const pairs: [string, string][] = [
    ["ID", alloc.id],
    ["Eval ID", shortId(alloc.evalId, opts.verbose)],
    ["Name", alloc.name],
    ["Node ID", shortId(alloc.nodeId, opts.verbose)],
    ["Node Name", alloc.nodeName],
    ["Job ID", alloc.jobId],
    ["Job Version", String(alloc.job.version)],
    ["Client Status", alloc.clientStatus],
    ["Client Description", alloc.clientDescription],
    ["Desired Status", alloc.desiredStatus],
    ["Desired Description", alloc.desiredDescription],
    ["Created", when(alloc.createTimeMs)],
    ["Modified", when(alloc.modifyTimeMs)],
  ];
  if (alloc.deploymentId !== "") {
    const healthy = alloc.deploymentStatus?.healthy;
    pairs.push(["Deployment ID", shortId(alloc.deploymentId, opts.verbose)]);
    pairs.push(["Deployment Health", healthy === undefined ? "unset" : healthy ? "healthy" : "unhealthy"]);
  }
  if (alloc.rescheduleTracker.length > 0) {
    const policy = alloc.job.taskGroups.find((g) => g.name === alloc.taskGroup)?.reschedulePolicy;
    const limit = policy === undefined ? "" : policy.unlimited ? "/unlimited" : `/${policy.attempts}`;
    pairs.push(["Reschedule Attempts", `${alloc.rescheduleTracker.length}${limit}`]);
  }
  if (opts.verbose) {
    const m = alloc.metrics;
    pairs.push(
      ["Evaluated Nodes", String(m.nodesEvaluated)],
      ["Filtered Nodes", String(m.nodesFiltered)],
      ["Exhausted Nodes", String(m.nodesExhausted)],
      ["Allocation Time", formatElapsed(m.allocationTimeMs)],
      ["Failures", String(m.coalescedFailures)],
    );
  }
  return kv(pairs);
}
