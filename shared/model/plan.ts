// A plan is a scheduler's proposal; the leader's plan applier checks and commits it.

import type { Allocation } from "./alloc.js";
import type { Deployment, DeploymentStatusUpdate } from "./deployment.js";

export interface Plan {
  evalId: string;
  /** Raft index of the state snapshot the scheduler read; newer changes force a re-check. */
  snapshotIndex: number;
  priority: number;
  allAtOnce: boolean;
  jobId: string;
  /** Allocations to stop or evict, by node id. */
  nodeUpdate: Record<string, Allocation[]>;
  /** Allocations to create or update in place, by node id. */
  nodeAllocation: Record<string, Allocation[]>;
  nodePreemptions: Record<string, Allocation[]>;
  deployment?: Deployment;
  deploymentUpdates: DeploymentStatusUpdate[];
}

export interface PlanResult {
  nodeUpdate: Record<string, Allocation[]>;
  nodeAllocation: Record<string, Allocation[]>;
  nodePreemptions: Record<string, Allocation[]>;
  deployment?: Deployment;
  deploymentUpdates: DeploymentStatusUpdate[];
  /** Nodes whose part of the plan no longer fit: the worker refreshes and retries them. */
  rejectedNodes: string[];
  /** Raft index the worker must wait for before it re-plans. */
  refreshIndex: number;
  allocIndex: number;
}

export function isPlanEmpty(plan: Plan): boolean {
  const empty = (m: Record<string, Allocation[]>) => Object.values(m).every((a) => a.length === 0);
  return empty(plan.nodeUpdate) && empty(plan.nodeAllocation) && empty(plan.nodePreemptions) &&
    plan.deployment === undefined && plan.deploymentUpdates.length === 0;
}
