import { HclError } from "../errors.js";
import type { Range } from "../source.js";
import { asBool, asNumber, asString, describeValue, isObject, type HclFunction, type Value, type ValueObject } from "../values.js";

/**
 * The arguments of one call, read by position with the conversions HCL applies (numbers and bools
 * pass as strings, numeric strings as numbers). A mismatch fails naming the function and the argument.
 */
export class Args {
  readonly name: string;
  readonly values: Value[];
  readonly range: Range;

  constructor(name: string, values: Value[], range: Range) {
    this.name = name;
    this.values = values;
    this.range = range;
  }

  get length(): number {
    return this.values.length;
  }

  fail(detail: string): never {
    throw new HclError(this.range, `function "${this.name}": ${detail}`);
  }

  any(i: number): Value {
    return this.values[i] ?? null;
  }

  has(i: number): boolean {
    return i < this.values.length;
  }

  string(i: number): string {
    return this.#check(i, asString(this.any(i)), "a string");
  }

  number(i: number): number {
    return this.#check(i, asNumber(this.any(i)), "a number");
  }

  integer(i: number): number {
    const n = this.number(i);
    if (!Number.isInteger(n)) this.fail(`argument ${i + 1} must be a whole number, got ${n}`);
    return n;
  }

  bool(i: number): boolean {
    return this.#check(i, asBool(this.any(i)), "a bool");
  }

  list(i: number): Value[] {
    const v = this.any(i);
    return this.#check(i, Array.isArray(v) ? v : undefined, "a list");
  }

  object(i: number): ValueObject {
    const v = this.any(i);
    return this.#check(i, isObject(v) ? v : undefined, "a map or object");
  }

  /** Arguments from `from` on, each read with `read`. */
  rest<T>(from: number, read: (this: Args, i: number) => T): T[] {
    const out: T[] = [];
    for (let i = from; i < this.values.length; i++) out.push(read.call(this, i));
    return out;
  }

  #check<T>(i: number, v: T | undefined, expected: string): T {
    if (v === undefined) this.fail(`argument ${i + 1} must be ${expected}, got ${describeValue(this.any(i))}`);
    return v;
  }
}

export type FunctionSpec = [minArgs: number, maxArgs: number, impl: (args: Args) => Value];

function plural(n: number): string {
  return `${n} argument${n === 1 ? "" : "s"}`;
}

/** Builds library functions from specs, checking the argument count before calling each one. */
export function defineFunctions(specs: Record<string, FunctionSpec>): Record<string, HclFunction> {
  const out: Record<string, HclFunction> = {};
  for (const [name, [min, max, impl]] of Object.entries(specs)) {
    out[name] = (values, call) => {
      const n = values.length;
      if (n < min || n > max) {
        const want = min === max ? plural(min) : max === Infinity ? `at least ${plural(min)}` : `${min} to ${plural(max)}`;
        throw new HclError(call.range, `function "${name}" expects ${want}, got ${n}`);
      }
      return impl(new Args(name, values, call.range));
    };
  }
  return out;
}
