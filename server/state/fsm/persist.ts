// The whole state as bytes, for Raft snapshots: a header line naming the format and its version,
// then one JSON document with every primary table and the indexes. Secondary indexes and
// counters are derived, so they are rebuilt on restore rather than stored.
//
// Allocations carry a copy of their job; most of them share the very same job object (the plan's
// job), so jobs are written once into a pool and referred to by position, which keeps snapshots
// small and gives the restored state the same sharing.

import {
  NO_ALLOC_USAGE, withAllocUsage, type Allocation, type Deployment, type Evaluation, type Job, type JobSummary, type Node, type NodeAllocUsage,
} from "../../../shared/model/index.js";
import { StateRestoreError } from "../errors.js";
import { key, pad } from "./keys.js";
import { PMap } from "./pmap.js";
import { addCounts, isAllocTerminal, isEvalTerminal, NO_COUNTS, type JobCounts } from "./status.js";
import { zeroTableIndexes, type StateData } from "./tables.js";
import { TABLE_NAMES, type TableName, type Variable } from "./types.js";

const MAGIC = "nomadish-state";
export const SNAPSHOT_FORMAT_VERSION = 1;

type StoredAlloc = Omit<Allocation, "job"> & { job: number };

interface SnapshotDocV1 {
  latestIndex: number;
  tableIndexes: Record<TableName, number>;
  jobPool: Job[];
  /** Positions in jobPool. */
  jobs: number[];
  jobVersions: number[];
  /** [namespace, job id, version] of versions marked stable. */
  stableVersions: [string, string, number][];
  jobSummaries: JobSummary[];
  nodes: Node[];
  allocs: StoredAlloc[];
  /** [node id, index of the last change to its allocations]; the usage itself is summed from the allocations. Absent in older snapshots. */
  nodeAllocsIndex?: [string, number][];
  evals: Evaluation[];
  deployments: Deployment[];
  variables: Variable[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function persistState(state: StateData): Uint8Array {
  const pool: Job[] = [];
  const positions = new Map<Job, number>();
  const ref = (job: Job): number => {
    let at = positions.get(job);
    if (at === undefined) {
      at = pool.length;
      pool.push(job);
      positions.set(job, at);
    }
    return at;
  };
  const doc: SnapshotDocV1 = {
    latestIndex: state.latestIndex,
    tableIndexes: { ...state.tableIndexes },
    jobPool: pool,
    jobs: state.jobs.values().map(ref),
    jobVersions: state.jobVersions.values().map(ref),
    stableVersions: state.stableVersions.entries().map(([k, version]) => {
      const [namespace = "", jobId = ""] = k.split("\u0000");
      return [namespace, jobId, version];
    }),
    jobSummaries: state.jobSummaries.values(),
    nodes: state.nodes.values(),
    allocs: state.allocs.values().map((a) => ({ ...a, job: ref(a.job) })),
    nodeAllocsIndex: state.nodeUsage.entries().map(([nodeId, usage]) => [nodeId, usage.modifyIndex]),
    evals: state.evals.values(),
    deployments: state.deployments.values(),
    variables: state.variables.values(),
  };
  return encoder.encode(`${MAGIC} ${SNAPSHOT_FORMAT_VERSION}\n${JSON.stringify(doc)}`);
}

/**
 * Each node's usage, summed from its live allocations, with the index of its last change as the
 * snapshot recorded it. A snapshot from before that was recorded counts every node with
 * allocations as changed at its own index: a client watching from earlier re-reads them.
 */
function nodeUsages(changed: [string, number][] | undefined, allocs: readonly Allocation[], index: number): [string, NodeAllocUsage][] {
  const byNode = new Map<string, NodeAllocUsage>();
  for (const [nodeId, modifyIndex] of changed ?? []) byNode.set(nodeId, { ...NO_ALLOC_USAGE, modifyIndex });
  for (const a of allocs) {
    if (!isAllocTerminal(a)) byNode.set(a.nodeId, withAllocUsage(byNode.get(a.nodeId) ?? { ...NO_ALLOC_USAGE, modifyIndex: index }, a, 1));
  }
  return [...byNode];
}

function sorted<V>(entries: [string, V][]): PMap<V> {
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (let i = 1; i < entries.length; i++) {
    if ((entries[i - 1] as [string, V])[0] === (entries[i] as [string, V])[0]) {
      throw new StateRestoreError(`state snapshot holds two rows with the key ${JSON.stringify((entries[i] as [string, V])[0])}`);
    }
  }
  return PMap.fromSorted(entries);
}

function array<T>(doc: Record<string, unknown>, field: string): T[] {
  const value = doc[field];
  if (!Array.isArray(value)) throw new StateRestoreError(`state snapshot is missing its "${field}" table`);
  return value as T[];
}

export function restoreState(bytes: Uint8Array): StateData {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new StateRestoreError("not a state snapshot: the bytes are not UTF-8 text");
  }
  const newline = text.indexOf("\n");
  const header = newline < 0 ? text.slice(0, 40) : text.slice(0, newline);
  const match = /^nomadish-state (\d+)$/.exec(header);
  if (!match) throw new StateRestoreError(`not a state snapshot: it starts with ${JSON.stringify(header.slice(0, 40))}`);
  const version = Number(match[1]);
  if (version !== SNAPSHOT_FORMAT_VERSION) {
    throw new StateRestoreError(`state snapshot format version ${version} is not supported (this server reads version ${SNAPSHOT_FORMAT_VERSION})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.slice(newline + 1));
  } catch (err) {
    throw new StateRestoreError(`state snapshot is corrupt: ${(err as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new StateRestoreError("state snapshot is corrupt: not an object");
  return rebuild(raw as Record<string, unknown>);
}

function rebuild(doc: Record<string, unknown>): StateData {
  const pool = array<Job>(doc, "jobPool");
  const job = (at: number): Job => {
    const found = pool[at];
    if (found === undefined) throw new StateRestoreError(`state snapshot refers to job ${at} of ${pool.length}`);
    return found;
  };
  const latestIndex = doc["latestIndex"];
  if (typeof latestIndex !== "number") throw new StateRestoreError("state snapshot has no index");
  const tableIndexes = zeroTableIndexes();
  const storedIndexes = (doc["tableIndexes"] ?? {}) as Record<string, unknown>;
  for (const t of TABLE_NAMES) {
    const v = storedIndexes[t];
    if (typeof v === "number") tableIndexes[t] = v;
  }

  const jobs = array<number>(doc, "jobs").map(job);
  const versions = array<number>(doc, "jobVersions").map(job);
  const allocs = array<StoredAlloc>(doc, "allocs").map((a): Allocation => ({ ...a, job: job(a.job) }));
  const evals = array<Evaluation>(doc, "evals");
  const deployments = array<Deployment>(doc, "deployments");

  const counts = new Map<string, JobCounts>();
  const count = (namespace: string, jobId: string, delta: Partial<JobCounts>) => {
    const k = key(namespace, jobId);
    const next = addCounts(counts.get(k) ?? NO_COUNTS, delta);
    if (next === undefined) counts.delete(k);
    else counts.set(k, next);
  };
  for (const a of allocs) count(a.namespace, a.jobId, { allocs: 1, liveAllocs: isAllocTerminal(a) ? 0 : 1 });
  for (const e of evals) {
    count(e.namespace, e.jobId, { evals: 1, liveEvals: isEvalTerminal(e) ? 0 : 1, blockedEvals: e.status === "blocked" ? 1 : 0 });
  }

  return {
    jobs: sorted(jobs.map((j) => [key(j.namespace, j.id), j])),
    jobsById: sorted(jobs.map((j) => [key(j.id, j.namespace), j.id])),
    jobVersions: sorted(versions.map((j) => [key(j.namespace, j.id, pad(j.version)), j])),
    stableVersions: sorted(array<[string, string, number]>(doc, "stableVersions").map(([ns, id, v]) => [key(ns, id, pad(v)), v])),
    jobSummaries: sorted(array<JobSummary>(doc, "jobSummaries").map((s) => [key(s.namespace, s.jobId), s])),
    jobCounts: sorted([...counts.entries()]),
    nodes: sorted(array<Node>(doc, "nodes").map((n) => [n.id, n])),
    allocs: sorted(allocs.map((a) => [a.id, a])),
    allocsByNode: sorted(allocs.map((a) => [key(a.nodeId, a.id), a])),
    nodeUsage: sorted(nodeUsages(doc["nodeAllocsIndex"] === undefined ? undefined : array<[string, number]>(doc, "nodeAllocsIndex"), allocs, latestIndex)),
    allocsByJob: sorted(allocs.map((a) => [key(a.namespace, a.jobId, a.id), a.id])),
    allocsByEval: sorted(allocs.filter((a) => a.evalId !== "").map((a) => [key(a.evalId, a.id), a.id])),
    allocsByDeployment: sorted(allocs.filter((a) => a.deploymentId !== "").map((a) => [key(a.deploymentId, a.id), a.id])),
    evals: sorted(evals.map((e) => [e.id, e])),
    evalsByJob: sorted(evals.map((e) => [key(e.namespace, e.jobId, e.id), e.id])),
    deployments: sorted(deployments.map((d) => [d.id, d])),
    deploymentsByJob: sorted(deployments.map((d) => [key(d.namespace, d.jobId, pad(d.createIndex), d.id), d.id])),
    variables: sorted(array<Variable>(doc, "variables").map((v) => [key(v.namespace, v.path), v])),
    tableIndexes,
    latestIndex,
  };
}
