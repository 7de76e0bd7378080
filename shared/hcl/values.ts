import type { Range } from "./source.js";

/** An evaluated HCL value. Arrays are tuples/lists/sets; plain objects are objects/maps. */
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
export type ValueObject = { [key: string]: Value };

/** A function callable from HCL. Throw HclError (or Error) for bad arguments. */
export type HclFunction = (args: Value[], call: { range: Range }) => Value;

export function isObject(v: Value): v is ValueObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function typeName(v: Value): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "tuple";
  switch (typeof v) {
    case "string": return "string";
    case "number": return "number";
    case "boolean": return "bool";
    default: return "object";
  }
}

/** A short description for error messages: the type, plus the value when it is a scalar. */
export function describeValue(v: Value): string {
  if (typeof v === "string") return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  if (typeof v === "number" || typeof v === "boolean") return `${typeName(v)} ${String(v)}`;
  return typeName(v);
}

/** Integers print without a fraction; other numbers drop binary floating-point noise (0.1 + 0.2 is "0.3"). */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  if (!Number.isFinite(n)) return String(n);
  return String(Number(n.toPrecision(15)));
}

const numeric = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Numbers, and strings that spell a number, as HCL converts them automatically. */
export function asNumber(v: Value): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && numeric.test(v)) return Number(v);
  return undefined;
}

/** Strings, and numbers or bools converted to strings. */
export function asString(v: Value): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return undefined;
}

/** Bools, and the strings "true" and "false". */
export function asBool(v: Value): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return undefined;
}

export function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => valuesEqual(x, b[i] ?? null));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => hasKey(b, k) && valuesEqual(a[k] ?? null, b[k] ?? null));
  }
  return false;
}

export function hasKey(obj: ValueObject, key: string): boolean {
  return Object.hasOwn(obj, key);
}

export function getKey(obj: ValueObject, key: string): Value | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Sets a key, including "__proto__", as an own property rather than touching the prototype. */
export function setKey(obj: ValueObject, key: string, value: Value): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** HCL iterates maps and objects in key order. */
export function sortedKeys(obj: ValueObject): string[] {
  return Object.keys(obj).sort(compareStrings);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

let segmenter: Intl.Segmenter | undefined;

/** User-perceived characters (grapheme clusters), as HCL counts them in length() and substr(). */
export function characters(s: string): string[] {
  // ASCII splits by code unit, except "\r\n", which is a single cluster.
  if (/^[\u0000-\u000c\u000e-\u007f]*$/.test(s)) return s.split("");
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  return Array.from(segmenter.segment(s), (seg) => seg.segment);
}
