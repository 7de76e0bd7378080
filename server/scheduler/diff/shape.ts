// The generic half of the job diff: a `Shape` says how one kind of block looks in a diff (its
// scalar fields under Nomad's names, its nested blocks, how list entries match across versions),
// and the functions here compare two versions of any block by its shape. diff.ts only declares
// shapes.

import { formatDuration, type DiffType, type FieldDiff, type ObjectDiff } from "../../../shared/model/index.js";

export type Scalar = string | number | boolean | undefined;

/** A block's scalar fields by name. undefined and "" both mean "not set". */
export type Fields = Record<string, Scalar>;

/** The nested diffs of a block, picked out of both of its versions (either may be absent). */
export type Child<P> = (old: P | undefined, next: P | undefined, contextual: boolean) => ObjectDiff[];

export interface Shape<T> {
  /** The ObjectDiff name, e.g. "Constraint", "RestartPolicy". */
  name: string;
  fields(value: T): Fields;
  children?: readonly Child<T>[];
  /**
   * Matches list entries across versions (a port by label, a template by destination), so an
   * edit shows as one Edited object. Without it an entry matches only an identical entry, and a
   * change shows as a Deleted plus an Added object (Nomad's set diff).
   */
  key?(value: T): string;
}

// ---------------------------------------------------------------------------------------------
// Values

/** A duration in milliseconds as Go-style text ("30m", "5s"). */
export function dur(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : formatDuration(ms);
}

/** Map entries as fields the way Nomad flattens Meta and Env: `{"Meta[team]": "a"}`. */
export function entries(prefix: string, map: Readonly<Record<string, string>>): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(map)) out[`${prefix}[${key}]`] = value;
  return out;
}

/**
 * Free-form data (a driver's config, a vault block) flattened like Nomad's flatmap: "image",
 * "args[0]", "labels[team]", "port_map[0][http]". With a prefix every name is under it.
 */
export function flatten(value: unknown, prefix = "", out: Fields = {}): Fields {
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) {
    value.forEach((item, i) => flatten(item, `${prefix}[${i}]`, out));
  } else if (typeof value === "object") {
    for (const [key, item] of Object.entries(value)) flatten(item, prefix === "" ? key : `${prefix}[${key}]`, out);
  } else {
    out[prefix] = typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : String(value);
  }
  return out;
}

/** JSON with sorted keys: equal for structurally equal values. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v);
}

// ---------------------------------------------------------------------------------------------
// Comparing

/** Added when only the new version exists, Deleted when only the old one does. */
export function diffType(old: unknown, next: unknown, changed: boolean): DiffType {
  if (old === undefined) return next === undefined ? "None" : "Added";
  if (next === undefined) return "Deleted";
  return changed ? "Edited" : "None";
}

export function anyChange(...lists: readonly (readonly { type: DiffType }[])[]): boolean {
  return lists.some((list) => list.some((d) => d.type !== "None"));
}

/**
 * One field, Nomad's rules: unset → set is Added, set → unset is Deleted, otherwise Edited;
 * an unchanged field only in a contextual diff.
 */
export function fieldDiff(name: string, old: string, next: string, contextual: boolean): FieldDiff | undefined {
  if (old === next) return contextual ? { type: "None", name, old, new: next, annotations: [] } : undefined;
  const type: DiffType = old === "" ? "Added" : next === "" ? "Deleted" : "Edited";
  return { type, name, old, new: next, annotations: [] };
}

export function fieldDiffs(old: Fields | undefined, next: Fields | undefined, contextual: boolean): FieldDiff[] {
  const names = new Set([...Object.keys(old ?? {}), ...Object.keys(next ?? {})]);
  const out: FieldDiff[] = [];
  for (const name of names) {
    const d = fieldDiff(name, text(old?.[name]), text(next?.[name]), contextual);
    if (d) out.push(d);
  }
  return out.sort(byName);
}

function text(value: Scalar): string {
  return value === undefined ? "" : String(value);
}

/** The fields and nested objects of two versions of a block; the caller decides the type. */
export function compareBlock<T>(shape: Shape<T>, old: T | undefined, next: T | undefined, contextual: boolean): { fields: FieldDiff[]; objects: ObjectDiff[] } {
  const fields = fieldDiffs(old === undefined ? undefined : shape.fields(old), next === undefined ? undefined : shape.fields(next), contextual);
  const objects = (shape.children ?? []).flatMap((child) => child(old, next, contextual));
  return { fields, objects: objects.sort(byName) };
}

/** A nested block; undefined when neither version has it, or it is unchanged and the diff is not contextual. */
export function objectDiff<T>(shape: Shape<T>, old: T | undefined, next: T | undefined, contextual: boolean): ObjectDiff | undefined {
  if (old === undefined && next === undefined) return undefined;
  const { fields, objects } = compareBlock(shape, old, next, contextual);
  const type = diffType(old, next, anyChange(fields, objects));
  if (type === "None" && !contextual) return undefined;
  return { type, name: shape.name, fields, objects };
}

/** A list of blocks, entries matched by the shape's key (or by equality). */
export function listDiff<T>(shape: Shape<T>, old: readonly T[] | undefined, next: readonly T[] | undefined, contextual: boolean): ObjectDiff[] {
  return pair(old ?? [], next ?? [], shape.key ?? canonical).flatMap(([a, b]) => objectDiff(shape, a, b, contextual) ?? []);
}

/**
 * A list of strings compared as a set, as Nomad shows Datacenters and Tags: one field per entry,
 * each named after the list.
 */
export function setDiff(name: string, old: readonly string[] | undefined, next: readonly string[] | undefined, contextual: boolean): ObjectDiff | undefined {
  const before = old?.length ? old : undefined;
  const after = next?.length ? next : undefined;
  if (before === undefined && after === undefined) return undefined;
  const fields = pair(before ?? [], after ?? [], (s) => s).flatMap(([a, b]) => fieldDiff(name, a ?? "", b ?? "", contextual) ?? []);
  const type = diffType(before, after, anyChange(fields));
  if (type === "None" && !contextual) return undefined;
  return { type, name, fields, objects: [] };
}

/**
 * The entries of two lists matched by key: the old list's entries in order (each with its match,
 * if any), then the new entries nothing matched. Entries with equal keys pair up in order.
 */
export function pair<T>(old: readonly T[], next: readonly T[], key: (value: T) => string): [T | undefined, T | undefined][] {
  const waiting = new Map<string, number[]>();
  next.forEach((value, i) => {
    const k = key(value);
    waiting.set(k, [...(waiting.get(k) ?? []), i]);
  });
  const matched = new Set<number>();
  const pairs: [T | undefined, T | undefined][] = old.map((value) => {
    const i = waiting.get(key(value))?.shift();
    if (i === undefined) return [value, undefined];
    matched.add(i);
    return [value, next[i]];
  });
  next.forEach((value, i) => {
    if (!matched.has(i)) pairs.push([undefined, value]);
  });
  return pairs;
}

// ---------------------------------------------------------------------------------------------
// Children, for Shape.children

function pick<P, T>(parent: P | undefined, get: (p: P) => T): T | undefined {
  return parent === undefined ? undefined : get(parent);
}

/** A nested block that may be absent, e.g. a group's update block. */
export function one<P, T>(shape: Shape<T>, get: (parent: P) => T | undefined): Child<P> {
  return (old, next, contextual) => {
    const d = objectDiff(shape, pick(old, get), pick(next, get), contextual);
    return d ? [d] : [];
  };
}

/** A list of nested blocks, e.g. a group's constraints. */
export function many<P, T>(shape: Shape<T>, get: (parent: P) => readonly T[]): Child<P> {
  return (old, next, contextual) => listDiff(shape, pick(old, get), pick(next, get), contextual);
}

/** A list of strings shown as a set, e.g. a job's datacenters. */
export function set<P>(name: string, get: (parent: P) => readonly string[] | undefined): Child<P> {
  return (old, next, contextual) => {
    const d = setDiff(name, pick(old, get), pick(next, get), contextual);
    return d ? [d] : [];
  };
}

/** A free-form block (driver config, vault, consul), flattened; an empty block counts as absent. */
export function freeForm<P>(name: string, get: (parent: P) => Readonly<Record<string, unknown>> | undefined): Child<P> {
  const shape: Shape<Readonly<Record<string, unknown>>> = { name, fields: (block) => flatten(block) };
  const present = (block: Readonly<Record<string, unknown>> | undefined) =>
    block === undefined || Object.keys(block).length === 0 ? undefined : block;
  return one(shape, (parent: P) => present(get(parent)));
}

// ---------------------------------------------------------------------------------------------
// Order

/** By name, numbers inside names compared as numbers ("args[2]" before "args[10]"). */
export function byName(a: { name: string }, b: { name: string }): number {
  const x = a.name.split(/(\d+)/);
  const y = b.name.split(/(\d+)/);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i] ?? "";
    const q = y[i] ?? "";
    if (p === q) continue;
    // Odd pieces are the digit runs.
    if (i % 2 === 1 && Number(p) !== Number(q)) return Number(p) - Number(q);
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}
