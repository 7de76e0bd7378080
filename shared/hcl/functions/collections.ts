import { asString, characters, compareStrings, describeValue, getKey, isObject, setKey, sortedKeys, valuesEqual, type HclFunction, type Value, type ValueObject } from "../values.js";
import { defineFunctions, type Args } from "./args.js";
import { jsonEncode } from "./encoding.js";

const maxRangeLength = 1024;

/** Removes repeated values, keeping the first of each; the canonical JSON form serves as the identity. */
export function distinct(list: Value[]): Value[] {
  const seen = new Set<string>();
  return list.filter((v) => {
    const key = jsonEncode(v);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function flatten(list: Value[], out: Value[] = []): Value[] {
  for (const v of list) {
    if (Array.isArray(v)) flatten(v, out);
    else out.push(v);
  }
  return out;
}

function length(a: Args): number {
  const v = a.any(0);
  if (typeof v === "string") return characters(v).length;
  if (Array.isArray(v)) return v.length;
  if (isObject(v)) return Object.keys(v).length;
  return a.fail(`argument 1 must be a string, list or map, got ${describeValue(v)}`);
}

function element(a: Args): Value {
  const list = a.list(0);
  const i = a.integer(1);
  if (list.length === 0) a.fail("cannot take an element of an empty list");
  if (i < 0) a.fail(`the index must not be negative, got ${i}`);
  return list[i % list.length] ?? null;
}

function indexOf(a: Args): number {
  const list = a.list(0);
  const value = a.any(1);
  const i = list.findIndex((v) => valuesEqual(v, value));
  if (i === -1) a.fail(`the list does not contain ${describeValue(value)}`);
  return i;
}

function lookup(a: Args): Value {
  const key = a.string(1);
  const found = getKey(a.object(0), key);
  if (found !== undefined) return found;
  if (a.has(2)) return a.any(2);
  return a.fail(`the map has no key ${JSON.stringify(key)} and no default was given`);
}

function merge(a: Args): ValueObject {
  const out: ValueObject = {};
  for (let i = 0; i < a.length; i++) {
    if (a.any(i) === null) continue;
    for (const [k, v] of Object.entries(a.object(i))) setKey(out, k, v);
  }
  return out;
}

/** range(limit), range(start, limit) or range(start, limit, step); the limit is excluded. */
function range(a: Args): number[] {
  const start = a.length === 1 ? 0 : a.number(0);
  const limit = a.number(a.length === 1 ? 0 : 1);
  const step = a.length === 3 ? a.number(2) : start <= limit ? 1 : -1;
  if (step === 0) a.fail("the step must not be zero");
  const out: number[] = [];
  for (let v = start; step > 0 ? v < limit : v > limit; v += step) {
    if (out.length === maxRangeLength) a.fail(`the result would have more than ${maxRangeLength} elements`);
    out.push(v);
  }
  return out;
}

function slice(a: Args): Value[] {
  const list = a.list(0);
  const start = a.integer(1);
  const end = a.integer(2);
  if (start < 0 || end > list.length || start > end) {
    a.fail(`the range ${start}..${end} is not within the list of ${list.length} elements`);
  }
  return list.slice(start, end);
}

function stringList(a: Args, i: number): string[] {
  return a.list(i).map((v) => asString(v) ?? a.fail(`argument ${i + 1} must be a list of strings, but it contains ${describeValue(v)}`));
}

function zipmap(a: Args): ValueObject {
  const keys = stringList(a, 0);
  const values = a.list(1);
  if (keys.length !== values.length) a.fail(`there are ${keys.length} keys but ${values.length} values`);
  const out: ValueObject = {};
  keys.forEach((k, i) => setKey(out, k, values[i] ?? null));
  return out;
}

function coalesce(a: Args): Value {
  for (const v of a.values) if (v !== null && v !== "") return v;
  return a.fail("all arguments are null or empty strings");
}

function coalescelist(a: Args): Value[] {
  for (let i = 0; i < a.length; i++) {
    const list = a.list(i);
    if (list.length > 0) return list;
  }
  return a.fail("all arguments are empty lists");
}

export function collectionFunctions(): Record<string, HclFunction> {
  return defineFunctions({
    coalesce: [1, Infinity, coalesce],
    coalescelist: [1, Infinity, coalescelist],
    compact: [1, 1, (a) => a.list(0).filter((v) => v !== null && v !== "")],
    concat: [1, Infinity, (a) => a.rest(0, a.list).flat()],
    contains: [2, 2, (a) => a.list(0).some((v) => valuesEqual(v, a.any(1)))],
    distinct: [1, 1, (a) => distinct(a.list(0))],
    element: [2, 2, element],
    flatten: [1, 1, (a) => flatten(a.list(0))],
    index: [2, 2, indexOf],
    keys: [1, 1, (a) => sortedKeys(a.object(0))],
    length: [1, 1, length],
    lookup: [2, 3, lookup],
    merge: [0, Infinity, merge],
    range: [1, 3, range],
    reverse: [1, 1, (a) => [...a.list(0)].reverse()],
    setunion: [1, Infinity, (a) => distinct(a.rest(0, a.list).flat())],
    slice: [3, 3, slice],
    sort: [1, 1, (a) => stringList(a, 0).sort(compareStrings)],
    values: [1, 1, (a) => {
      const obj = a.object(0);
      return sortedKeys(obj).map((k) => obj[k] ?? null);
    }],
    zipmap: [2, 2, zipmap],
  });
}
