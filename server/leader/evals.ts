// Evaluations the servers create themselves: for a job change, or for the jobs a node change
// affects (Nomad's createNodeEvals).

import { randomUUID } from "node:crypto";
import type { Evaluation, EvalTrigger, Job } from "../../shared/model/index.js";
import type { StateSnapshot } from "../state/index.js";

export function newEval(job: Pick<Job, "id" | "namespace" | "priority" | "type" | "jobModifyIndex">, triggeredBy: EvalTrigger, extra: Partial<Evaluation> = {}): Evaluation {
  const nowMs = Date.now();
  return {
    id: randomUUID(), namespace: job.namespace, priority: job.priority, type: job.type, triggeredBy, jobId: job.id,
    jobModifyIndex: job.jobModifyIndex, nodeId: "", nodeModifyIndex: 0, deploymentId: "", status: "pending", statusDescription: "",
    waitUntilMs: 0, nextEval: "", previousEval: "", blockedEval: "", failedTgAllocs: {}, classEligibility: {},
    escapedComputedClass: false, queuedAllocations: {}, snapshotIndex: 0, createIndex: 0, modifyIndex: 0,
    createTimeMs: nowMs, modifyTimeMs: nowMs, ...extra,
  };
}

/**
 * One evaluation for every job with allocations on the node, and for every system job (which
 * may need to start on it or leave it). `liveOnly` skips jobs whose allocations there all ended.
 */
export function nodeEvals(snap: StateSnapshot, nodeId: string, triggeredBy: EvalTrigger, opts: { liveOnly?: boolean } = {}): Evaluation[] {
  const node = snap.node(nodeId);
  const jobs = new Map<string, Job>();
  for (const alloc of snap.allocsByNode(nodeId)) {
    if (opts.liveOnly && (alloc.desiredStatus !== "run" || ["complete", "failed", "lost"].includes(alloc.clientStatus))) continue;
    const job = snap.job(alloc.namespace, alloc.jobId);
    if (job) jobs.set(`${job.namespace}/${job.id}`, job);
  }
  for (const job of snap.jobs("*")) {
    if ((job.type === "system" || job.type === "sysbatch") && !job.stop) jobs.set(`${job.namespace}/${job.id}`, job);
  }
  return [...jobs.values()].map((job) => newEval(job, triggeredBy, { nodeId, nodeModifyIndex: node?.modifyIndex ?? 0 }));
}
