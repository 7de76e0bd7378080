import type { Expr, LiteralExpr, Step, TemplatePart, TraversalExpr } from "./ast.js";

/** A string with no interpolation: `"web"` or a heredoc without `${…}`. */
export function isLiteralString(expr: Expr): expr is LiteralExpr & { value: string } {
  return expr.kind === "literal" && typeof expr.value === "string";
}

/** The name of a bare identifier expression such as `string` in `type = string`. */
export function identifierName(expr: Expr): string | undefined {
  return expr.kind === "traversal" && expr.steps.length === 0 ? expr.root : undefined;
}

/**
 * Every variable reference in an expression, in source order, leaving out for-expression
 * iteration variables. Useful for ordering locals and for reporting unknown roots.
 */
export function variableReferences(expr: Expr): TraversalExpr[] {
  const out: TraversalExpr[] = [];
  collect(expr, new Set(), out);
  return out;
}

function collect(e: Expr, bound: Set<string>, out: TraversalExpr[]): void {
  switch (e.kind) {
    case "literal":
      return;
    case "traversal":
      if (!bound.has(e.root)) out.push(e);
      return steps(e.steps, bound, out);
    case "relative":
    case "splat":
      collect(e.source, bound, out);
      return steps(e.steps, bound, out);
    case "template":
      return parts(e.parts, bound, out);
    case "call":
      return e.args.forEach((arg) => collect(arg, bound, out));
    case "tuple":
      return e.items.forEach((item) => collect(item, bound, out));
    case "object":
      return e.items.forEach((item) => {
        collect(item.key, bound, out);
        collect(item.value, bound, out);
      });
    case "unary":
      return collect(e.operand, bound, out);
    case "binary":
      collect(e.left, bound, out);
      return collect(e.right, bound, out);
    case "conditional":
      collect(e.cond, bound, out);
      collect(e.then, bound, out);
      return collect(e.else, bound, out);
    case "parens":
      return collect(e.expr, bound, out);
    case "for": {
      collect(e.collection, bound, out);
      const inner = withNames(bound, e.keyVar, e.valueVar);
      for (const sub of [e.keyExpr, e.valueExpr, e.cond]) if (sub !== null) collect(sub, inner, out);
      return;
    }
  }
}

function steps(list: Step[], bound: Set<string>, out: TraversalExpr[]): void {
  for (const step of list) if (step.kind === "index") collect(step.key, bound, out);
}

function parts(list: TemplatePart[], bound: Set<string>, out: TraversalExpr[]): void {
  for (const part of list) {
    switch (part.kind) {
      case "text":
        break;
      case "interp":
        collect(part.expr, bound, out);
        break;
      case "if":
        collect(part.cond, bound, out);
        parts(part.then, bound, out);
        parts(part.else, bound, out);
        break;
      case "for":
        collect(part.collection, bound, out);
        parts(part.body, withNames(bound, part.keyVar, part.valueVar), out);
        break;
    }
  }
}

function withNames(bound: Set<string>, key: string | null, value: string): Set<string> {
  const inner = new Set(bound);
  if (key !== null) inner.add(key);
  inner.add(value);
  return inner;
}
