// Typed, position-aware access to one HCL body. Every read records where the field was written;
// anything the decoder never asked for is reported as unknown when the body is finished.

import { evaluate, HclError, type Attribute, type Block, type Body, type EvalContext, type Range, type Value } from "../hcl/index.js";
import { parseDurationMs } from "../model/duration.js";
import { didYouMean } from "../suggest.js";
import type { FieldPath } from "../model/validate.js";
import type { Diagnostics } from "./diagnostics.js";

export interface DecodeScope {
  diagnostics: Diagnostics;
  evalContext: EvalContext;
}

export function describeValue(value: Value): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return JSON.stringify(value);
}

export class BodyReader {
  private readonly attributes = new Map<string, Attribute>();
  /** Every name the decoder asked for, present or not: the vocabulary for "did you mean". */
  private readonly known = new Set<string>();

  constructor(readonly scope: DecodeScope, readonly body: Body, readonly path: FieldPath) {
    for (const attribute of body.attributes) this.attributes.set(attribute.name, attribute);
  }

  private report(message: string, range: Range | undefined, field?: string): void {
    this.scope.diagnostics.add(field === undefined ? this.path : [...this.path, field], message, range);
  }

  has(name: string): boolean {
    return this.attributes.has(name);
  }

  rangeOf(name: string): Range | undefined {
    return this.attributes.get(name)?.expr.range;
  }

  /** The evaluated attribute; undefined when absent, null, or when evaluating it failed (reported). */
  value(name: string): Value | undefined {
    this.known.add(name);
    const attribute = this.attributes.get(name);
    if (!attribute) return undefined;
    this.scope.diagnostics.recordPosition([...this.path, name], attribute.expr.range);
    try {
      const value = evaluate(attribute.expr, this.scope.evalContext);
      return value === null ? undefined : value;
    } catch (err) {
      if (err instanceof HclError) {
        this.report(err.detail, err.range, name);
        return undefined;
      }
      throw err;
    }
  }

  /** Reads an attribute and converts it; a value of the wrong kind is reported and reads as undefined. */
  private typed<T>(name: string, expected: string, convert: (value: Value) => T | undefined): T | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    const converted = convert(value);
    if (converted === undefined) this.report(`expected ${expected}, got ${describeValue(value)}`, this.rangeOf(name), name);
    return converted;
  }

  string(name: string): string | undefined {
    return this.typed(name, "a string", toStringValue);
  }

  number(name: string): number | undefined {
    return this.typed(name, "a number", toNumberValue);
  }

  int(name: string): number | undefined {
    return this.typed(name, "a whole number", (v) => {
      const n = toNumberValue(v);
      return n !== undefined && Number.isInteger(n) ? n : undefined;
    });
  }

  bool(name: string): boolean | undefined {
    return this.typed(name, "true or false", toBoolValue);
  }

  durationMs(name: string): number | undefined {
    return this.typed(name, 'a duration such as "30s" or "5m"', (v) => {
      if (v === 0) return 0;
      return typeof v === "string" ? parseDurationMs(v) : undefined;
    });
  }

  stringList(name: string): string[] | undefined {
    return this.typed(name, "a list of strings", (v) => {
      if (!Array.isArray(v)) return undefined;
      const out: string[] = [];
      for (const item of v) {
        const s = toStringValue(item);
        if (s === undefined) return undefined;
        out.push(s);
      }
      return out;
    });
  }

  /** A string map written either as `name = { k = "v" }` or as a block `name { k = "v" }`. */
  stringMap(name: string): Record<string, string> | undefined {
    const fromAttribute = this.typed(name, "a map of strings", toStringMap);
    const blocks = this.blocks(name);
    if (blocks.length === 0) return fromAttribute;
    const merged: Record<string, string> = { ...fromAttribute };
    for (const block of blocks) {
      const reader = this.child(block, name);
      for (const attribute of block.body.attributes) {
        const value = reader.string(attribute.name);
        if (value !== undefined) merged[attribute.name] = value;
      }
      for (const nested of block.body.blocks) {
        reader.report(`unexpected block "${nested.type}": ${name} holds only key = value pairs`, nested.typeRange);
      }
    }
    return merged;
  }

  /** All blocks of a type, in source order. */
  blocks(type: string): Block[] {
    this.known.add(type);
    return this.body.blocks.filter((b) => b.type === type);
  }

  /** At most one block of a type; a second one is reported. */
  single(type: string): Block | undefined {
    const found = this.blocks(type);
    for (const extra of found.slice(1)) {
      this.report(`only one "${type}" block is allowed here (the first is at line ${found[0]?.range.start.line})`, extra.typeRange, type);
    }
    return found[0];
  }

  /** A reader for a nested block, with the block's path segment and position recorded. */
  child(block: Block, segment: string): BodyReader {
    const path = [...this.path, segment];
    this.scope.diagnostics.recordPosition(path, block.typeRange);
    return new BodyReader(this.scope, block.body, path);
  }

  /** Checks a block has exactly the number of labels its type takes. */
  expectLabels(block: Block, count: number, what: string): boolean {
    if (block.labels.length === count) return true;
    const message = count === 0
      ? `"${block.type}" blocks take no label`
      : `"${block.type}" blocks need ${count === 1 ? "one label" : `${count} labels`}: the ${what}, as in ${block.type} "${what.replace(/ /g, "_")}" { … }`;
    this.report(message, block.labelRanges[count] ?? block.typeRange);
    return false;
  }

  /** Reports every attribute and block the decoder did not ask for. */
  finish(): void {
    for (const attribute of this.body.attributes) {
      if (!this.known.has(attribute.name)) {
        this.report(`unknown attribute "${attribute.name}"${didYouMean(attribute.name, this.known)}`, attribute.nameRange);
      }
    }
    for (const block of this.body.blocks) {
      if (!this.known.has(block.type)) {
        this.report(`unknown block "${block.type}"${didYouMean(block.type, this.known)}`, block.typeRange);
      }
    }
  }

  /** The body as plain data (attributes evaluated, nested blocks as lists), for driver config and integration blocks. */
  freeform(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const attribute of this.body.attributes) {
      const value = this.value(attribute.name);
      if (value !== undefined) out[attribute.name] = value;
    }
    for (const block of this.body.blocks) {
      this.known.add(block.type);
      const nested = this.child(block, block.type).freeform();
      const entry = block.labels.reduceRight<Record<string, unknown>>((inner, label) => ({ [label]: inner }), nested);
      const list = (out[block.type] ??= []) as unknown[];
      list.push(entry);
    }
    return out;
  }
}

export function toStringValue(value: Value): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

export function toNumberValue(value: Value): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export function toBoolValue(value: Value): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return undefined;
}

function toStringMap(value: Value): Record<string, string> | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    const s = toStringValue(item);
    if (s === undefined) return undefined;
    out[key] = s;
  }
  return out;
}
