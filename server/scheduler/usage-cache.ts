// What each node's live allocations take, kept from one evaluation to the next: a node's entry
// stays valid until what its allocations take changes (the state store's per-node index says
// when). The cached rows may lag on what clients report (status, task states): readers use only
// their resources, namespace, job and group. Scheduling a big job otherwise re-reads and re-sums
// the allocations of thousands of nodes.

import type { Allocation } from "../../shared/model/index.js";
import type { NodeUsage } from "./resources.js";

export interface CachedNodeUsage {
  /** The node's allocation index this was computed at. */
  index: number;
  /** Live allocations only; shared, so never to be changed by a reader. */
  allocs: readonly Allocation[];
  usage: Readonly<NodeUsage>;
}

export class NodeUsageCache {
  private readonly entries = new Map<string, CachedNodeUsage>();

  get(nodeId: string, index: number): CachedNodeUsage | undefined {
    const entry = this.entries.get(nodeId);
    return entry !== undefined && entry.index === index ? entry : undefined;
  }

  set(nodeId: string, entry: CachedNodeUsage): void {
    this.entries.set(nodeId, entry);
  }

  /** Nodes that are gone stay until replaced; a cache per leader term keeps this bounded by the cluster. */
  get size(): number {
    return this.entries.size;
  }
}
