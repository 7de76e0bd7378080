// HCL type constraints of `variable` blocks (`string`, `list(number)`, `map(string)`, `object({…})`)
// and the conversions Terraform and Nomad apply to values given for them.

import type { Value } from "../hcl/index.js";
import { toBoolValue, toNumberValue, toStringValue } from "./reader.js";

export type TypeConstraint =
  | { kind: "any" | "string" | "number" | "bool" }
  | { kind: "list" | "set" | "map"; element: TypeConstraint }
  | { kind: "object"; attributes: Record<string, TypeConstraint> }
  | { kind: "tuple"; elements: TypeConstraint[] };

/** Parses the source text of a `type = …` expression; throws Error with a readable message. */
export function parseTypeConstraint(text: string): TypeConstraint {
  let pos = 0;
  const skip = () => { while (pos < text.length && /\s/.test(text[pos] as string)) pos++; };
  const expect = (ch: string) => {
    skip();
    if (text[pos] !== ch) throw new Error(`expected "${ch}" in type ${JSON.stringify(text)}`);
    pos++;
  };
  const word = (): string => {
    skip();
    const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(pos));
    if (!match) throw new Error(`expected a type name in ${JSON.stringify(text)}`);
    pos += match[0].length;
    return match[0];
  };
  const parse = (): TypeConstraint => {
    const name = word();
    switch (name) {
      case "any": case "string": case "number": case "bool":
        return { kind: name };
      case "list": case "set": case "map": {
        expect("(");
        const element = parse();
        expect(")");
        return { kind: name, element };
      }
      case "object": {
        expect("(");
        expect("{");
        const attributes: Record<string, TypeConstraint> = {};
        for (skip(); text[pos] !== "}"; skip()) {
          const key = word();
          skip();
          if (text[pos] !== "=" && text[pos] !== ":") throw new Error(`expected "=" after "${key}" in ${JSON.stringify(text)}`);
          pos++;
          attributes[key] = parse();
          skip();
          if (text[pos] === ",") pos++;
        }
        expect("}");
        expect(")");
        return { kind: "object", attributes };
      }
      case "tuple": {
        expect("(");
        expect("[");
        const elements: TypeConstraint[] = [];
        for (skip(); text[pos] !== "]"; skip()) {
          elements.push(parse());
          skip();
          if (text[pos] === ",") pos++;
        }
        expect("]");
        expect(")");
        return { kind: "tuple", elements };
      }
      default:
        throw new Error(`unknown type "${name}" (use string, number, bool, list(…), set(…), map(…), object({…}), tuple([…]) or any)`);
    }
  };
  const type = parse();
  skip();
  if (pos < text.length) throw new Error(`unexpected ${JSON.stringify(text.slice(pos))} after the type`);
  return type;
}

export function describeType(type: TypeConstraint): string {
  switch (type.kind) {
    case "list": case "set": case "map":
      return `${type.kind}(${describeType(type.element)})`;
    case "object":
      return `object({${Object.entries(type.attributes).map(([k, t]) => `${k}=${describeType(t)}`).join(", ")}})`;
    case "tuple":
      return `tuple([${type.elements.map(describeType).join(", ")}])`;
    default:
      return type.kind;
  }
}

/** Converts a value to the type, or throws an Error saying what was expected. */
export function convertToType(value: Value, type: TypeConstraint): Value {
  const fail = (): never => {
    throw new Error(`expected ${describeType(type)}, got ${value === null ? "null" : Array.isArray(value) ? "a list" : typeof value === "object" ? "an object" : JSON.stringify(value)}`);
  };
  if (value === null) return null;
  switch (type.kind) {
    case "any":
      return value;
    case "string":
      return toStringValue(value) ?? fail();
    case "number":
      return toNumberValue(value) ?? fail();
    case "bool":
      return toBoolValue(value) ?? fail();
    case "list": case "set": {
      if (!Array.isArray(value)) return fail();
      const items = value.map((item) => convertToType(item, type.element));
      return type.kind === "set" ? [...new Map(items.map((i) => [JSON.stringify(i), i])).values()] : items;
    }
    case "map": {
      if (typeof value !== "object" || Array.isArray(value)) return fail();
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convertToType(v, type.element)]));
    }
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) return fail();
      const out: Record<string, Value> = {};
      for (const [key, attributeType] of Object.entries(type.attributes)) {
        if (!(key in value)) throw new Error(`attribute "${key}" is required`);
        out[key] = convertToType(value[key] as Value, attributeType);
      }
      return out;
    }
    case "tuple": {
      if (!Array.isArray(value) || value.length !== type.elements.length) return fail();
      return value.map((item, i) => convertToType(item, type.elements[i] as TypeConstraint));
    }
  }
}

/** How a `-var` string becomes a value: primitives are taken as written, collections parsed as HCL. */
export function isPrimitiveType(type: TypeConstraint): boolean {
  return type.kind === "string" || type.kind === "number" || type.kind === "bool" || type.kind === "any";
}
