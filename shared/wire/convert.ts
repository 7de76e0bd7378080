// Building blocks shared by the converters: maps, optional fields, JSON blocks and enums.

import { WireError } from "./errors.js";

/** A copy of `record` with every value converted. */
export function mapValues<T, U>(record: Readonly<Record<string, T>>, convert: (value: T, key: string) => U): Record<string, U> {
  const out: Record<string, U> = {};
  for (const [key, value] of Object.entries(record)) out[key] = convert(value, key);
  return out;
}

/**
 * `{ [key]: convert(value) }` when the value is present and `{}` otherwise. Spread it into an
 * object literal so that an absent field stays absent (exactOptionalPropertyTypes forbids
 * writing `key: undefined` into the model's optional fields).
 */
export function ifPresent<K extends string, T, U>(
  key: K,
  value: T | undefined,
  convert: (value: T) => U,
): { [P in K]?: U } {
  return value === undefined ? {} : ({ [key]: convert(value) } as { [P in K]?: U });
}

/** `ifPresent` for values that need no conversion. */
export function present<K extends string, T>(key: K, value: T | undefined): { [P in K]?: T } {
  return ifPresent(key, value, (v) => v);
}

/** A message field the model requires; absent on the wire is a contract violation. */
export function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new WireError(`${field} is missing`);
  return value;
}

/**
 * Durations and times travel as int64 milliseconds; a jobspec may say "500us", so round rather
 * than fail to encode.
 */
export function ms(value: number): number {
  return Math.round(value);
}

/**
 * A free-form block as JSON text; "" stands for an absent block. Like any JSON, it drops
 * `undefined` values and cannot hold bigints; parsed jobspecs contain neither.
 */
export function jsonToWire(block: Readonly<Record<string, unknown>> | undefined): string {
  return block === undefined ? "" : JSON.stringify(block);
}

/** The inverse of `jsonToWire`: undefined for "", otherwise the JSON object. */
export function jsonFromWire(text: string, field: string): Record<string, unknown> | undefined {
  if (text === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new WireError(`${field} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new WireError(`${field} must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** A JSON field the model requires: "" becomes an empty object. */
export function jsonObjectFromWire(text: string, field: string): Record<string, unknown> {
  return jsonFromWire(text, field) ?? {};
}

export interface EnumCodec<M extends string, W extends number> {
  toWire(value: M): W;
  fromWire(value: W): M;
}

/**
 * Maps a model string union onto a proto enum. The table is a Record over the whole union, so
 * a value added to the model does not compile until it has a wire value too.
 */
export function enumCodec<M extends string, W extends number>(field: string, table: Readonly<Record<M, W>>): EnumCodec<M, W> {
  const reverse = new Map<number, M>();
  for (const [model, wire] of Object.entries(table) as [M, W][]) reverse.set(wire, model);
  return {
    toWire(value) {
      const wire = (table as Partial<Record<string, W>>)[value];
      if (wire === undefined) throw new WireError(`${field}: unknown value ${JSON.stringify(value)}`);
      return wire;
    },
    fromWire(value) {
      const model = reverse.get(value);
      if (model === undefined) throw new WireError(`${field}: unknown enum value ${value}`);
      return model;
    },
  };
}

/**
 * Checks a string field against a model string union on the way in. The table lists the whole
 * union (a Record over it), so it cannot fall behind the model.
 */
export function stringUnion<T extends string>(field: string, table: Readonly<Record<T, true>>): (value: string) => T {
  return (value) => {
    if (!Object.hasOwn(table, value)) throw new WireError(`${field}: unknown value ${JSON.stringify(value)}`);
    return value as T;
  };
}
