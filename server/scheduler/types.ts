// What the placement engine reads and what it returns.

import type { AllocatedResources, Allocation, AllocMetric, Node, NodeAllocUsage } from "../../shared/model/index.js";

/**
 * A read-only view of the cluster. The state store's `StateSnapshot` satisfies it; rows are
 * shared and must not be modified.
 */
export interface PlacementState {
  /** Every node. The same list while the nodes stay the same, a new one after any change: derived data is cached per list. */
  nodes(): readonly Node[];
  allocsByNode(nodeId: string): Allocation[];
  allocsByJob(namespace: string, jobId: string): Allocation[];
  alloc(id: string): Allocation | undefined;
  /** What the node's live allocations take together (the state store keeps it as they change). */
  nodeUsage(nodeId: string): NodeAllocUsage;
}

/**
 * The plan being built, as far as placement cares: what it already places and what it stops,
 * by node id. A `Plan` from the model satisfies it. Placement re-reads it on every selection, so
 * the caller appends each placement it accepts before selecting the next one.
 */
export interface PlanView {
  /** Allocations the plan creates (or updates in place), by node id. */
  nodeAllocation: Readonly<Record<string, readonly Allocation[]>>;
  /** Allocations the plan stops or evicts, by node id: their resources count as free. */
  nodeUpdate: Readonly<Record<string, readonly Allocation[]>>;
  /** Allocations the plan preempts, by node id: also free. */
  nodePreemptions?: Readonly<Record<string, readonly Allocation[]>>;
}

export const EMPTY_PLAN: PlanView = { nodeAllocation: {}, nodeUpdate: {} };

/** Per-placement hints. */
export interface SelectOptions {
  /** Nodes where the allocation being replaced failed: each scores a -1 penalty. */
  penaltyNodeIds?: readonly string[];
  /** Nodes to try first (e.g. the previous node of an allocation with a sticky disk); all nodes are tried if none fits. */
  preferredNodeIds?: readonly string[];
}

/** A node that can run the group, what it would get there and why it won. */
export interface PlacedNode {
  node: Node;
  resources: AllocatedResources;
  /** The normalized (final) score. */
  score: number;
  /** Each scorer's score on this node, plus `normalized-score`. */
  scores: Record<string, number>;
  metrics: AllocMetric;
}

/** No node can run the group; `metrics` says why. */
export interface NoNode {
  node: undefined;
  metrics: AllocMetric;
}

export type Placement = PlacedNode | NoNode;
