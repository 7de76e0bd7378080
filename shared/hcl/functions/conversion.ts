import { asBool, asNumber, asString, compareStrings, describeValue, isObject, type HclFunction, type Value } from "../values.js";
import { defineFunctions, type Args } from "./args.js";
import { distinct } from "./collections.js";

/** Null converts to null of any type; everything else must be convertible. */
function convert(a: Args, to: string, conv: (v: Value) => Value | undefined): Value {
  const v = a.any(0);
  if (v === null) return null;
  const out = conv(v);
  if (out === undefined) a.fail(`cannot convert ${describeValue(v)} to ${to}`);
  return out;
}

/** Sets have no order of their own; like HCL, present strings and numbers sorted. */
function toSet(list: Value[]): Value[] {
  const items = distinct(list);
  if (items.every((v) => typeof v === "string")) return items.sort(compareStrings);
  if (items.every((v) => typeof v === "number")) return items.sort((x, y) => x - y);
  return items;
}

export function conversionFunctions(): Record<string, HclFunction> {
  return defineFunctions({
    tobool: [1, 1, (a) => convert(a, "a bool", asBool)],
    tolist: [1, 1, (a) => convert(a, "a list", (v) => (Array.isArray(v) ? [...v] : undefined))],
    tomap: [1, 1, (a) => convert(a, "a map", (v) => (isObject(v) ? { ...v } : undefined))],
    tonumber: [1, 1, (a) => convert(a, "a number", asNumber)],
    toset: [1, 1, (a) => convert(a, "a set", (v) => (Array.isArray(v) ? toSet(v) : undefined))],
    tostring: [1, 1, (a) => convert(a, "a string", asString)],
  });
}
