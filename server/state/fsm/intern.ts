// Sharing in stored allocation rows. Every row decoded from the log arrives with its own copy of
// strings and objects that thousands of other rows hold too: the node's id and name, the job's
// id, the evaluation's id, the same allocated resources for every allocation of a group, empty
// metric tables, score tables as objects. A million allocations carry a million copies of each, so rows are made to point
// at one shared value instead. Shared objects are frozen: stored rows are never changed in place.

import type {
  AllocatedResources, Allocation, AllocMetric, Job, Node, TaskEvent, TaskState,
} from "../../../shared/model/index.js";
import { holdsExclusive } from "../../../shared/model/index.js";
import { PackedAllocMetric, type CompactAllocMetric } from "./packed-metric.js";

/** Strings and objects by value, forgotten wholesale when too many distinct ones pile up. */
class Pool<T> {
  private readonly values = new Map<string, T>();

  constructor(private readonly limit: number) {}

  get(key: string, value: T): T {
    const known = this.values.get(key);
    if (known !== undefined) return known;
    if (this.values.size >= this.limit) this.values.clear();
    this.values.set(key, value);
    return value;
  }
}

const strings = new Pool<string>(100_000);
const resources = new Pool<AllocatedResources>(10_000);
const EMPTY_COUNTS: Record<string, number> = Object.freeze({}) as Record<string, number>;
const NO_DETAILS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_STRINGS: string[] = Object.freeze([]) as unknown as string[];
const NO_RESCHEDULES: Allocation["rescheduleTracker"] = Object.freeze([]) as unknown as Allocation["rescheduleTracker"];

function str(s: string): string {
  return s.length > 256 ? s : strings.get(s, s);
}

/** Allocated resources without ports, cores or devices are the same for every allocation of a group size: share them. */
function sharedResources(r: AllocatedResources): AllocatedResources {
  if (holdsExclusive(r)) return r;
  let k = `${r.diskMb}`;
  for (const name in r.tasks) {
    const t = r.tasks[name];
    if (t !== undefined) k += `|${name}:${t.cpuMhz}:${t.memoryMb}:${t.memoryMaxMb}`;
  }
  const known = resources.get(k, r);
  if (known === r) deepFreeze(r);
  return known;
}

function deepFreeze(value: object): void {
  Object.freeze(value);
  for (const v of Object.values(value)) if (typeof v === "object" && v !== null && !Object.isFrozen(v)) deepFreeze(v as object);
}

function counts(m: Record<string, number>): Record<string, number> {
  for (const _ in m) return m;
  return EMPTY_COUNTS;
}

/**
 * Score tables name a dozen nodes per allocation: their ids come from the string pool, a hash
 * lookup, rather than from the nodes table, a tree walk comparing ids.
 */
function sharedMetrics(m: AllocMetric | CompactAllocMetric): AllocMetric {
  if (m instanceof PackedAllocMetric) return m;
  return PackedAllocMetric.pack({
    ...m,
    nodesAvailable: counts(m.nodesAvailable),
    classFiltered: counts(m.classFiltered),
    constraintFiltered: counts(m.constraintFiltered),
    classExhausted: counts(m.classExhausted),
    dimensionExhausted: counts(m.dimensionExhausted),
    quotaExhausted: m.quotaExhausted.length === 0 ? NO_STRINGS : m.quotaExhausted,
  } as AllocMetric | CompactAllocMetric, str);
}

function sharedEvent(e: TaskEvent): TaskEvent {
  let empty = true;
  for (const _ in e.details) {
    empty = false;
    break;
  }
  return {
    ...e,
    type: str(e.type),
    message: str(e.message),
    details: empty ? NO_DETAILS : e.details,
  };
}

/**
 * The same string as V8 keeps property names: internalized. Node ids key plain-object records
 * all through the scheduler (a plan's allocations and stops by node). Looking a key up that is not
 * internalized searches V8's string table every time, and such lookups were most of what the
 * scheduler spent on each node it considered. A node row's id (and so every allocation's node id,
 * which is taken from the row) is therefore stored internalized.
 */
export function internalized(s: string): string {
  const holder: Record<string, true> = {};
  holder[s] = true;
  for (const k in holder) return k;
  return s;
}

/** A node row with its id internalized (see above). */
export function nodeRow(node: Node): Node {
  return { ...node, id: internalized(node.id) };
}

/** A client's description of an allocation's status ("Tasks are running"), shared. */
export const sharedDescription = str;

/** Task states as a client reported them, with their repeated strings shared. */
export function sharedTaskStates(states: Record<string, TaskState>): Record<string, TaskState> {
  const out: Record<string, TaskState> = {};
  for (const name in states) {
    const s = states[name];
    if (s !== undefined) out[str(name)] = { ...s, state: str(s.state) as TaskState["state"], events: s.events.map(sharedEvent) };
  }
  return out;
}

/** An allocation row pointing at shared values wherever it holds a copy of one. */
export function sharedAllocation(row: Allocation, job: Job, nodes: (id: string) => Node | undefined): Allocation {
  const node = nodes(row.nodeId);
  const group = job.taskGroups.find((g) => g.name === row.taskGroup);
  return {
    ...row,
    namespace: job.namespace === row.namespace ? job.namespace : str(row.namespace),
    jobId: job.id === row.jobId ? job.id : str(row.jobId),
    nodeId: node?.id ?? str(row.nodeId),
    nodeName: node !== undefined && node.name === row.nodeName ? node.name : str(row.nodeName),
    taskGroup: group?.name ?? str(row.taskGroup),
    evalId: str(row.evalId),
    desiredDescription: str(row.desiredDescription),
    clientDescription: str(row.clientDescription),
    rescheduleTracker: row.rescheduleTracker.length === 0 ? NO_RESCHEDULES : row.rescheduleTracker,
    deploymentId: str(row.deploymentId),
    allocatedResources: sharedResources(row.allocatedResources),
    metrics: sharedMetrics(row.metrics),
    taskStates: sharedTaskStates(row.taskStates),
  };
}

/**
 * The row as one object literal with every field in a fixed order: rows then share one shape and
 * keep their fields inside the object. Rows made by spreading another object keep most of them in
 * a second array, which costs a few hundred bytes per row. A deployment's allocations carry a
 * deployment status: theirs is a second literal, since a field added after the literal would go
 * to that second array again (and give every such row a shape of its own).
 */
export function allocRow(a: Allocation): Allocation {
  if (a.deploymentStatus !== undefined) {
    return {
      id: a.id, namespace: a.namespace, evalId: a.evalId, name: a.name, nodeId: a.nodeId, nodeName: a.nodeName, jobId: a.jobId, job: a.job,
      taskGroup: a.taskGroup, allocatedResources: a.allocatedResources, metrics: a.metrics, desiredStatus: a.desiredStatus,
      desiredDescription: a.desiredDescription, clientStatus: a.clientStatus, clientDescription: a.clientDescription, taskStates: a.taskStates,
      previousAllocation: a.previousAllocation, nextAllocation: a.nextAllocation, deploymentId: a.deploymentId,
      rescheduleTracker: a.rescheduleTracker, followupEvalId: a.followupEvalId, createIndex: a.createIndex, modifyIndex: a.modifyIndex,
      allocModifyIndex: a.allocModifyIndex, createTimeMs: a.createTimeMs, modifyTimeMs: a.modifyTimeMs, deploymentStatus: a.deploymentStatus,
    };
  }
  return {
    id: a.id, namespace: a.namespace, evalId: a.evalId, name: a.name, nodeId: a.nodeId, nodeName: a.nodeName, jobId: a.jobId, job: a.job,
    taskGroup: a.taskGroup, allocatedResources: a.allocatedResources, metrics: a.metrics, desiredStatus: a.desiredStatus,
    desiredDescription: a.desiredDescription, clientStatus: a.clientStatus, clientDescription: a.clientDescription, taskStates: a.taskStates,
    previousAllocation: a.previousAllocation, nextAllocation: a.nextAllocation, deploymentId: a.deploymentId,
    rescheduleTracker: a.rescheduleTracker, followupEvalId: a.followupEvalId, createIndex: a.createIndex, modifyIndex: a.modifyIndex,
    allocModifyIndex: a.allocModifyIndex, createTimeMs: a.createTimeMs, modifyTimeMs: a.modifyTimeMs,
  };
}
