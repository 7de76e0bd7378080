// Optimistic concurrency for plans (Nomad's evaluatePlan): schedulers plan on snapshots that may
// be stale by the time the plan arrives, so the applier re-checks every node the plan touches
// against the latest state and keeps only the parts that still fit.

import { withAllocUsage, type Plan } from "../../shared/model/index.js";
import { isTerminal, usageFits } from "../scheduler/index.js";
import type { StateSnapshot } from "../state/index.js";

export interface PlanEvaluation {
  /** The plan restricted to the nodes that still fit (all of it, or nothing for all-at-once). */
  accepted: Plan;
  /** Nodes whose part no longer fits, with why. */
  rejected: Map<string, string>;
}

/**
 * Why a node cannot take the plan's allocations for it, or undefined when it can. `pending` are
 * plans proposed before this one whose commit is still under way: only new placements (see
 * PlanApplier), counted on top of the state wherever the state does not hold them yet.
 */
export function checkNode(snap: StateSnapshot, plan: Plan, nodeId: string, pending: readonly Plan[] = []): string | undefined {
  const placing = plan.nodeAllocation[nodeId] ?? [];
  // Only stopping allocations always fits, even on a node that is gone.
  if (placing.length === 0) return undefined;
  const node = snap.node(nodeId);
  if (!node) return "node does not exist";
  const adds = placing.some((a) => snap.alloc(a.id)?.nodeId !== nodeId);
  if (adds && node.status !== "ready") return `node is ${node.status}`;
  if (adds && node.schedulingEligibility === "ineligible") return "node is not eligible for scheduling";
  // The node's usage as the state keeps it, less what the plan stops or replaces, plus what it places.
  let usage = snap.nodeUsage(nodeId);
  for (const earlier of pending) {
    for (const a of earlier.nodeAllocation[nodeId] ?? []) if (!isTerminal(a) && snap.alloc(a.id) === undefined) usage = withAllocUsage(usage, a, 1);
  }
  const gone = new Set<string>();
  for (const list of [plan.nodeUpdate[nodeId], plan.nodePreemptions[nodeId], placing]) for (const a of list ?? []) gone.add(a.id);
  for (const id of gone) {
    const row = snap.alloc(id);
    if (row !== undefined && row.nodeId === nodeId && !isTerminal(row)) usage = withAllocUsage(usage, row, -1);
  }
  for (const a of placing) if (!isTerminal(a)) usage = withAllocUsage(usage, a, 1);
  const fit = usageFits(node, usage);
  return fit.fit ? undefined : `${fit.dimension} exhausted`;
}

export function evaluatePlan(snap: StateSnapshot, plan: Plan, pending: readonly Plan[] = []): PlanEvaluation {
  const nodes = new Set([...Object.keys(plan.nodeAllocation), ...Object.keys(plan.nodeUpdate), ...Object.keys(plan.nodePreemptions)]);
  const rejected = new Map<string, string>();
  for (const nodeId of nodes) {
    const why = checkNode(snap, plan, nodeId, pending);
    if (why !== undefined) rejected.set(nodeId, why);
  }
  if (rejected.size === 0) return { accepted: plan, rejected };
  if (plan.allAtOnce) {
    const { deployment: _dropped, ...rest } = plan;
    return { accepted: { ...rest, nodeUpdate: {}, nodeAllocation: {}, nodePreemptions: {}, deploymentUpdates: [] }, rejected };
  }
  const keep = <T>(m: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(m).filter(([nodeId]) => !rejected.has(nodeId)));
  return {
    accepted: { ...plan, nodeUpdate: keep(plan.nodeUpdate), nodeAllocation: keep(plan.nodeAllocation), nodePreemptions: keep(plan.nodePreemptions) },
    rejected,
  };
}
