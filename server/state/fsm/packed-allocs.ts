// A plan's allocations as the log carries them: packed by packed-rows.ts (see codec.ts), read
// back here into rows of the store's shape. The allocations a scheduler places together are
// alike: same job, evaluation, task group, resources, statuses, empty tables. Written one by one,
// each repeats all of it; packed, what they share is written once and each allocation is a row of
// only the values that differ (its id, name, node and metrics; of the metrics too, only what
// differs: the score table's nodes and values), so entries are smaller to write, replicate, keep
// and parse.

import { unpackRow, type RowPack } from "./packed-rows.js";
import type { AllocationInput } from "./types.js";

/**
 * The allocations back, in order. Each is made as one object literal with the model's fields in a
 * fixed order (a shared hidden class, fields inside the object): built field by field over a copy
 * of the shared values, objects end up with most fields in a side array, and every copy the
 * state store makes of them later is slower.
 */
export function unpackAllocs({ shared, fields, rows, nested }: RowPack): AllocationInput[] {
  const column = new Map(fields.map((f, i) => [f, i]));
  const written = [...Object.keys(shared), ...fields];
  return rows.map((row) => {
    const v = (k: string): never => {
      const i = column.get(k);
      if (i === undefined) return shared[k] as never;
      const inner = nested !== undefined && Object.hasOwn(nested, k) ? nested[k] : undefined;
      return (inner === undefined ? row[i] : unpackRow(inner, row[i] as unknown[])) as never;
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
