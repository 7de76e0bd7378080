import type { BinaryExpr, CallExpr, Expr, ForExpr, ObjectExpr, Step, TemplateExpr, TemplatePart, UnaryExpr } from "./ast.js";
import { HclError } from "./errors.js";
import { sourceText, spanRanges, type Range } from "./source.js";
import {
  asBool, asNumber, asString, describeValue, getKey, hasKey, isObject, setKey, sortedKeys, typeName, valuesEqual,
  type HclFunction, type Value, type ValueObject,
} from "./values.js";

export interface EvalContext {
  /** Root variables such as `var` and `local`. Roots not listed here are runtime references. */
  variables: Record<string, Value>;
  functions: Record<string, HclFunction>;
}

/**
 * A value that depends on something only the client knows (`attr.*`, `node.*`, `NOMAD_*`, …). It
 * carries the text it stands for, `${…}`, so the client can interpolate it later. Anything computed
 * from it is deferred as a whole, as the source text of that computation.
 */
class Deferred {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

type Result = Value | Deferred;

/**
 * Evaluates an expression. References to roots missing from `ctx.variables` are not errors: they
 * come back as their own `${…}` source text. Throws HclError pointing at the failing sub-expression.
 */
export function evaluate(expr: Expr, ctx: EvalContext): Value {
  return settle(new Evaluator(ctx).eval(expr));
}

function settle(r: Result): Value {
  return r instanceof Deferred ? r.text : r;
}

function deferred(e: Expr): Deferred {
  return new Deferred(`\${${sourceText(e.range)}}`);
}

function fail(range: Range, detail: string): never {
  throw new HclError(range, detail);
}

class Evaluator {
  readonly #ctx: EvalContext;
  /** Iteration variables of the enclosing for-expressions and template for-directives, innermost last. */
  readonly #frames: Map<string, Value>[] = [];

  constructor(ctx: EvalContext) {
    this.#ctx = ctx;
  }

  eval(e: Expr): Result {
    switch (e.kind) {
      case "literal": return e.value;
      case "parens": return this.eval(e.expr);
      case "template": return this.#template(e);
      case "traversal": {
        const local = this.#local(e.root);
        const fromContext = local === undefined && Object.hasOwn(this.#ctx.variables, e.root);
        if (local === undefined && !fromContext) return deferred(e);
        const root = local !== undefined ? local.value : (this.#ctx.variables[e.root] ?? null);
        const r = this.#steps(root, e.steps, e.rootRange, e.root, fromContext);
        return r instanceof Deferred ? deferred(e) : r;
      }
      case "relative": {
        const source = this.eval(e.source);
        if (source instanceof Deferred) return deferred(e);
        const r = this.#steps(source, e.steps, e.source.range, sourceText(e.source.range), false);
        return r instanceof Deferred ? deferred(e) : r;
      }
      case "splat": {
        const source = this.eval(e.source);
        if (source instanceof Deferred) return deferred(e);
        // A splat over a single value treats it as a one-element list; over null, as an empty one.
        const items = source === null ? [] : Array.isArray(source) ? source : [source];
        const base = `an element of ${sourceText(e.source.range)}`;
        const out: Value[] = [];
        for (const item of items) {
          const r = this.#steps(item, e.steps, e.source.range, base, false);
          if (r instanceof Deferred) return deferred(e);
          out.push(r);
        }
        return out;
      }
      case "call": return this.#call(e);
      case "tuple": return e.items.map((item) => settle(this.eval(item)));
      case "object": return this.#object(e);
      case "unary": return this.#unary(e);
      case "binary": return this.#binary(e);
      case "conditional": {
        const cond = this.eval(e.cond);
        if (cond instanceof Deferred) return deferred(e);
        return this.eval(this.#bool(cond, e.cond, "the condition") ? e.then : e.else);
      }
      case "for": return this.#for(e);
    }
  }

  #local(name: string): { value: Value } | undefined {
    for (let i = this.#frames.length - 1; i >= 0; i--) {
      const frame = this.#frames[i];
      if (frame?.has(name)) return { value: frame.get(name) ?? null };
    }
    return undefined;
  }

  /**
   * Applies attribute and index steps. `base` names the starting value in messages; `rootVariable`
   * marks a root from the context, whose missing attributes are reported as undefined variables.
   * Returns a Deferred when an index key is only known at runtime.
   */
  #steps(value: Value, steps: Step[], start: Range, base: string, rootVariable: boolean): Result {
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (step === undefined) break;
      const at = spanRanges(start, step.range);
      const path = (): string => base + steps.slice(0, i).map((s) => sourceText(s.range)).join("");
      if (step.kind === "attr") {
        if (isObject(value)) {
          const next = getKey(value, step.name);
          if (next === undefined) {
            if (rootVariable && i === 0) fail(at, `undefined variable "${base}.${step.name}"`);
            fail(at, `${path()} has no attribute "${step.name}"`);
          }
          value = next;
        } else if (Array.isArray(value)) {
          fail(at, `cannot read attribute "${step.name}": ${path()} is a tuple; use an index like [0]`);
        } else {
          fail(at, value === null ? `cannot read attribute "${step.name}" of null (${path()})` : `cannot read attribute "${step.name}": ${path()} is a ${typeName(value)}`);
        }
        continue;
      }
      const key = this.eval(step.key);
      // The caller defers the whole expression.
      if (key instanceof Deferred) return key;
      value = this.#index(value, key, at, step.key.range, path);
    }
    return value;
  }

  #index(value: Value, key: Value, at: Range, keyRange: Range, path: () => string): Value {
    if (Array.isArray(value)) {
      const n = asNumber(key);
      if (n === undefined || !Number.isInteger(n)) fail(keyRange, `a tuple index must be a whole number, got ${describeValue(key)}`);
      const item = value[n];
      if (n < 0 || item === undefined) fail(at, `index ${n} is out of range: ${path()} has ${value.length} element${value.length === 1 ? "" : "s"}`);
      return item;
    }
    if (isObject(value)) {
      const k = asString(key);
      if (k === undefined) fail(keyRange, `an object key must be a string, got ${describeValue(key)}`);
      const item = getKey(value, k);
      if (item === undefined) fail(at, `${path()} has no key ${JSON.stringify(k)}`);
      return item;
    }
    return fail(at, `cannot index ${path()}: it is ${value === null ? "null" : `a ${typeName(value)}`}`);
  }

  #call(e: CallExpr): Result {
    if (e.name === "try" || e.name === "can") return this.#tryOrCan(e);
    const fn = Object.hasOwn(this.#ctx.functions, e.name) ? this.#ctx.functions[e.name] : undefined;
    if (fn === undefined) fail(e.nameRange, `unknown function "${e.name}"`);
    const args: Value[] = [];
    let waiting = false;
    e.args.forEach((arg, i) => {
      const v = this.eval(arg);
      if (v instanceof Deferred) waiting = true;
      else if (e.expandFinal && i === e.args.length - 1) {
        if (!Array.isArray(v)) fail(arg.range, `the last argument of "${e.name}" is expanded with "...", so it must be a tuple, got ${describeValue(v)}`);
        args.push(...v);
      } else args.push(v);
    });
    if (waiting) return deferred(e);
    try {
      return fn(args, { range: e.range });
    } catch (err) {
      if (err instanceof HclError) throw err;
      return fail(e.range, `function "${e.name}" failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** try() and can() see their arguments unevaluated, so they are built in rather than library functions. */
  #tryOrCan(e: CallExpr): Result {
    if (e.name === "can") {
      const arg = e.args[0];
      if (arg === undefined || e.args.length !== 1) fail(e.range, `function "can" expects 1 argument, got ${e.args.length}`);
      try {
        return this.eval(arg) instanceof Deferred ? deferred(e) : true;
      } catch (err) {
        if (err instanceof HclError) return false;
        throw err;
      }
    }
    if (e.args.length === 0) fail(e.range, 'function "try" expects at least 1 argument, got 0');
    let last: HclError | undefined;
    for (const arg of e.args) {
      try {
        return this.eval(arg);
      } catch (err) {
        if (!(err instanceof HclError)) throw err;
        last = err;
      }
    }
    return fail(e.range, `no argument of "try" could be evaluated; the last one failed with: ${last?.detail ?? "an error"}`);
  }

  #object(e: ObjectExpr): Value {
    const out: ValueObject = {};
    for (const item of e.items) {
      const k = this.eval(item.key);
      const key = k instanceof Deferred ? k.text : asString(k);
      if (key === undefined) fail(item.key.range, `an object key must be a string, got ${describeValue(k as Value)}`);
      if (hasKey(out, key)) fail(item.key.range, `duplicate object key "${key}"`);
      setKey(out, key, settle(this.eval(item.value)));
    }
    return out;
  }

  #unary(e: UnaryExpr): Result {
    const v = this.eval(e.operand);
    if (v instanceof Deferred) return deferred(e);
    if (e.op === "!") return !this.#bool(v, e.operand, 'the operand of "!"');
    return -this.#number(v, e.operand, 'the operand of "-"');
  }

  #binary(e: BinaryExpr): Result {
    const { op } = e;
    if (op === "&&" || op === "||") {
      const left = this.eval(e.left);
      if (left instanceof Deferred) return deferred(e);
      const l = this.#bool(left, e.left, `the left operand of "${op}"`);
      if (op === "&&" ? !l : l) return l;
      const right = this.eval(e.right);
      if (right instanceof Deferred) return deferred(e);
      return this.#bool(right, e.right, `the right operand of "${op}"`);
    }
    const left = this.eval(e.left);
    const right = this.eval(e.right);
    if (left instanceof Deferred || right instanceof Deferred) return deferred(e);
    if (op === "==") return valuesEqual(left, right);
    if (op === "!=") return !valuesEqual(left, right);
    const a = this.#number(left, e.left, `the left operand of "${op}"`);
    const b = this.#number(right, e.right, `the right operand of "${op}"`);
    switch (op) {
      case "+": return a + b;
      case "-": return a - b;
      case "*": return a * b;
      case "/":
        if (b === 0) fail(e.right.range, "division by zero");
        return a / b;
      case "%":
        if (b === 0) fail(e.right.range, "modulo by zero");
        return a % b;
      case "<": return a < b;
      case ">": return a > b;
      case "<=": return a <= b;
      case ">=": return a >= b;
    }
  }

  #for(e: ForExpr): Result {
    const coll = this.eval(e.collection);
    if (coll instanceof Deferred) return deferred(e);
    const entries = this.#entries(coll, e.collection);
    const frame = new Map<string, Value>();
    this.#frames.push(frame);
    try {
      const list: Value[] = [];
      const obj: ValueObject = {};
      for (const [k, v] of entries) {
        if (e.keyVar !== null) frame.set(e.keyVar, k);
        frame.set(e.valueVar, v);
        if (e.cond !== null) {
          const c = this.eval(e.cond);
          if (c instanceof Deferred) return deferred(e);
          if (!this.#bool(c, e.cond, "the condition of the for expression")) continue;
        }
        if (e.keyExpr === null) {
          list.push(settle(this.eval(e.valueExpr)));
          continue;
        }
        const kr = this.eval(e.keyExpr);
        const key = kr instanceof Deferred ? kr.text : asString(kr);
        if (key === undefined) fail(e.keyExpr.range, `a for expression key must be a string, got ${describeValue(kr as Value)}`);
        const value = settle(this.eval(e.valueExpr));
        const existing = getKey(obj, key);
        if (e.group) {
          if (Array.isArray(existing)) existing.push(value);
          else setKey(obj, key, [value]);
        } else if (existing !== undefined) {
          fail(e.keyExpr.range, `duplicate key "${key}" in the for expression; add "..." after the value to group values by key`);
        } else {
          setKey(obj, key, value);
        }
      }
      return e.keyExpr === null ? list : obj;
    } finally {
      this.#frames.pop();
    }
  }

  /** Tuples iterate as (index, element); objects as (key, value) in key order. */
  #entries(coll: Value, e: Expr): Array<[Value, Value]> {
    if (Array.isArray(coll)) return coll.map((v, i) => [i, v]);
    if (isObject(coll)) return sortedKeys(coll).map((k) => [k, coll[k] ?? null]);
    return fail(e.range, `cannot iterate over ${coll === null ? "null" : `a ${typeName(coll)}`}; a tuple or an object is required`);
  }

  #template(e: TemplateExpr): Result {
    const only = e.parts[0];
    // "${x}" alone yields x itself, keeping its type.
    if (e.parts.length === 1 && only?.kind === "interp") return this.eval(only.expr);
    const out: string[] = [];
    const waiting = this.#parts(e.parts, out);
    const text = out.join("");
    return waiting ? new Deferred(text) : text;
  }

  /** Appends the rendered parts to `out`; returns whether any of them was deferred. */
  #parts(parts: TemplatePart[], out: string[]): boolean {
    let waiting = false;
    for (const part of parts) {
      switch (part.kind) {
        case "text":
          out.push(part.value);
          break;
        case "interp": {
          const v = this.eval(part.expr);
          if (v instanceof Deferred) {
            out.push(v.text);
            waiting = true;
          } else {
            out.push(this.#templateString(v, part.expr));
          }
          break;
        }
        case "if": {
          const c = this.#known(this.eval(part.cond), part.cond, '"%{ if }"');
          const branch = this.#bool(c, part.cond, 'the condition of "%{ if }"') ? part.then : part.else;
          if (this.#parts(branch, out)) waiting = true;
          break;
        }
        case "for": {
          const coll = this.#known(this.eval(part.collection), part.collection, '"%{ for }"');
          const frame = new Map<string, Value>();
          this.#frames.push(frame);
          try {
            for (const [k, v] of this.#entries(coll, part.collection)) {
              if (part.keyVar !== null) frame.set(part.keyVar, k);
              frame.set(part.valueVar, v);
              if (this.#parts(part.body, out)) waiting = true;
            }
          } finally {
            this.#frames.pop();
          }
          break;
        }
      }
    }
    return waiting;
  }

  /** Template directives shape the text here and now, so they cannot wait for runtime values. */
  #known(r: Result, e: Expr, directive: string): Value {
    if (r instanceof Deferred) fail(e.range, `${directive} cannot depend on ${r.text}, which is only known when the task runs`);
    return r;
  }

  #templateString(v: Value, e: Expr): string {
    const s = asString(v);
    if (s !== undefined) return s;
    if (v === null) fail(e.range, "a null value cannot be used in a string template");
    return fail(e.range, `a ${typeName(v)} cannot be used in a string template; convert it with jsonencode() or join()`);
  }

  #bool(v: Value, e: Expr, what: string): boolean {
    const b = asBool(v);
    if (b === undefined) fail(e.range, `${what} must be a bool, got ${describeValue(v)}`);
    return b;
  }

  #number(v: Value, e: Expr, what: string): number {
    const n = asNumber(v);
    if (n === undefined) fail(e.range, `${what} must be a number, got ${describeValue(v)}`);
    return n;
  }
}
