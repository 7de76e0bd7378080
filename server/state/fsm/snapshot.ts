// A read-only view of the state at one Raft index. It never changes after it was taken, however
// much the store applies afterwards; taking one costs a pointer copy.
//
// Rows are shared with the store and with other snapshots: treat them as read-only.

import { NO_ALLOC_USAGE, type Allocation, type Deployment, type Evaluation, type Job, type JobSummary, type Node, type NodeAllocUsage } from "../../../shared/model/index.js";
import { allocKey, key, pad, prefix } from "./keys.js";
import type { PMap } from "./pmap.js";
import type { StateData } from "./tables.js";
import type { PrefixRows, PrefixTable, TableName, Variable } from "./types.js";

export const DEFAULT_VARIABLE_NAMESPACE = "default";

export interface PrefixOptions {
  /** Only rows of this namespace (ignored for nodes); all namespaces when left out or "*". */
  namespace?: string;
  /** At most this many rows. */
  limit?: number;
}

function lookup<V>(ids: string[], table: PMap<V>, keyOf: (id: string) => string = (id) => id): V[] {
  const out: V[] = [];
  for (const id of ids) {
    const row = table.get(keyOf(id));
    if (row !== undefined) out.push(row);
  }
  return out;
}

/**
 * The nodes table as a list, made once per version of the table. Schedulers read every node for
 * every evaluation, while the table changes only when a node registers or changes status.
 */
const nodeLists = new WeakMap<PMap<Node>, readonly Node[]>();

export class StateSnapshot {
  constructor(
    /** The underlying tables; for the store and for persisting, not for queries. */
    readonly data: StateData,
  ) {}

  /** The last Raft index applied to this state. */
  get index(): number {
    return this.data.latestIndex;
  }

  /** Raft index of the last write that changed `table` (0 when none has). */
  tableIndex(table: TableName): number {
    return this.data.tableIndexes[table];
  }

  /** The greatest index among `tables`: what a blocking query over them reports. */
  maxIndex(tables: readonly TableName[]): number {
    let max = 0;
    for (const t of tables) max = Math.max(max, this.data.tableIndexes[t]);
    return max;
  }

  // --- jobs -----------------------------------------------------------------------------------

  job(namespace: string, id: string): Job | undefined {
    return this.data.jobs.get(key(namespace, id));
  }

  /** Jobs of one namespace, or of all namespaces, ordered by namespace then id. */
  jobs(namespace?: string): Job[] {
    if (namespace === undefined || namespace === "*") return this.data.jobs.values();
    return this.data.jobs.valuesWithPrefix(prefix(namespace));
  }

  /** Kept versions of a job, newest first. */
  jobVersions(namespace: string, id: string): Job[] {
    return this.data.jobVersions.valuesWithPrefix(prefix(namespace, id)).reverse();
  }

  jobVersion(namespace: string, id: string, version: number): Job | undefined {
    return this.data.jobVersions.get(key(namespace, id, pad(version)));
  }

  isJobVersionStable(namespace: string, id: string, version: number): boolean {
    return this.data.stableVersions.has(key(namespace, id, pad(version)));
  }

  /** The newest kept version marked stable, e.g. to revert to. */
  latestStableJobVersion(namespace: string, id: string): Job | undefined {
    const last = this.data.stableVersions.lastWithPrefix(prefix(namespace, id));
    return last === undefined ? undefined : this.jobVersion(namespace, id, last[1]);
  }

  jobSummary(namespace: string, id: string): JobSummary | undefined {
    return this.data.jobSummaries.get(key(namespace, id));
  }

  // --- nodes ----------------------------------------------------------------------------------

  node(id: string): Node | undefined {
    return this.data.nodes.get(id);
  }

  /** All nodes, ordered by id: one frozen list per version of the nodes table, shared by every reader. */
  nodes(): readonly Node[] {
    let list = nodeLists.get(this.data.nodes);
    if (list === undefined) {
      list = Object.freeze(this.data.nodes.values());
      nodeLists.set(this.data.nodes, list);
    }
    return list;
  }

  // --- allocations ----------------------------------------------------------------------------

  alloc(id: string): Allocation | undefined {
    return this.data.allocs.get(allocKey(id));
  }

  /** Every allocation, oldest first. */
  allocs(): Allocation[] {
    return this.data.allocs.values();
  }

  /** What the node's live allocations take together. */
  nodeUsage(nodeId: string): NodeAllocUsage {
    return this.data.nodeUsage.get(nodeId) ?? NO_ALLOC_USAGE;
  }

  allocsByNode(nodeId: string): Allocation[] {
    return lookup(this.data.allocsByNode.values(nodeId), this.data.allocs, allocKey);
  }

  allocsByJob(namespace: string, jobId: string): Allocation[] {
    return lookup(this.data.allocsByJob.values(key(namespace, jobId)), this.data.allocs, allocKey);
  }

  allocsByEval(evalId: string): Allocation[] {
    return lookup(this.data.allocsByEval.values(evalId), this.data.allocs, allocKey);
  }

  allocsByDeployment(deploymentId: string): Allocation[] {
    return lookup(this.data.allocsByDeployment.values(deploymentId), this.data.allocs, allocKey);
  }

  // --- evaluations ----------------------------------------------------------------------------

  eval(id: string): Evaluation | undefined {
    return this.data.evals.get(id);
  }

  evals(): Evaluation[] {
    return this.data.evals.values();
  }

  evalsByJob(namespace: string, jobId: string): Evaluation[] {
    return lookup(this.data.evalsByJob.values(key(namespace, jobId)), this.data.evals);
  }

  // --- deployments ----------------------------------------------------------------------------

  deployment(id: string): Deployment | undefined {
    return this.data.deployments.get(id);
  }

  deployments(): Deployment[] {
    return this.data.deployments.values();
  }

  /** Deployments of a job, oldest first. */
  deploymentsByJob(namespace: string, jobId: string): Deployment[] {
    return lookup(this.data.deploymentsByJob.valuesWithPrefix(prefix(namespace, jobId)), this.data.deployments);
  }

  /** The job's most recently created deployment. */
  latestDeploymentByJob(namespace: string, jobId: string): Deployment | undefined {
    const last = this.data.deploymentsByJob.lastWithPrefix(prefix(namespace, jobId));
    return last === undefined ? undefined : this.data.deployments.get(last[1]);
  }

  // --- variables ------------------------------------------------------------------------------

  variable(path: string, namespace: string = DEFAULT_VARIABLE_NAMESPACE): Variable | undefined {
    return this.data.variables.get(key(namespace, path));
  }

  /** Variables whose path starts with `pathPrefix`, by path; namespace "*" lists all namespaces. */
  variables(pathPrefix = "", namespace: string = DEFAULT_VARIABLE_NAMESPACE): Variable[] {
    if (namespace === "*") {
      const out: Variable[] = [];
      this.data.variables.forEach((_k, v) => {
        if (v.path.startsWith(pathPrefix)) out.push(v);
      });
      return out;
    }
    return this.data.variables.valuesWithPrefix(prefix(namespace) + pathPrefix);
  }

  // --- prefix lookup --------------------------------------------------------------------------

  /** Rows whose id starts with `idPrefix` (short ids on the command line), ordered by id. */
  byPrefix<T extends PrefixTable>(table: T, idPrefix: string, opts: PrefixOptions = {}): PrefixRows[T][] {
    const limit = opts.limit ?? Infinity;
    const ns = opts.namespace === "*" ? undefined : opts.namespace;
    if (table === "jobs") {
      if (ns !== undefined) return this.data.jobs.valuesWithPrefix(prefix(ns) + idPrefix, limit) as PrefixRows[T][];
      const out: Job[] = [];
      this.data.jobsById.forEachPrefix(idPrefix, (k, id) => {
        const job = this.data.jobs.get(key(k.slice(id.length + 1), id));
        if (job !== undefined) out.push(job);
        return out.length < limit;
      });
      return out as PrefixRows[T][];
    }
    if (table === "nodes") return this.data.nodes.valuesWithPrefix(idPrefix, limit) as PrefixRows[T][];
    if (table === "allocs") return this.allocsWithPrefix(idPrefix, ns, limit) as PrefixRows[T][];
    const source = (table === "evals" ? this.data.evals : this.data.deployments) as PMap<{ namespace: string }>;
    if (ns === undefined) return source.valuesWithPrefix(idPrefix, limit) as PrefixRows[T][];
    const out: { namespace: string }[] = [];
    if (limit <= 0) return [];
    source.forEachPrefix(idPrefix, (_k, row) => {
      if (row.namespace === ns) out.push(row);
      return out.length < limit;
    });
    return out as PrefixRows[T][];
  }

  /**
   * Allocations are kept in creation order (allocKey), not by id: a full id is one lookup, a
   * shorter prefix reads them all.
   */
  private allocsWithPrefix(idPrefix: string, ns: string | undefined, limit: number): Allocation[] {
    const inNamespace = (row: Allocation) => ns === undefined || row.namespace === ns;
    if (idPrefix.length === 36) {
      const row = this.alloc(idPrefix);
      return row !== undefined && inNamespace(row) && limit > 0 ? [row] : [];
    }
    const out: Allocation[] = [];
    this.data.allocs.forEach((_k, row) => {
      if (row.id.startsWith(idPrefix) && inNamespace(row)) out.push(row);
    });
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, limit);
  }

  /** Number of rows in a table. */
  count(table: "jobs" | "nodes" | "allocs" | "evals" | "deployments" | "variables"): number {
    return this.data[table].size;
  }
}
