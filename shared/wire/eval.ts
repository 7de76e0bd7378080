// Evaluations on the wire.

import * as pb from "../../proto/index.js";
import type { EvalStatus, EvalTrigger, Evaluation } from "../model/index.js";
import { allocMetricFromWire, allocMetricToWire } from "./alloc.js";
import { enumCodec, mapValues, ms, stringUnion } from "./convert.js";
import { jobTypeCodec } from "./job.js";

export const evalStatusCodec = enumCodec<EvalStatus, pb.EvalStatus>("Evaluation.status", {
  blocked: pb.EvalStatus.BLOCKED,
  pending: pb.EvalStatus.PENDING,
  complete: pb.EvalStatus.COMPLETE,
  failed: pb.EvalStatus.FAILED,
  canceled: pb.EvalStatus.CANCELED,
});

const evalTrigger = stringUnion<EvalTrigger>("Evaluation.triggeredBy", {
  "job-register": true, "job-deregister": true, "periodic-job": true, "node-drain": true, "node-update": true,
  "alloc-stop": true, scheduled: true, "rolling-update": true, "deployment-watcher": true, "failed-follow-up": true,
  "max-plan-attempts": true, "alloc-failure": true, "queued-allocs": true, preemption: true, "job-scaling": true,
  "max-disconnect-timeout": true, reconnect: true,
});

export function evalToWire(ev: Evaluation): pb.Evaluation {
  return {
    id: ev.id,
    namespace: ev.namespace,
    priority: ev.priority,
    type: jobTypeCodec.toWire(ev.type),
    triggeredBy: ev.triggeredBy,
    jobId: ev.jobId,
    jobModifyIndex: ev.jobModifyIndex,
    nodeId: ev.nodeId,
    nodeModifyIndex: ev.nodeModifyIndex,
    deploymentId: ev.deploymentId,
    status: evalStatusCodec.toWire(ev.status),
    statusDescription: ev.statusDescription,
    waitUntilMs: ms(ev.waitUntilMs),
    nextEval: ev.nextEval,
    previousEval: ev.previousEval,
    blockedEval: ev.blockedEval,
    failedTgAllocs: mapValues(ev.failedTgAllocs, allocMetricToWire),
    classEligibility: { ...ev.classEligibility },
    escapedComputedClass: ev.escapedComputedClass,
    queuedAllocations: { ...ev.queuedAllocations },
    snapshotIndex: ev.snapshotIndex,
    createIndex: ev.createIndex,
    modifyIndex: ev.modifyIndex,
    createTimeMs: ms(ev.createTimeMs),
    modifyTimeMs: ms(ev.modifyTimeMs),
  };
}

export function evalFromWire(ev: pb.Evaluation): Evaluation {
  return {
    id: ev.id,
    namespace: ev.namespace,
    priority: ev.priority,
    type: jobTypeCodec.fromWire(ev.type),
    triggeredBy: evalTrigger(ev.triggeredBy),
    jobId: ev.jobId,
    jobModifyIndex: ev.jobModifyIndex,
    nodeId: ev.nodeId,
    nodeModifyIndex: ev.nodeModifyIndex,
    deploymentId: ev.deploymentId,
    status: evalStatusCodec.fromWire(ev.status),
    statusDescription: ev.statusDescription,
    waitUntilMs: ev.waitUntilMs,
    nextEval: ev.nextEval,
    previousEval: ev.previousEval,
    blockedEval: ev.blockedEval,
    failedTgAllocs: mapValues(ev.failedTgAllocs, allocMetricFromWire),
    classEligibility: { ...ev.classEligibility },
    escapedComputedClass: ev.escapedComputedClass,
    queuedAllocations: { ...ev.queuedAllocations },
    snapshotIndex: ev.snapshotIndex,
    createIndex: ev.createIndex,
    modifyIndex: ev.modifyIndex,
    createTimeMs: ev.createTimeMs,
    modifyTimeMs: ev.modifyTimeMs,
  };
}
