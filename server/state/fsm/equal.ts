// Structural equality of JSON-like values, and the job spec comparison that decides whether a
// registration makes a new version.

import type { Job } from "../../../shared/model/index.js";

/**
 * Deep equality of plain data (objects, arrays, strings, numbers, booleans, null). A property
 * holding `undefined` counts as absent, as it would after a trip through JSON.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b);
  }
  const aArray = Array.isArray(a);
  if (aArray !== Array.isArray(b)) return false;
  if (aArray) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  return objectsEqual(a as Record<string, unknown>, b as Record<string, unknown>, undefined);
}

function objectsEqual(x: Record<string, unknown>, y: Record<string, unknown>, ignore: ReadonlySet<string> | undefined): boolean {
  let defined = 0;
  for (const k in x) {
    if (ignore?.has(k)) continue;
    const v = x[k];
    if (v === undefined) continue;
    defined += 1;
    if (!Object.prototype.hasOwnProperty.call(y, k) || !deepEqual(v, y[k])) return false;
  }
  for (const k in y) {
    if (ignore?.has(k)) continue;
    if (y[k] !== undefined) defined -= 1;
  }
  return defined === 0;
}

/** Fields the servers set on a job; they are not part of what the user asked for. */
const SERVER_SET_JOB_FIELDS: ReadonlySet<string> = new Set([
  "status", "version", "submitTimeMs", "createIndex", "modifyIndex", "jobModifyIndex",
]);

/** True when two jobs ask for the same thing (Nomad's `Job.SpecChanged`, negated). */
export function jobSpecEqual(a: Job, b: Job): boolean {
  return objectsEqual(a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>, SERVER_SET_JOB_FIELDS);
}
