// Allocations on the wire, plus the stub that lists carry and the clients' status reports.

import * as pb from "../../proto/index.js";
import type {
  AllocatedResources, AllocatedTaskResources, AllocationStub, AllocClientStatus, AllocClientUpdate, AllocDesiredStatus, Allocation, AllocMetric,
  DeploymentStatus, RescheduleEvent, TaskEvent, TaskState, TaskStateName,
} from "../model/index.js";
import { enumCodec, ifPresent, mapValues, ms, present, required } from "./convert.js";
import { jobFromWire, jobToWire, jobTypeCodec } from "./job.js";

export const allocDesiredStatusCodec = enumCodec<AllocDesiredStatus, pb.AllocDesiredStatus>("Allocation.desiredStatus", {
  run: pb.AllocDesiredStatus.RUN,
  stop: pb.AllocDesiredStatus.STOP,
  evict: pb.AllocDesiredStatus.EVICT,
});

export const allocClientStatusCodec = enumCodec<AllocClientStatus, pb.AllocClientStatus>("Allocation.clientStatus", {
  pending: pb.AllocClientStatus.PENDING,
  running: pb.AllocClientStatus.RUNNING,
  complete: pb.AllocClientStatus.COMPLETE,
  failed: pb.AllocClientStatus.FAILED,
  lost: pb.AllocClientStatus.LOST,
  unknown: pb.AllocClientStatus.UNKNOWN,
});

export const taskStateNameCodec = enumCodec<TaskStateName, pb.TaskStateName>("TaskState.state", {
  pending: pb.TaskStateName.PENDING,
  running: pb.TaskStateName.RUNNING,
  dead: pb.TaskStateName.DEAD,
});

// ---------------------------------------------------------------------------------------------
// Task states

function taskEventToWire(e: TaskEvent): pb.TaskEvent {
  return {
    type: e.type, timeMs: ms(e.timeMs), message: e.message, details: { ...e.details }, exitCode: e.exitCode,
    signal: e.signal, failsTask: e.failsTask,
  };
}

function taskEventFromWire(e: pb.TaskEvent): TaskEvent {
  return {
    type: e.type,
    timeMs: e.timeMs,
    message: e.message,
    details: { ...e.details },
    ...present("exitCode", e.exitCode),
    ...present("signal", e.signal),
    failsTask: e.failsTask,
  };
}

export function taskStateToWire(s: TaskState): pb.TaskState {
  return {
    state: taskStateNameCodec.toWire(s.state), failed: s.failed, restarts: s.restarts,
    lastRestartMs: ms(s.lastRestartMs), startedAtMs: ms(s.startedAtMs), finishedAtMs: ms(s.finishedAtMs),
    events: s.events.map(taskEventToWire),
  };
}

export function taskStateFromWire(s: pb.TaskState): TaskState {
  return {
    state: taskStateNameCodec.fromWire(s.state), failed: s.failed, restarts: s.restarts,
    lastRestartMs: s.lastRestartMs, startedAtMs: s.startedAtMs, finishedAtMs: s.finishedAtMs,
    events: s.events.map(taskEventFromWire),
  };
}

export function deploymentStatusToWire(s: DeploymentStatus): pb.DeploymentStatus {
  return { healthy: s.healthy, timestampMs: ms(s.timestampMs), canary: s.canary, modifyIndex: s.modifyIndex };
}

export function deploymentStatusFromWire(s: pb.DeploymentStatus): DeploymentStatus {
  // Two literals rather than a spread: every client report of a deployment's allocation has one.
  if (s.healthy === undefined) return { timestampMs: s.timestampMs, canary: s.canary, modifyIndex: s.modifyIndex };
  return { healthy: s.healthy, timestampMs: s.timestampMs, canary: s.canary, modifyIndex: s.modifyIndex };
}

// ---------------------------------------------------------------------------------------------
// Resources and metrics

function taskResourcesToWire(r: AllocatedTaskResources): pb.AllocatedTaskResources {
  return {
    cpuMhz: r.cpuMhz,
    reservedCores: [...r.reservedCores],
    memoryMb: r.memoryMb,
    memoryMaxMb: r.memoryMaxMb,
    devices: r.devices.map((d) => ({ name: d.name, deviceIds: [...d.deviceIds] })),
  };
}

function taskResourcesFromWire(r: pb.AllocatedTaskResources): AllocatedTaskResources {
  return {
    cpuMhz: r.cpuMhz,
    reservedCores: [...r.reservedCores],
    memoryMb: r.memoryMb,
    memoryMaxMb: r.memoryMaxMb,
    devices: r.devices.map((d) => ({ name: d.name, deviceIds: [...d.deviceIds] })),
  };
}

function allocatedResourcesToWire(r: AllocatedResources): pb.AllocatedResources {
  return {
    tasks: mapValues(r.tasks, taskResourcesToWire),
    diskMb: r.diskMb,
    ports: r.ports.map((p) => ({ label: p.label, value: p.value, to: p.to, hostIp: p.hostIp })),
  };
}

function allocatedResourcesFromWire(r: pb.AllocatedResources): AllocatedResources {
  return {
    tasks: mapValues(r.tasks, taskResourcesFromWire),
    diskMb: r.diskMb,
    ports: r.ports.map((p) => ({ label: p.label, value: p.value, to: p.to, hostIp: p.hostIp })),
  };
}

export function allocMetricToWire(m: AllocMetric): pb.AllocMetric {
  return {
    nodesEvaluated: m.nodesEvaluated,
    nodesFiltered: m.nodesFiltered,
    nodesInPool: m.nodesInPool,
    nodesAvailable: { ...m.nodesAvailable },
    classFiltered: { ...m.classFiltered },
    constraintFiltered: { ...m.constraintFiltered },
    nodesExhausted: m.nodesExhausted,
    classExhausted: { ...m.classExhausted },
    dimensionExhausted: { ...m.dimensionExhausted },
    quotaExhausted: [...m.quotaExhausted],
    scoreMetaData: m.scoreMetaData.map((s) => ({ nodeId: s.nodeId, scores: { ...s.scores }, normScore: s.normScore })),
    allocationTimeMs: m.allocationTimeMs,
    coalescedFailures: m.coalescedFailures,
  };
}

/** The wire message has the model's shape, so decoding is the same copy. */
export function allocMetricFromWire(m: pb.AllocMetric): AllocMetric {
  return allocMetricToWire(m);
}

function rescheduleEventToWire(e: RescheduleEvent): pb.RescheduleEvent {
  return {
    rescheduleTimeMs: ms(e.rescheduleTimeMs), prevAllocId: e.prevAllocId, prevNodeId: e.prevNodeId,
    delayMs: ms(e.delayMs),
  };
}

function rescheduleEventFromWire(e: pb.RescheduleEvent): RescheduleEvent {
  return { rescheduleTimeMs: e.rescheduleTimeMs, prevAllocId: e.prevAllocId, prevNodeId: e.prevNodeId, delayMs: e.delayMs };
}

// ---------------------------------------------------------------------------------------------
// Allocations

export function allocToWire(alloc: Allocation): pb.Allocation {
  return allocWire(alloc, jobToWire(alloc.job), allocMetricToWire(alloc.metrics));
}

/** A job's wire form per stored job: stored jobs never change, and thousands of allocations share one. */
const wireJobs = new WeakMap<Allocation["job"], pb.Job>();

/** Placement metrics of nothing: what a client is sent instead of the real ones. */
const NO_METRICS: pb.AllocMetric = allocMetricToWire({
  nodesEvaluated: 0, nodesFiltered: 0, nodesInPool: 0, nodesAvailable: {}, classFiltered: {}, constraintFiltered: {},
  nodesExhausted: 0, classExhausted: {}, dimensionExhausted: {}, quotaExhausted: [], scoreMetaData: [], allocationTimeMs: 0,
  coalescedFailures: 0,
});

/**
 * An allocation as its client is sent it (the watch stream). Placement metrics are only for
 * operators (the API has them), so the client gets them empty; the job's wire form is made once
 * per stored job. Neither may be changed by the caller: they are shared.
 */
export function allocToClientWire(alloc: Allocation): pb.Allocation {
  let job = wireJobs.get(alloc.job);
  if (job === undefined) wireJobs.set(alloc.job, job = jobToWire(alloc.job));
  return allocWire(alloc, job, NO_METRICS);
}

function allocWire(alloc: Allocation, job: pb.Job, metrics: pb.AllocMetric): pb.Allocation {
  return {
    id: alloc.id,
    namespace: alloc.namespace,
    evalId: alloc.evalId,
    name: alloc.name,
    nodeId: alloc.nodeId,
    nodeName: alloc.nodeName,
    jobId: alloc.jobId,
    job,
    taskGroup: alloc.taskGroup,
    allocatedResources: allocatedResourcesToWire(alloc.allocatedResources),
    metrics,
    desiredStatus: allocDesiredStatusCodec.toWire(alloc.desiredStatus),
    desiredDescription: alloc.desiredDescription,
    clientStatus: allocClientStatusCodec.toWire(alloc.clientStatus),
    clientDescription: alloc.clientDescription,
    taskStates: mapValues(alloc.taskStates, taskStateToWire),
    previousAllocation: alloc.previousAllocation,
    nextAllocation: alloc.nextAllocation,
    deploymentId: alloc.deploymentId,
    deploymentStatus: alloc.deploymentStatus && deploymentStatusToWire(alloc.deploymentStatus),
    rescheduleTracker: alloc.rescheduleTracker.map(rescheduleEventToWire),
    followupEvalId: alloc.followupEvalId,
    createIndex: alloc.createIndex,
    modifyIndex: alloc.modifyIndex,
    allocModifyIndex: alloc.allocModifyIndex,
    createTimeMs: ms(alloc.createTimeMs),
    modifyTimeMs: ms(alloc.modifyTimeMs),
  };
}

export function allocFromWire(alloc: pb.Allocation): Allocation {
  return {
    id: alloc.id,
    namespace: alloc.namespace,
    evalId: alloc.evalId,
    name: alloc.name,
    nodeId: alloc.nodeId,
    nodeName: alloc.nodeName,
    jobId: alloc.jobId,
    job: jobFromWire(required(alloc.job, "Allocation.job")),
    taskGroup: alloc.taskGroup,
    allocatedResources: allocatedResourcesFromWire(required(alloc.allocatedResources, "Allocation.allocatedResources")),
    metrics: allocMetricFromWire(required(alloc.metrics, "Allocation.metrics")),
    desiredStatus: allocDesiredStatusCodec.fromWire(alloc.desiredStatus),
    desiredDescription: alloc.desiredDescription,
    clientStatus: allocClientStatusCodec.fromWire(alloc.clientStatus),
    clientDescription: alloc.clientDescription,
    taskStates: mapValues(alloc.taskStates, taskStateFromWire),
    previousAllocation: alloc.previousAllocation,
    nextAllocation: alloc.nextAllocation,
    deploymentId: alloc.deploymentId,
    ...ifPresent("deploymentStatus", alloc.deploymentStatus, deploymentStatusFromWire),
    rescheduleTracker: alloc.rescheduleTracker.map(rescheduleEventFromWire),
    followupEvalId: alloc.followupEvalId,
    createIndex: alloc.createIndex,
    modifyIndex: alloc.modifyIndex,
    allocModifyIndex: alloc.allocModifyIndex,
    createTimeMs: alloc.createTimeMs,
    modifyTimeMs: alloc.modifyTimeMs,
  };
}

// ---------------------------------------------------------------------------------------------
// Allocation lists and the event stream carry stubs: no job copy, resources or metrics.



export function allocStubToWire(stub: AllocationStub): pb.AllocationStub {
  return {
    id: stub.id,
    namespace: stub.namespace,
    evalId: stub.evalId,
    name: stub.name,
    nodeId: stub.nodeId,
    nodeName: stub.nodeName,
    jobId: stub.jobId,
    jobType: jobTypeCodec.toWire(stub.jobType),
    jobVersion: stub.jobVersion,
    taskGroup: stub.taskGroup,
    desiredStatus: allocDesiredStatusCodec.toWire(stub.desiredStatus),
    desiredDescription: stub.desiredDescription,
    clientStatus: allocClientStatusCodec.toWire(stub.clientStatus),
    clientDescription: stub.clientDescription,
    taskStates: mapValues(stub.taskStates, taskStateToWire),
    deploymentId: stub.deploymentId,
    deploymentStatus: stub.deploymentStatus && deploymentStatusToWire(stub.deploymentStatus),
    followupEvalId: stub.followupEvalId,
    previousAllocation: stub.previousAllocation,
    nextAllocation: stub.nextAllocation,
    createIndex: stub.createIndex,
    modifyIndex: stub.modifyIndex,
    createTimeMs: ms(stub.createTimeMs),
    modifyTimeMs: ms(stub.modifyTimeMs),
  };
}

export function allocStubFromWire(stub: pb.AllocationStub): AllocationStub {
  return {
    id: stub.id,
    namespace: stub.namespace,
    evalId: stub.evalId,
    name: stub.name,
    nodeId: stub.nodeId,
    nodeName: stub.nodeName,
    jobId: stub.jobId,
    jobType: jobTypeCodec.fromWire(stub.jobType),
    jobVersion: stub.jobVersion,
    taskGroup: stub.taskGroup,
    desiredStatus: allocDesiredStatusCodec.fromWire(stub.desiredStatus),
    desiredDescription: stub.desiredDescription,
    clientStatus: allocClientStatusCodec.fromWire(stub.clientStatus),
    clientDescription: stub.clientDescription,
    taskStates: mapValues(stub.taskStates, taskStateFromWire),
    deploymentId: stub.deploymentId,
    ...ifPresent("deploymentStatus", stub.deploymentStatus, deploymentStatusFromWire),
    followupEvalId: stub.followupEvalId,
    previousAllocation: stub.previousAllocation,
    nextAllocation: stub.nextAllocation,
    createIndex: stub.createIndex,
    modifyIndex: stub.modifyIndex,
    createTimeMs: stub.createTimeMs,
    modifyTimeMs: stub.modifyTimeMs,
  };
}

// ---------------------------------------------------------------------------------------------
// A client's report on one of its allocations (ClientNode.UpdateAllocations).


export function allocClientUpdateToWire(u: AllocClientUpdate): pb.AllocClientUpdate {
  return {
    allocId: u.allocId,
    clientStatus: allocClientStatusCodec.toWire(u.clientStatus),
    clientDescription: u.clientDescription,
    taskStates: mapValues(u.taskStates, taskStateToWire),
    deploymentStatus: u.deploymentStatus && deploymentStatusToWire(u.deploymentStatus),
    modifyTimeMs: ms(u.modifyTimeMs),
  };
}

export function allocClientUpdateFromWire(u: pb.AllocClientUpdate): AllocClientUpdate {
  return {
    allocId: u.allocId,
    clientStatus: allocClientStatusCodec.fromWire(u.clientStatus),
    clientDescription: u.clientDescription,
    taskStates: mapValues(u.taskStates, taskStateFromWire),
    ...ifPresent("deploymentStatus", u.deploymentStatus, deploymentStatusFromWire),
    modifyTimeMs: u.modifyTimeMs,
  };
}
