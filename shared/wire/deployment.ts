// Deployments on the wire.

import * as pb from "../../proto/index.js";
import type { Deployment, DeploymentState, DeploymentStatusName, DeploymentStatusUpdate } from "../model/index.js";
import { enumCodec, mapValues, ms } from "./convert.js";

export const deploymentStatusNameCodec = enumCodec<DeploymentStatusName, pb.DeploymentStatusName>("Deployment.status", {
  running: pb.DeploymentStatusName.RUNNING,
  paused: pb.DeploymentStatusName.PAUSED,
  failed: pb.DeploymentStatusName.FAILED,
  successful: pb.DeploymentStatusName.SUCCESSFUL,
  cancelled: pb.DeploymentStatusName.CANCELLED,
  pending: pb.DeploymentStatusName.PENDING,
  blocked: pb.DeploymentStatusName.BLOCKED,
  unblocking: pb.DeploymentStatusName.UNBLOCKING,
});

function stateToWire(s: DeploymentState): pb.DeploymentState {
  return {
    autoRevert: s.autoRevert,
    autoPromote: s.autoPromote,
    progressDeadlineMs: ms(s.progressDeadlineMs),
    requireProgressByMs: ms(s.requireProgressByMs),
    promoted: s.promoted,
    placedCanaries: [...s.placedCanaries],
    desiredCanaries: s.desiredCanaries,
    desiredTotal: s.desiredTotal,
    placedAllocs: s.placedAllocs,
    healthyAllocs: s.healthyAllocs,
    unhealthyAllocs: s.unhealthyAllocs,
  };
}

function stateFromWire(s: pb.DeploymentState): DeploymentState {
  return {
    autoRevert: s.autoRevert,
    autoPromote: s.autoPromote,
    progressDeadlineMs: s.progressDeadlineMs,
    requireProgressByMs: s.requireProgressByMs,
    promoted: s.promoted,
    placedCanaries: [...s.placedCanaries],
    desiredCanaries: s.desiredCanaries,
    desiredTotal: s.desiredTotal,
    placedAllocs: s.placedAllocs,
    healthyAllocs: s.healthyAllocs,
    unhealthyAllocs: s.unhealthyAllocs,
  };
}

export function deploymentToWire(d: Deployment): pb.Deployment {
  return {
    id: d.id,
    namespace: d.namespace,
    jobId: d.jobId,
    jobVersion: d.jobVersion,
    jobModifyIndex: d.jobModifyIndex,
    jobCreateIndex: d.jobCreateIndex,
    taskGroups: mapValues(d.taskGroups, stateToWire),
    status: deploymentStatusNameCodec.toWire(d.status),
    statusDescription: d.statusDescription,
    createIndex: d.createIndex,
    modifyIndex: d.modifyIndex,
  };
}

export function deploymentFromWire(d: pb.Deployment): Deployment {
  return {
    id: d.id,
    namespace: d.namespace,
    jobId: d.jobId,
    jobVersion: d.jobVersion,
    jobModifyIndex: d.jobModifyIndex,
    jobCreateIndex: d.jobCreateIndex,
    taskGroups: mapValues(d.taskGroups, stateFromWire),
    status: deploymentStatusNameCodec.fromWire(d.status),
    statusDescription: d.statusDescription,
    createIndex: d.createIndex,
    modifyIndex: d.modifyIndex,
  };
}

export function deploymentUpdateToWire(u: DeploymentStatusUpdate): pb.DeploymentStatusUpdate {
  return {
    deploymentId: u.deploymentId, status: deploymentStatusNameCodec.toWire(u.status), statusDescription: u.statusDescription,
  };
}

export function deploymentUpdateFromWire(u: pb.DeploymentStatusUpdate): DeploymentStatusUpdate {
  return {
    deploymentId: u.deploymentId, status: deploymentStatusNameCodec.fromWire(u.status), statusDescription: u.statusDescription,
  };
}
