// Key encodings of the tables and secondary indexes. Parts are joined with NUL, which no id,
// namespace or path contains, so `prefix(a, b)` finds exactly the rows under (a, b).

export const SEP = "\u0000";

export function key(...parts: string[]): string {
  return parts.join(SEP);
}

/** A key prefix that matches every key whose leading parts are `parts`. */
export function prefix(...parts: string[]): string {
  return parts.join(SEP) + SEP;
}

/** Numbers as fixed-width text so they sort numerically. */
export function pad(n: number): string {
  return n.toString().padStart(16, "0");
}

/** The last part of a composite key: the id a secondary index points to. */
export function lastPart(k: string): string {
  return k.slice(k.lastIndexOf(SEP) + 1);
}

/**
 * The allocations table's key for an id: what follows the id's first 8 characters, then those.
 * Ids made by shared/ids.ts carry their creation time there, so rows sort in creation order;
 * any other id is merely reordered the same way.
 */
export function allocKey(id: string): string {
  return id.length === 36 ? id.slice(9) + id.slice(0, 8) : id;
}
