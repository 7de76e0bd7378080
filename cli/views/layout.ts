// Nomad's tables and key = value blocks show an empty cell as "<none>" (columnize's Empty).

import { columns, keyValues } from "../format.js";

const orNone = (cell: string) => (cell === "" ? "<none>" : cell);

/** Aligned columns, the first row the header; empty cells read "<none>". */
export function table(rows: readonly (readonly string[])[]): string {
  return columns(rows.map((row) => row.map(orNone)));
}

/** `Key = value` lines; empty values read "<none>". */
export function kv(pairs: readonly (readonly [string, string])[]): string {
  // A value that starts on its own line (a diff) leaves no trailing space after "=".
  return keyValues(pairs.map(([k, v]) => [k, orNone(v)] as const)).replace(/ +\n/g, "\n");
}
