// Many alike objects as the log carries them: a plan's placements, a batch of client reports.
// Written one by one, each repeats every key and every value they share (a report's status and
// task state, a placement's metric counts and score table names). Packed, the values all rows
// share are written once, each row holds only the values that differ, and a field whose values
// are themselves alike objects is packed the same way, one level further down (a report's task
// states, a placement's metric). Entries get smaller to write, replicate, keep and parse.

/** Objects with the same keys, packed. */
export interface RowPack {
  /** Fields with the same value in every row. */
  shared: Record<string, unknown>;
  /** The other fields, in the order of each row's values. */
  fields: string[];
  rows: unknown[][];
  /** Fields whose values are packs themselves: each row holds that pack's row for the field. */
  nested?: Record<string, Omit<RowPack, "rows">>;
}

/** Packing pays off from this many rows. */
const MIN_ROWS = 2;
/** How many levels of objects are packed within each other. */
const MAX_DEPTH = 3;

type Plain = Record<string, unknown>;

/** Sets an own property, "__proto__" included (an assignment to that name sets the prototype). */
function setOwn(o: Plain, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

/** The value as JSON would write it: objects with toJSON turned into what they write. */
function asWritten(value: unknown): unknown {
  if (typeof value === "object" && value !== null && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return (value as { toJSON(): unknown }).toJSON();
  }
  return value;
}

function isPlain(value: unknown): value is Plain {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Equality of two JSON values (after asWritten). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(asWritten(a[i]), asWritten(b[i]))) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  let n = 0;
  for (const k in a) {
    const va = (a as Plain)[k];
    if (va === undefined) continue;
    if (!sameValue(asWritten(va), asWritten((b as Plain)[k]))) return false;
    n++;
  }
  for (const k in b) if ((b as Plain)[k] !== undefined) n--;
  return n === 0;
}

/** The object's keys that JSON writes (those with a defined value), in order. */
function writtenKeys(o: Plain): string[] {
  const out: string[] = [];
  for (const k in o) if (o[k] !== undefined) out.push(k);
  return out;
}

/** Whether the object writes exactly these keys, in this order. */
function writesKeys(o: Plain, keys: readonly string[]): boolean {
  let i = 0;
  for (const k in o) {
    if (o[k] === undefined) continue;
    if (keys[i] !== k) return false;
    i++;
  }
  return i === keys.length;
}

function pack(objects: readonly Plain[], depth: number): RowPack | undefined {
  const first = objects[0];
  if (first === undefined) return undefined;
  const keys = writtenKeys(first);
  for (const o of objects) if (!writesKeys(o, keys)) return undefined;
  const shared: Plain = {};
  const fields: string[] = [];
  const columns: unknown[][] = [];
  let nested: Record<string, Omit<RowPack, "rows">> | undefined;
  for (const k of keys) {
    const column = objects.map((o) => asWritten(o[k]));
    const v0 = column[0];
    if (column.every((v) => sameValue(v, v0))) {
      setOwn(shared, k, v0);
      continue;
    }
    const inner = depth < MAX_DEPTH && column.every(isPlain) ? pack(column as Plain[], depth + 1) : undefined;
    fields.push(k);
    if (inner === undefined) {
      columns.push(column);
    } else {
      const { rows, ...layout } = inner;
      setOwn((nested ??= {}) as Plain, k, layout);
      columns.push(rows);
    }
  }
  const rows = objects.map((_, i) => columns.map((c) => c[i]));
  return nested === undefined ? { shared, fields, rows } : { shared, fields, rows, nested };
}

/**
 * The objects as one pack, when there are enough of them and they all write the same keys;
 * undefined otherwise (they are then written as they are).
 */
export function packRows(objects: readonly object[]): RowPack | undefined {
  if (objects.length < MIN_ROWS) return undefined;
  return pack(objects.map(asWritten) as Plain[], 1);
}

/** One row of a pack (or of a nested field's pack) back as its object. */
export function unpackRow(layout: Omit<RowPack, "rows">, row: readonly unknown[]): Plain {
  const o: Plain = { ...layout.shared };
  const { fields, nested } = layout;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as string;
    const inner = nested !== undefined && Object.hasOwn(nested, f) ? nested[f] : undefined;
    setOwn(o, f, inner === undefined ? row[i] : unpackRow(inner, row[i] as unknown[]));
  }
  return o;
}

/** The objects back, in order, each with the shared values and its own. */
export function unpackRows(pack: RowPack): Plain[] {
  return pack.rows.map((row) => unpackRow(pack, row));
}

/** What is wrong with a pack's layout and its rows, or undefined when they fit together. */
function layoutProblem(layout: unknown, rows: readonly unknown[], depth: number): string | undefined {
  if (!isPlain(layout)) return "must be an object";
  const { shared, fields, nested } = layout as Partial<RowPack>;
  if (!isPlain(shared)) return "\"shared\" must be an object";
  if (!Array.isArray(fields) || !fields.every((f) => typeof f === "string")) return "\"fields\" must be strings";
  if (!rows.every((r) => Array.isArray(r) && r.length === fields.length)) return "\"rows\" must be arrays of one value per field";
  if (nested === undefined) return undefined;
  if (!isPlain(nested) || depth >= MAX_DEPTH) return "\"nested\" must be an object of packs";
  for (const [field, inner] of Object.entries(nested)) {
    const at = fields.indexOf(field);
    if (at < 0) return `"nested" names ${JSON.stringify(field)}, which is not a field`;
    const problem = layoutProblem(inner, rows.map((r) => (r as unknown[])[at]), depth + 1);
    if (problem !== undefined) return `"nested.${field}" ${problem}`;
  }
  return undefined;
}

/** What is wrong with a pack decoded from the log, or undefined when it has the right shape. */
export function rowPackProblem(value: unknown): string | undefined {
  if (!isPlain(value)) return "must be an object";
  const { rows } = value as Partial<RowPack>;
  if (!Array.isArray(rows)) return "\"rows\" must be an array";
  return layoutProblem(value, rows, 1);
}
