// `job plan`: the scheduler run on the current state as if the job were registered, committing
// nothing. The planned job gets the version and index a registration would give it, so the
// reconciler sees exactly the updates a real run would make.

import type { AllocMetric, Evaluation, Job } from "../../shared/model/index.js";
import type { DesiredUpdates } from "../scheduler/reconcile/index.js";
import { processEval, type SchedulerSnapshot } from "../scheduler/schedulers/index.js";
import type { SchedulerAlgorithm } from "../scheduler/index.js";
import { jobSpecEqual, type StateSnapshot } from "../state/index.js";
import { newEval } from "../leader/evals.js";
import { timeOrderedId } from "../../shared/ids.js";

export interface DryRun {
  /** The job as a registration would store it. */
  planned: Job;
  /** The registered version, if any. */
  current: Job | undefined;
  desiredTGUpdates: Record<string, DesiredUpdates>;
  failedTgAllocs: Record<string, AllocMetric>;
}

export function dryRun(snap: StateSnapshot, job: Job, algorithm: SchedulerAlgorithm): DryRun {
  const current = snap.job(job.namespace, job.id);
  const planned: Job = current && jobSpecEqual(current, job)
    ? current
    : { ...job, version: current ? current.version + 1 : 0, jobModifyIndex: snap.index + 1, modifyIndex: snap.index + 1, createIndex: current?.createIndex ?? snap.index + 1 };
  const view: SchedulerSnapshot = {
    index: snap.index,
    job: (namespace, id) => (namespace === job.namespace && id === job.id ? planned : snap.job(namespace, id)),
    nodes: () => snap.nodes(),
    allocsByJob: (namespace, id) => snap.allocsByJob(namespace, id),
    allocsByNode: (nodeId) => snap.allocsByNode(nodeId),
    alloc: (id) => snap.alloc(id),
    nodeUsage: (nodeId) => snap.nodeUsage(nodeId),
    latestDeploymentByJob: (namespace, id) => snap.latestDeploymentByJob(namespace, id),
  };
  const ev: Evaluation = newEval(planned, "job-register", { status: "pending" });
  const result = processEval({ eval: ev, snapshot: view, nowMs: Date.now(), newId: timeOrderedId, config: { algorithm } });
  return { planned, current, desiredTGUpdates: result.desiredTGUpdates, failedTgAllocs: result.evalUpdate.failedTgAllocs };
}
