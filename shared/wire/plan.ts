// Plans and plan results on the wire.

import type * as pb from "../../proto/index.js";
import type { Allocation, Plan, PlanResult } from "../model/index.js";
import { allocFromWire, allocToWire } from "./alloc.js";
import { ifPresent, mapValues } from "./convert.js";
import { deploymentFromWire, deploymentToWire, deploymentUpdateFromWire, deploymentUpdateToWire } from "./deployment.js";

/** Allocations by node id: a proto map cannot hold lists, so each list is wrapped. */
function byNodeToWire(byNode: Record<string, Allocation[]>): Record<string, pb.AllocationList> {
  return mapValues(byNode, (allocs) => ({ allocations: allocs.map(allocToWire) }));
}

function byNodeFromWire(byNode: Record<string, pb.AllocationList>): Record<string, Allocation[]> {
  return mapValues(byNode, (list) => list.allocations.map(allocFromWire));
}

export function planToWire(plan: Plan): pb.Plan {
  return {
    evalId: plan.evalId,
    snapshotIndex: plan.snapshotIndex,
    priority: plan.priority,
    allAtOnce: plan.allAtOnce,
    jobId: plan.jobId,
    nodeUpdate: byNodeToWire(plan.nodeUpdate),
    nodeAllocation: byNodeToWire(plan.nodeAllocation),
    nodePreemptions: byNodeToWire(plan.nodePreemptions),
    deployment: plan.deployment && deploymentToWire(plan.deployment),
    deploymentUpdates: plan.deploymentUpdates.map(deploymentUpdateToWire),
  };
}

export function planFromWire(plan: pb.Plan): Plan {
  return {
    evalId: plan.evalId,
    snapshotIndex: plan.snapshotIndex,
    priority: plan.priority,
    allAtOnce: plan.allAtOnce,
    jobId: plan.jobId,
    nodeUpdate: byNodeFromWire(plan.nodeUpdate),
    nodeAllocation: byNodeFromWire(plan.nodeAllocation),
    nodePreemptions: byNodeFromWire(plan.nodePreemptions),
    ...ifPresent("deployment", plan.deployment, deploymentFromWire),
    deploymentUpdates: plan.deploymentUpdates.map(deploymentUpdateFromWire),
  };
}

export function planResultToWire(result: PlanResult): pb.PlanResult {
  return {
    nodeUpdate: byNodeToWire(result.nodeUpdate),
    nodeAllocation: byNodeToWire(result.nodeAllocation),
    nodePreemptions: byNodeToWire(result.nodePreemptions),
    deployment: result.deployment && deploymentToWire(result.deployment),
    deploymentUpdates: result.deploymentUpdates.map(deploymentUpdateToWire),
    rejectedNodes: [...result.rejectedNodes],
    refreshIndex: result.refreshIndex,
    allocIndex: result.allocIndex,
  };
}

export function planResultFromWire(result: pb.PlanResult): PlanResult {
  return {
    nodeUpdate: byNodeFromWire(result.nodeUpdate),
    nodeAllocation: byNodeFromWire(result.nodeAllocation),
    nodePreemptions: byNodeFromWire(result.nodePreemptions),
    ...ifPresent("deployment", result.deployment, deploymentFromWire),
    deploymentUpdates: result.deploymentUpdates.map(deploymentUpdateFromWire),
    rejectedNodes: [...result.rejectedNodes],
    refreshIndex: result.refreshIndex,
    allocIndex: result.allocIndex,
  };
}
