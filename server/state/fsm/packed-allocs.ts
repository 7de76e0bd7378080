// A plan's allocations as the log carries them. The allocations a scheduler places together are
// alike: same job, evaluation, task group, resources, statuses, empty tables. Written one by one,
// each repeats all of it (about 600 bytes of a 1,600-byte allocation). Packed, what they all
// share is written once and each allocation is a row of only the values that differ (its id,
// name, node and metrics), so entries are smaller to write, replicate, keep and parse.

import type { AllocationInput } from "./types.js";

/** Allocations with the same fields, packed. */
export interface AllocPack {
  /** Fields with the same value in every allocation of the pack. */
  shared: Record<string, unknown>;
  /** The other fields, in the order of each row's values. */
  fields: string[];
  rows: unknown[][];
}

/** Packing pays off from this many allocations with the same fields. */
const MIN_PACK = 2;

/** Equality of two JSON-like values as they would be written; objects with toJSON only by identity. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if ("toJSON" in a || "toJSON" in b) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let n = 0;
  for (const k in ra) {
    if (!(k in rb) || !sameValue(ra[k], rb[k])) return false;
    n++;
  }
  for (const _ in rb) n--;
  return n === 0;
}

/** The allocation's own fields, without undefined ones (JSON leaves them out too). */
function definedKeys(a: AllocationInput): string[] {
  const out: string[] = [];
  for (const k in a) if ((a as unknown as Record<string, unknown>)[k] !== undefined) out.push(k);
  return out;
}

/**
 * The allocations as one pack, when there are enough of them and they all have the same fields
 * (a scheduler's placements do); undefined otherwise, and they are written as they are.
 */
export function packAllocs(allocs: readonly AllocationInput[]): AllocPack | undefined {
  if (allocs.length < MIN_PACK) return undefined;
  const keys = definedKeys(allocs[0] as AllocationInput);
  const signature = keys.join(",");
  for (const a of allocs) if (definedKeys(a).join(",") !== signature) return undefined;
  const first = allocs[0] as unknown as Record<string, unknown>;
  const shared: Record<string, unknown> = {};
  const fields: string[] = [];
  for (const k of keys) {
    if (allocs.every((a) => sameValue((a as unknown as Record<string, unknown>)[k], first[k]))) shared[k] = first[k];
    else fields.push(k);
  }
  const rows = allocs.map((a) => fields.map((k) => (a as unknown as Record<string, unknown>)[k]));
  return { shared, fields, rows };
}

/**
 * The allocations back, in order. Each is made as one object literal with the model's fields in a
 * fixed order (a shared hidden class, fields inside the object): built field by field over a copy
 * of the shared values, objects end up with most fields in a side array, and every copy the
 * state store makes of them later is slower.
 */
export function unpackAllocs({ shared, fields, rows }: AllocPack): AllocationInput[] {
  const column = new Map(fields.map((f, i) => [f, i]));
  const written = [...Object.keys(shared), ...fields];
  return rows.map((row) => {
    const v = (k: string): never => {
      const i = column.get(k);
      return (i === undefined ? shared[k] : row[i]) as never;
    };
    const a: AllocationInput = {
      id: v("id"), namespace: v("namespace"), evalId: v("evalId"), name: v("name"), nodeId: v("nodeId"), nodeName: v("nodeName"),
      jobId: v("jobId"), job: v("job"), taskGroup: v("taskGroup"), allocatedResources: v("allocatedResources"), metrics: v("metrics"),
      desiredStatus: v("desiredStatus"), desiredDescription: v("desiredDescription"), clientStatus: v("clientStatus"),
      clientDescription: v("clientDescription"), taskStates: v("taskStates"), previousAllocation: v("previousAllocation"),
      nextAllocation: v("nextAllocation"), deploymentId: v("deploymentId"), deploymentStatus: v("deploymentStatus"),
      rescheduleTracker: v("rescheduleTracker"), followupEvalId: v("followupEvalId"), createIndex: v("createIndex"),
      modifyIndex: v("modifyIndex"), allocModifyIndex: v("allocModifyIndex"), createTimeMs: v("createTimeMs"), modifyTimeMs: v("modifyTimeMs"),
    };
    // Fields of a newer model the literal does not name yet still arrive.
    for (const k of written) if (!(k in a)) (a as unknown as Record<string, unknown>)[k] = v(k);
    return a;
  });
}

/** What is wrong with a pack decoded from the log, or undefined when it has the right shape. */
export function packProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "must be an object";
  const { shared, fields, rows } = value as Partial<AllocPack>;
  if (typeof shared !== "object" || shared === null || Array.isArray(shared)) return "\"shared\" must be an object";
  if (!Array.isArray(fields) || !fields.every((f) => typeof f === "string")) return "\"fields\" must be strings";
  if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r) && r.length === fields.length)) {
    return "\"rows\" must be arrays of one value per field";
  }
  return undefined;
}
