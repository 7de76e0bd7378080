// Read-side views of the model: what lists, summaries and the event stream carry instead of
// whole objects, and what a client reports about its allocations.

import type { AllocClientStatus, Allocation, DeploymentStatus, TaskState } from "./alloc.js";
import type { Job, JobStatus, JobType } from "./job.js";

/** Allocation counts of one task group by client status. */
export interface TaskGroupSummary {
  queued: number;
  starting: number;
  running: number;
  failed: number;
  complete: number;
  lost: number;
  unknown: number;
}

export interface JobSummary {
  jobId: string;
  namespace: string;
  /** By task group name. */
  summary: Record<string, TaskGroupSummary>;
  createIndex: number;
  modifyIndex: number;
}

/** What `job status` lists per job, without the task groups. */
export interface JobListStub {
  id: string;
  name: string;
  namespace: string;
  type: JobType;
  priority: number;
  status: JobStatus;
  stop: boolean;
  periodic: boolean;
  parameterized: boolean;
  datacenters: string[];
  nodePool: string;
  version: number;
  submitTimeMs: number;
  summary?: JobSummary;
  createIndex: number;
  modifyIndex: number;
  jobModifyIndex: number;
}

export function jobListStub(job: Job, summary?: JobSummary): JobListStub {
  return {
    id: job.id,
    name: job.name,
    namespace: job.namespace,
    type: job.type,
    priority: job.priority,
    status: job.status,
    stop: job.stop,
    periodic: job.periodic !== undefined,
    parameterized: job.parameterized !== undefined,
    datacenters: [...job.datacenters],
    nodePool: job.nodePool,
    version: job.version,
    submitTimeMs: job.submitTimeMs,
    ...(summary === undefined ? {} : { summary }),
    createIndex: job.createIndex,
    modifyIndex: job.modifyIndex,
    jobModifyIndex: job.jobModifyIndex,
  };
}

export interface AllocationStub extends Pick<Allocation,
  | "id" | "namespace" | "evalId" | "name" | "nodeId" | "nodeName" | "jobId" | "taskGroup"
  | "desiredStatus" | "desiredDescription" | "clientStatus" | "clientDescription" | "taskStates"
  | "deploymentId" | "deploymentStatus" | "followupEvalId" | "previousAllocation" | "nextAllocation"
  | "createIndex" | "modifyIndex" | "createTimeMs" | "modifyTimeMs"> {
  jobType: JobType;
  jobVersion: number;
}

export function allocStub(alloc: Allocation): AllocationStub {
  return {
    id: alloc.id,
    namespace: alloc.namespace,
    evalId: alloc.evalId,
    name: alloc.name,
    nodeId: alloc.nodeId,
    nodeName: alloc.nodeName,
    jobId: alloc.jobId,
    jobType: alloc.job.type,
    jobVersion: alloc.job.version,
    taskGroup: alloc.taskGroup,
    desiredStatus: alloc.desiredStatus,
    desiredDescription: alloc.desiredDescription,
    clientStatus: alloc.clientStatus,
    clientDescription: alloc.clientDescription,
    taskStates: { ...alloc.taskStates },
    deploymentId: alloc.deploymentId,
    ...(alloc.deploymentStatus === undefined ? {} : { deploymentStatus: alloc.deploymentStatus }),
    followupEvalId: alloc.followupEvalId,
    previousAllocation: alloc.previousAllocation,
    nextAllocation: alloc.nextAllocation,
    createIndex: alloc.createIndex,
    modifyIndex: alloc.modifyIndex,
    createTimeMs: alloc.createTimeMs,
    modifyTimeMs: alloc.modifyTimeMs,
  };
}

export interface AllocClientUpdate {
  allocId: string;
  clientStatus: AllocClientStatus;
  clientDescription: string;
  /** The client's full view of each task, by task name. */
  taskStates: Record<string, TaskState>;
  deploymentStatus?: DeploymentStatus;
  modifyTimeMs: number;
}
