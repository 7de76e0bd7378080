// The whole state as one immutable value: a persistent map per table and per secondary index,
// the per-table indexes and the last applied Raft index. A snapshot is a reference to one.

import type { Allocation, Deployment, Evaluation, Job, JobSummary, Node, NodeAllocUsage } from "../../../shared/model/index.js";
import { PIndex } from "./pindex.js";
import { PMap } from "./pmap.js";
import type { JobCounts } from "./status.js";
import { TABLE_NAMES, type TableName, type Variable } from "./types.js";

export interface StateData {
  /** (namespace, id) → the current version of the job. */
  readonly jobs: PMap<Job>;
  /** (id, namespace) → id: finds jobs by id prefix across namespaces. */
  readonly jobsById: PMap<string>;
  /** (namespace, id, version) → that version; the newest few are kept. */
  readonly jobVersions: PMap<Job>;
  /** (namespace, id, version) → version, for versions marked stable. */
  readonly stableVersions: PMap<number>;
  /** (namespace, id) → allocation counts by task group and client status. */
  readonly jobSummaries: PMap<JobSummary>;
  /** (namespace, id) → live/total allocations and evaluations, to derive job status cheaply. */
  readonly jobCounts: PMap<JobCounts>;
  readonly nodes: PMap<Node>;
  readonly allocs: PMap<Allocation>;
  /**
   * node id → alloc id → alloc id. Ids, not rows: a client's status report then leaves the index
   * as it is, where a row would be written into its node's group on every report.
   */
  readonly allocsByNode: PIndex<string>;
  /** Node id → what its live allocations take together; the scheduler and plan applier read it per check. */
  readonly nodeUsage: PMap<NodeAllocUsage>;
  /** (namespace, job id) → alloc id → alloc id. */
  readonly allocsByJob: PIndex<string>;
  /** eval id → alloc id → alloc id. */
  readonly allocsByEval: PIndex<string>;
  /** deployment id → alloc id → alloc id. */
  readonly allocsByDeployment: PIndex<string>;
  readonly evals: PMap<Evaluation>;
  /** (namespace, job id) → eval id → eval id. */
  readonly evalsByJob: PIndex<string>;
  readonly deployments: PMap<Deployment>;
  /** (namespace, job id, create index, deployment id) → deployment id; the last one is the latest. */
  readonly deploymentsByJob: PMap<string>;
  /** (namespace, path) → variable. */
  readonly variables: PMap<Variable>;
  readonly tableIndexes: Readonly<Record<TableName, number>>;
  readonly latestIndex: number;
}

export type MapField = {
  [K in keyof StateData]: StateData[K] extends PMap<unknown> ? K : never;
}[keyof StateData];

export type IndexField = {
  [K in keyof StateData]: StateData[K] extends PIndex<unknown> ? K : never;
}[keyof StateData];

export function zeroTableIndexes(): Record<TableName, number> {
  const out = {} as Record<TableName, number>;
  for (const t of TABLE_NAMES) out[t] = 0;
  return out;
}

export function emptyState(): StateData {
  return {
    jobs: PMap.empty(),
    jobsById: PMap.empty(),
    jobVersions: PMap.empty(),
    stableVersions: PMap.empty(),
    jobSummaries: PMap.empty(),
    jobCounts: PMap.empty(),
    nodes: PMap.empty(),
    allocs: PMap.empty(),
    allocsByNode: PIndex.empty(),
    nodeUsage: PMap.empty(),
    allocsByJob: PIndex.empty(),
    allocsByEval: PIndex.empty(),
    allocsByDeployment: PIndex.empty(),
    evals: PMap.empty(),
    evalsByJob: PIndex.empty(),
    deployments: PMap.empty(),
    deploymentsByJob: PMap.empty(),
    variables: PMap.empty(),
    tableIndexes: zeroTableIndexes(),
    latestIndex: 0,
  };
}
