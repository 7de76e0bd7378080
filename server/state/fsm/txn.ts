// One write transaction: the state as it is being changed by one command, and the row-level
// writes that keep tables, secondary indexes, counters, summaries and events consistent.
//
// A transaction never changes the state it started from; `commit()` returns the new state. If a
// command fails half-way the transaction is simply dropped, so every command is all-or-nothing.

import {
  NO_ALLOC_USAGE, withAllocUsage,
  type AllocClientStatus, type Allocation, type Deployment, type Evaluation, type Job, type JobSummary, type Node,
  type TaskGroupSummary,
} from "../../../shared/model/index.js";
import { jobSpecEqual } from "./equal.js";
import { allocRow, nodeRow } from "./intern.js";
import { allocKey, key, pad, prefix } from "./keys.js";
import type { Owner, PMap } from "./pmap.js";
import { StateSnapshot } from "./snapshot.js";
import { addCounts, deriveJobStatus, isAllocTerminal, isEvalTerminal, NO_COUNTS, type JobCounts } from "./status.js";
import type { PIndex } from "./pindex.js";
import type { IndexField, MapField, StateData } from "./tables.js";
import type {
  AllocationEventType, DeploymentEventType, EventTopic, EventType, NodeEventType, StateEvent, TableName,
  Variable, VariableEventType, VariableMetadata,
} from "./types.js";

/** Like Nomad: the current version and the five before it. */
export const JOB_TRACKED_VERSIONS = 6;

type Writable<T> = { -readonly [K in keyof T]: T[K] };
type RowOf<F extends MapField> = StateData[F] extends PMap<infer V> ? V : never;
type EntryOf<F extends IndexField> = StateData[F] extends PIndex<infer V> ? V : never;

const DELETION_EVENTS: ReadonlySet<EventType> = new Set<EventType>([
  "JobDeregistered", "NodeDeregistration", "AllocationDeleted", "EvaluationDeleted", "DeploymentDeleted", "VariableDeleted",
]);

const SUMMARY_BIN: Record<AllocClientStatus, keyof TaskGroupSummary> = {
  pending: "starting",
  running: "running",
  complete: "complete",
  failed: "failed",
  lost: "lost",
  unknown: "unknown",
};

export function emptyTaskGroupSummary(): TaskGroupSummary {
  return { queued: 0, starting: 0, running: 0, failed: 0, complete: 0, lost: 0, unknown: 0 };
}

export function variableMetadata(v: Variable): VariableMetadata {
  return {
    namespace: v.namespace, path: v.path, createIndex: v.createIndex, modifyIndex: v.modifyIndex,
    createTimeMs: v.createTimeMs, modifyTimeMs: v.modifyTimeMs,
  };
}

function nonEmpty(...keys: string[]): string[] {
  return keys.filter((k) => k !== "");
}

export interface Committed {
  state: StateData;
  events: StateEvent[];
  touched: TableName[];
}

export class Txn {
  private readonly d: Writable<StateData>;
  private readonly touched = new Set<TableName>();
  private readonly events = new Map<string, StateEvent>();
  /**
   * Counter rows (job counts, job summaries) this transaction made. A command of a thousand
   * allocations changes the same job's rows a thousand times; after the first copy they are
   * changed in place, since no reader can see them before the transaction commits.
   */
  private readonly owned = new Set<object>();
  /** Jobs whose status must be derived again before commit; true when evaluations were deleted. */
  private readonly dirtyJobs = new Map<string, { namespace: string; jobId: string; evalDelete: boolean }>();

  constructor(base: StateData, readonly index: number, private readonly owner: Owner) {
    this.d = { ...base };
  }

  /** The state as changed so far. Read it right away: later writes may change its maps in place. */
  get state(): StateData {
    return this.d;
  }

  /** Read queries over the state as changed so far (same caveat as `state`). */
  view(): StateSnapshot {
    return new StateSnapshot(this.d);
  }

  /** The allocation with this id as changed so far. */
  alloc(id: string): Allocation | undefined {
    return this.d.allocs.get(allocKey(id));
  }

  // --- generic ---------------------------------------------------------------------------------

  private put<F extends MapField>(field: F, k: string, row: RowOf<F>): void {
    (this.d[field] as unknown) = (this.d[field] as unknown as PMap<RowOf<F>>).set(k, row, this.owner);
  }

  private del<F extends MapField>(field: F, k: string): void {
    (this.d[field] as unknown) = (this.d[field] as unknown as PMap<RowOf<F>>).delete(k, this.owner);
  }

  private addToIndex<F extends IndexField>(field: F, group: string, id: string, val: EntryOf<F>): void {
    (this.d[field] as unknown) = (this.d[field] as unknown as PIndex<EntryOf<F>>).set(group, id, val, this.owner);
  }

  private removeFromIndex(field: IndexField, group: string, id: string): void {
    (this.d[field] as unknown) = (this.d[field] as PIndex<unknown>).delete(group, id, this.owner);
  }

  touch(table: TableName): void {
    this.touched.add(table);
  }

  /** Records an event; a row changed twice in one command yields one event with its final state. */
  private emit(event: StateEvent): void {
    const id = `${event.topic}\u0000${event.namespace}\u0000${event.key}`;
    const earlier = this.events.get(id);
    if (earlier !== undefined && !DELETION_EVENTS.has(event.type)) {
      this.events.set(id, { ...event, type: earlier.type } as StateEvent);
      return;
    }
    this.events.set(id, event);
  }

  private event<T extends EventTopic>(topic: T, type: EventType, k: string, namespace: string, filterKeys: string[], payload: unknown): void {
    this.emit({ topic, type, key: k, namespace, index: this.index, filterKeys, payload } as StateEvent);
  }

  markJob(namespace: string, jobId: string, evalDelete = false): void {
    const k = key(namespace, jobId);
    const earlier = this.dirtyJobs.get(k);
    if (earlier !== undefined && (earlier.evalDelete || !evalDelete)) return;
    this.dirtyJobs.set(k, { namespace, jobId, evalDelete });
  }

  private adjustCounts(namespace: string, jobId: string, delta: Partial<JobCounts>): void {
    const k = key(namespace, jobId);
    const current = this.d.jobCounts.get(k);
    // Counts this transaction made already are its own: nobody else sees them before it commits.
    if (current !== undefined && this.owned.has(current)) {
      const next = addCounts(current, delta);
      if (next === undefined) this.del("jobCounts", k);
      else Object.assign(current, next);
      return;
    }
    const next = addCounts(current ?? NO_COUNTS, delta);
    if (next === undefined) {
      this.del("jobCounts", k);
    } else {
      this.put("jobCounts", k, next);
      this.owned.add(next);
    }
  }

  // --- jobs ------------------------------------------------------------------------------------

  /**
   * Stores a job. A spec equal to the current one changes nothing; a different one becomes the
   * next version, and the oldest kept version beyond JOB_TRACKED_VERSIONS is dropped.
   */
  upsertJob(input: Job): { job: Job; changed: boolean } {
    const k = key(input.namespace, input.id);
    const existing = this.d.jobs.get(k);
    if (existing !== undefined && jobSpecEqual(existing, input)) return { job: existing, changed: false };
    const job: Job = existing !== undefined
      ? { ...input, version: existing.version + 1, createIndex: existing.createIndex, modifyIndex: this.index, jobModifyIndex: this.index, status: existing.status }
      : { ...input, version: 0, createIndex: this.index, modifyIndex: this.index, jobModifyIndex: this.index, status: "pending" };
    job.status = deriveJobStatus(job, this.d.jobCounts.get(k) ?? NO_COUNTS, false);
    this.put("jobs", k, job);
    if (existing === undefined) this.put("jobsById", key(job.id, job.namespace), job.id);
    this.put("jobVersions", key(job.namespace, job.id, pad(job.version)), job);
    this.pruneJobVersions(job.namespace, job.id);
    this.updateSummaryWithJob(job);
    this.touch("jobs");
    this.touch("jobVersions");
    this.event("Job", "JobRegistered", job.id, job.namespace, [], { job });
    return { job, changed: true };
  }

  private pruneJobVersions(namespace: string, jobId: string): void {
    const newestFirst = this.d.jobVersions.keysWithPrefix(prefix(namespace, jobId)).reverse();
    while (newestFirst.length > JOB_TRACKED_VERSIONS) {
      // Keep the newest stable version even when it is the one that would fall off the end, so
      // there is always a version to revert to (Nomad does the same).
      let victim = JOB_TRACKED_VERSIONS;
      const stable = newestFirst.findIndex((k) => this.d.stableVersions.has(k));
      if (stable === JOB_TRACKED_VERSIONS) victim = JOB_TRACKED_VERSIONS - 1;
      const [gone] = newestFirst.splice(victim, 1);
      if (gone === undefined) break;
      this.del("jobVersions", gone);
      this.del("stableVersions", gone);
    }
  }

  /** Deletes a job with its versions and summary (purge). */
  deleteJob(namespace: string, jobId: string): Job | undefined {
    const k = key(namespace, jobId);
    const existing = this.d.jobs.get(k);
    if (existing === undefined) return undefined;
    this.del("jobs", k);
    this.del("jobsById", key(jobId, namespace));
    for (const vk of this.d.jobVersions.keysWithPrefix(prefix(namespace, jobId))) this.del("jobVersions", vk);
    for (const sk of this.d.stableVersions.keysWithPrefix(prefix(namespace, jobId))) this.del("stableVersions", sk);
    if (this.d.jobSummaries.has(k)) {
      this.del("jobSummaries", k);
      this.touch("jobSummaries");
    }
    this.touch("jobs");
    this.touch("jobVersions");
    this.event("Job", "JobDeregistered", jobId, namespace, [], { job: existing });
    return existing;
  }

  /** Marks a kept job version stable or not; false when that version is not kept. */
  setJobStability(namespace: string, jobId: string, version: number, stable: boolean): boolean {
    const vk = key(namespace, jobId, pad(version));
    if (!this.d.jobVersions.has(vk)) return false;
    if (this.d.stableVersions.has(vk) === stable) return true;
    if (stable) this.put("stableVersions", vk, version);
    else this.del("stableVersions", vk);
    this.touch("jobVersions");
    const job = this.d.jobs.get(key(namespace, jobId));
    if (job !== undefined) this.event("Job", "JobStabilityUpdated", jobId, namespace, [], { job });
    return true;
  }

  private updateSummaryWithJob(job: Job): void {
    const k = key(job.namespace, job.id);
    const existing = this.d.jobSummaries.get(k);
    let summary: JobSummary;
    if (existing === undefined || existing.createIndex !== job.createIndex) {
      summary = { jobId: job.id, namespace: job.namespace, summary: {}, createIndex: job.createIndex, modifyIndex: this.index };
      for (const tg of job.taskGroups) summary.summary[tg.name] = emptyTaskGroupSummary();
    } else {
      const missing = job.taskGroups.filter((tg) => existing.summary[tg.name] === undefined);
      if (missing.length === 0) return;
      summary = { ...existing, summary: { ...existing.summary }, modifyIndex: this.index };
      for (const tg of missing) summary.summary[tg.name] = emptyTaskGroupSummary();
    }
    this.put("jobSummaries", k, summary);
    this.touch("jobSummaries");
  }

  /** Derives the status of every job touched by this transaction again. */
  private settleJobStatuses(): void {
    for (const [k, { jobId, namespace, evalDelete }] of this.dirtyJobs) {
      const job = this.d.jobs.get(k);
      if (job === undefined) continue;
      const status = deriveJobStatus(job, this.d.jobCounts.get(k) ?? NO_COUNTS, evalDelete);
      if (status === job.status) continue;
      const updated: Job = { ...job, status, modifyIndex: this.index };
      this.put("jobs", k, updated);
      this.touch("jobs");
      this.event("Job", "JobStatusUpdated", jobId, namespace, [], { job: updated });
    }
  }

  // --- allocations -----------------------------------------------------------------------------

  /** Writes an allocation row and keeps indexes, counters, the job summary and deployment in step. */
  writeAlloc(written: Allocation, existing: Allocation | undefined, type: AllocationEventType): void {
    const alloc = allocRow(written);
    const id = alloc.id;
    this.put("allocs", allocKey(id), alloc);
    // Only changes to what the node's allocations take touch its usage: a client reporting a
    // running task leaves it as it is.
    const moved = existing !== undefined && existing.nodeId !== alloc.nodeId;
    const usageChanged = existing === undefined || moved || isAllocTerminal(existing) !== isAllocTerminal(alloc) ||
      existing.allocatedResources !== alloc.allocatedResources;
    if (usageChanged) {
      if (existing !== undefined && !isAllocTerminal(existing)) this.adjustNodeUsage(existing.nodeId, existing, -1);
      if (!isAllocTerminal(alloc)) this.adjustNodeUsage(alloc.nodeId, alloc, 1);
    }
    if (existing === undefined || moved) {
      if (existing !== undefined) this.removeFromIndex("allocsByNode", existing.nodeId, id);
      this.addToIndex("allocsByNode", alloc.nodeId, id, id);
    }
    const jobMoved = existing !== undefined && (existing.namespace !== alloc.namespace || existing.jobId !== alloc.jobId);
    if (existing === undefined || jobMoved) {
      if (existing !== undefined) this.removeFromIndex("allocsByJob", key(existing.namespace, existing.jobId), id);
      this.addToIndex("allocsByJob", key(alloc.namespace, alloc.jobId), id, id);
    }
    if (existing === undefined || existing.evalId !== alloc.evalId) {
      if (existing !== undefined && existing.evalId !== "") this.removeFromIndex("allocsByEval", existing.evalId, id);
      if (alloc.evalId !== "") this.addToIndex("allocsByEval", alloc.evalId, id, id);
    }
    if (existing === undefined || existing.deploymentId !== alloc.deploymentId) {
      if (existing !== undefined && existing.deploymentId !== "") this.removeFromIndex("allocsByDeployment", existing.deploymentId, id);
      if (alloc.deploymentId !== "") this.addToIndex("allocsByDeployment", alloc.deploymentId, id, id);
    }
    const live = isAllocTerminal(alloc) ? 0 : 1;
    if (existing === undefined) {
      this.adjustCounts(alloc.namespace, alloc.jobId, { allocs: 1, liveAllocs: live });
    } else {
      const wasLive = isAllocTerminal(existing) ? 0 : 1;
      if (jobMoved) {
        this.adjustCounts(existing.namespace, existing.jobId, { allocs: -1, liveAllocs: -wasLive });
        this.adjustCounts(alloc.namespace, alloc.jobId, { allocs: 1, liveAllocs: live });
        this.markJob(existing.namespace, existing.jobId);
      } else if (live !== wasLive) {
        this.adjustCounts(alloc.namespace, alloc.jobId, { liveAllocs: live - wasLive });
      }
    }
    this.updateSummaryWithAlloc(alloc, existing);
    this.updateDeploymentWithAlloc(alloc, existing);
    this.touch("allocs");
    this.markJob(alloc.namespace, alloc.jobId);
    this.emitAlloc(type, alloc);
  }

  private adjustNodeUsage(nodeId: string, alloc: Allocation, sign: 1 | -1): void {
    this.put("nodeUsage", nodeId, { ...withAllocUsage(this.d.nodeUsage.get(nodeId) ?? NO_ALLOC_USAGE, alloc, sign), modifyIndex: this.index });
  }

  private emitAlloc(type: AllocationEventType, alloc: Allocation): void {
    this.event("Allocation", type, alloc.id, alloc.namespace, nonEmpty(alloc.jobId, alloc.deploymentId, alloc.evalId, alloc.nodeId),
      { allocation: alloc });
  }

  deleteAlloc(id: string): boolean {
    const existing = this.alloc(id);
    if (existing === undefined) return false;
    this.del("allocs", allocKey(id));
    this.removeFromIndex("allocsByNode", existing.nodeId, id);
    if (!isAllocTerminal(existing)) this.adjustNodeUsage(existing.nodeId, existing, -1);
    else this.put("nodeUsage", existing.nodeId, { ...(this.d.nodeUsage.get(existing.nodeId) ?? NO_ALLOC_USAGE), modifyIndex: this.index });
    this.removeFromIndex("allocsByJob", key(existing.namespace, existing.jobId), id);
    if (existing.evalId !== "") this.removeFromIndex("allocsByEval", existing.evalId, id);
    if (existing.deploymentId !== "") this.removeFromIndex("allocsByDeployment", existing.deploymentId, id);
    this.adjustCounts(existing.namespace, existing.jobId, { allocs: -1, liveAllocs: isAllocTerminal(existing) ? 0 : -1 });
    this.touch("allocs");
    this.markJob(existing.namespace, existing.jobId, true);
    this.emitAlloc("AllocationDeleted", existing);
    return true;
  }

  /** Nomad's updateSummaryWithAlloc: move the allocation between client-status counts. */
  private updateSummaryWithAlloc(alloc: Allocation, existing: Allocation | undefined): void {
    const k = key(alloc.namespace, alloc.jobId);
    const summary = this.d.jobSummaries.get(k);
    // Allocations of an earlier incarnation of the job (purged and registered again) don't count.
    if (summary === undefined || summary.createIndex !== alloc.job.createIndex) return;
    const tg = summary.summary[alloc.taskGroup];
    if (tg === undefined) return;
    if (existing !== undefined && existing.clientStatus === alloc.clientStatus) return;
    // The summary and group counts this transaction made already are changed in place (see `owned`).
    let next = tg;
    if (!this.owned.has(summary) || !this.owned.has(tg)) {
      next = { ...tg };
      const copy = { ...summary, summary: { ...summary.summary }, modifyIndex: this.index };
      copy.summary[alloc.taskGroup] = next;
      this.owned.add(copy);
      this.owned.add(next);
      this.put("jobSummaries", k, copy);
      this.touch("jobSummaries");
    }
    if (existing === undefined) {
      next[SUMMARY_BIN[alloc.clientStatus]] += 1;
      if (alloc.clientStatus === "pending" && next.queued > 0) next.queued -= 1;
    } else {
      const old = SUMMARY_BIN[existing.clientStatus];
      next[old] = Math.max(0, next[old] - 1);
      next[SUMMARY_BIN[alloc.clientStatus]] += 1;
    }
  }

  /** Nomad's updateDeploymentWithAlloc: count placements and health changes in the deployment. */
  private updateDeploymentWithAlloc(alloc: Allocation, existing: Allocation | undefined): void {
    if (alloc.deploymentId === "") return;
    const deployment = this.d.deployments.get(alloc.deploymentId);
    if (deployment === undefined) return;
    const state = deployment.taskGroups[alloc.taskGroup];
    if (state === undefined) return;
    let placed = 0;
    let healthy = 0;
    let unhealthy = 0;
    const existingHealth = existing?.deploymentStatus?.healthy;
    const allocHealth = alloc.deploymentStatus?.healthy;
    if (existing === undefined || existing.deploymentId !== alloc.deploymentId) {
      placed += 1;
    } else if (existingHealth === undefined && allocHealth !== undefined) {
      if (allocHealth) healthy += 1;
      else unhealthy += 1;
    } else if (existingHealth !== undefined && allocHealth !== undefined && existingHealth && !allocHealth) {
      healthy -= 1;
      unhealthy += 1;
    }
    const canary = alloc.deploymentStatus?.canary === true && !state.placedCanaries.includes(alloc.id);
    if (placed === 0 && healthy === 0 && unhealthy === 0 && !canary) return;
    const next = {
      ...state,
      placedAllocs: state.placedAllocs + placed,
      healthyAllocs: state.healthyAllocs + healthy,
      unhealthyAllocs: state.unhealthyAllocs + unhealthy,
      placedCanaries: canary ? [...state.placedCanaries, alloc.id] : state.placedCanaries,
    };
    if (next.progressDeadlineMs > 0) {
      if (placed !== 0 && next.requireProgressByMs === 0) {
        next.requireProgressByMs = alloc.modifyTimeMs + next.progressDeadlineMs;
      } else if (healthy > 0 && alloc.deploymentStatus !== undefined) {
        next.requireProgressByMs = Math.max(next.requireProgressByMs, alloc.deploymentStatus.timestampMs + next.progressDeadlineMs);
      }
    }
    const type: DeploymentEventType = placed !== 0 || canary ? "DeploymentUpdated" : "DeploymentAllocHealth";
    this.writeDeployment({ ...deployment, taskGroups: { ...deployment.taskGroups, [alloc.taskGroup]: next }, modifyIndex: this.index }, deployment, type);
  }

  // --- evaluations -----------------------------------------------------------------------------

  /**
   * Stores an evaluation. A successful one (complete, nothing failed to place) cancels the job's
   * blocked evaluations, and its queued counts go into the job summary.
   */
  upsertEval(ev: Evaluation): Evaluation {
    const existing = this.d.evals.get(ev.id);
    const row: Evaluation = { ...ev, createIndex: existing?.createIndex ?? this.index, modifyIndex: this.index };
    this.writeEval(row, existing);
    this.updateSummaryWithEval(row);
    const blockedCount = this.d.jobCounts.get(key(row.namespace, row.jobId))?.blockedEvals ?? 0;
    if (row.status === "complete" && Object.keys(row.failedTgAllocs).length === 0 && blockedCount > 0) {
      const blocked = this.view().evalsByJob(row.namespace, row.jobId).filter((e) => e.id !== row.id && e.status === "blocked");
      for (const b of blocked) {
        this.writeEval({ ...b, status: "canceled", statusDescription: `evaluation "${row.id}" successful`, modifyIndex: this.index }, b);
      }
    }
    return row;
  }

  /** Bumps an evaluation's modify index (a plan of it was applied). */
  touchEval(id: string): void {
    const existing = this.d.evals.get(id);
    if (existing === undefined) return;
    this.writeEval({ ...existing, modifyIndex: this.index }, existing);
  }

  private writeEval(row: Evaluation, existing: Evaluation | undefined): void {
    this.put("evals", row.id, row);
    const jobMoved = existing !== undefined && (existing.namespace !== row.namespace || existing.jobId !== row.jobId);
    if (existing === undefined || jobMoved) {
      if (existing !== undefined) this.removeFromIndex("evalsByJob", key(existing.namespace, existing.jobId), row.id);
      this.addToIndex("evalsByJob", key(row.namespace, row.jobId), row.id, row.id);
    }
    const live = isEvalTerminal(row) ? 0 : 1;
    const blocked = row.status === "blocked" ? 1 : 0;
    if (existing === undefined) {
      this.adjustCounts(row.namespace, row.jobId, { evals: 1, liveEvals: live, blockedEvals: blocked });
    } else {
      const wasLive = isEvalTerminal(existing) ? 0 : 1;
      const wasBlocked = existing.status === "blocked" ? 1 : 0;
      if (jobMoved) {
        this.adjustCounts(existing.namespace, existing.jobId, { evals: -1, liveEvals: -wasLive, blockedEvals: -wasBlocked });
        this.adjustCounts(row.namespace, row.jobId, { evals: 1, liveEvals: live, blockedEvals: blocked });
        this.markJob(existing.namespace, existing.jobId);
      } else if (live !== wasLive || blocked !== wasBlocked) {
        this.adjustCounts(row.namespace, row.jobId, { liveEvals: live - wasLive, blockedEvals: blocked - wasBlocked });
      }
    }
    this.touch("evals");
    this.markJob(row.namespace, row.jobId);
    this.event("Evaluation", "EvaluationUpdated", row.id, row.namespace, nonEmpty(row.jobId, row.deploymentId, row.nodeId), { evaluation: row });
  }

  private updateSummaryWithEval(ev: Evaluation): void {
    const k = key(ev.namespace, ev.jobId);
    const summary = this.d.jobSummaries.get(k);
    if (summary === undefined) return;
    let next: JobSummary | undefined;
    for (const [tg, queued] of Object.entries(ev.queuedAllocations)) {
      const current = (next ?? summary).summary[tg];
      if (current === undefined || current.queued === queued) continue;
      next ??= { ...summary, summary: { ...summary.summary }, modifyIndex: this.index };
      next.summary[tg] = { ...current, queued };
    }
    if (next === undefined) return;
    this.put("jobSummaries", k, next);
    this.touch("jobSummaries");
  }

  deleteEval(id: string): boolean {
    const existing = this.d.evals.get(id);
    if (existing === undefined) return false;
    this.del("evals", id);
    this.removeFromIndex("evalsByJob", key(existing.namespace, existing.jobId), id);
    this.adjustCounts(existing.namespace, existing.jobId, {
      evals: -1, liveEvals: isEvalTerminal(existing) ? 0 : -1, blockedEvals: existing.status === "blocked" ? -1 : 0,
    });
    this.touch("evals");
    this.markJob(existing.namespace, existing.jobId, true);
    this.event("Evaluation", "EvaluationDeleted", id, existing.namespace, nonEmpty(existing.jobId, existing.deploymentId, existing.nodeId),
      { evaluation: existing });
    return true;
  }

  // --- deployments -----------------------------------------------------------------------------

  upsertDeployment(d: Deployment): Deployment {
    const existing = this.d.deployments.get(d.id);
    const row: Deployment = { ...d, createIndex: existing?.createIndex ?? this.index, modifyIndex: this.index };
    this.writeDeployment(row, existing, existing === undefined ? "DeploymentCreated" : "DeploymentUpdated");
    return row;
  }

  /** Writes a deployment row; a deployment that succeeded makes its job version stable. */
  writeDeployment(row: Deployment, existing: Deployment | undefined, type: DeploymentEventType): void {
    this.put("deployments", row.id, row);
    if (existing === undefined || existing.createIndex !== row.createIndex || existing.jobId !== row.jobId || existing.namespace !== row.namespace) {
      if (existing !== undefined) this.del("deploymentsByJob", key(existing.namespace, existing.jobId, pad(existing.createIndex), row.id));
      this.put("deploymentsByJob", key(row.namespace, row.jobId, pad(row.createIndex), row.id), row.id);
    }
    this.touch("deployments");
    this.event("Deployment", type, row.id, row.namespace, nonEmpty(row.jobId), { deployment: row });
    if (row.status === "successful") this.setJobStability(row.namespace, row.jobId, row.jobVersion, true);
  }

  deleteDeployment(id: string): boolean {
    const existing = this.d.deployments.get(id);
    if (existing === undefined) return false;
    this.del("deployments", id);
    this.del("deploymentsByJob", key(existing.namespace, existing.jobId, pad(existing.createIndex), id));
    this.touch("deployments");
    this.event("Deployment", "DeploymentDeleted", id, existing.namespace, nonEmpty(existing.jobId), { deployment: existing });
    return true;
  }

  // --- nodes -----------------------------------------------------------------------------------

  writeNode(written: Node, type: NodeEventType): void {
    const node = nodeRow(written);
    this.put("nodes", node.id, node);
    this.touch("nodes");
    this.event("Node", type, node.id, "", [], { node: { ...node, secretId: "" } });
  }

  deleteNode(id: string): boolean {
    const existing = this.d.nodes.get(id);
    if (existing === undefined) return false;
    this.del("nodes", id);
    this.touch("nodes");
    this.event("Node", "NodeDeregistration", id, "", [], { node: { ...existing, secretId: "" } });
    return true;
  }

  // --- variables -------------------------------------------------------------------------------

  writeVariable(v: Variable): void {
    this.put("variables", key(v.namespace, v.path), v);
    this.touch("variables");
    this.variableEvent("VariableUpserted", v);
  }

  deleteVariable(v: Variable): void {
    this.del("variables", key(v.namespace, v.path));
    this.touch("variables");
    this.variableEvent("VariableDeleted", v);
  }

  private variableEvent(type: VariableEventType, v: Variable): void {
    this.event("Variable", type, v.path, v.namespace, [], { variable: variableMetadata(v) });
  }

  // --- commit ----------------------------------------------------------------------------------

  commit(): Committed {
    this.settleJobStatuses();
    const touched = [...this.touched];
    if (touched.length > 0) {
      const tableIndexes = { ...this.d.tableIndexes };
      for (const t of touched) tableIndexes[t] = this.index;
      this.d.tableIndexes = tableIndexes;
    }
    this.d.latestIndex = this.index;
    return { state: this.d, events: [...this.events.values()], touched };
  }
}
