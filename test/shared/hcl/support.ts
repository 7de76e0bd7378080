import { evaluate, HclError, parseExpression, parseHcl, stdlibFunctions, type Attribute, type Body, type Expr, type Step, type TemplatePart, type Value } from "../../../shared/hcl/index.js";

/** Evaluates one expression with the standard library and the given root variables. */
export function evalExpr(source: string, variables: Record<string, Value> = {}): Value {
  return evaluate(parseExpression(source, "expr.hcl"), { variables, functions: stdlibFunctions() });
}

/** The attribute `name` of a parsed body, failing loudly if it is missing. */
export function attribute(body: Body, name: string): Attribute {
  const found = body.attributes.find((a) => a.name === name);
  if (found === undefined) throw new Error(`no attribute ${name}`);
  return found;
}

/** Parses a file and evaluates its attribute `name`. */
export function evalAttribute(source: string, name: string, variables: Record<string, Value> = {}): Value {
  const body = parseHcl(source, "test.hcl");
  return evaluate(attribute(body, name).expr, { variables, functions: stdlibFunctions() });
}

/** "line:col: detail" of the HclError a function throws, or a note that it did not throw. */
export function errorAt(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof HclError) return `${err.range.start.line}:${err.range.start.column}: ${err.detail}`;
    throw err;
  }
  return "no error";
}

/** A compact rendering of an expression tree, so tests can state its shape in one line. */
export function show(e: Expr): string {
  const steps = (list: Step[]): string => list.map((s) => (s.kind === "attr" ? `.${s.name}` : `[${show(s.key)}]`)).join("");
  switch (e.kind) {
    case "literal": return JSON.stringify(e.value);
    case "template": return `(tpl ${e.parts.map(showPart).join(" ")})`;
    case "traversal": return e.root + steps(e.steps);
    case "relative": return `(rel ${show(e.source)} ${steps(e.steps)})`;
    case "splat": return `(splat${e.full ? "[*]" : ".*"} ${show(e.source)} ${steps(e.steps)})`;
    case "call": return `(${e.name}${e.args.map((a) => ` ${show(a)}`).join("")}${e.expandFinal ? " ..." : ""})`;
    case "tuple": return `[${e.items.map(show).join(" ")}]`;
    case "object": return `{${e.items.map((i) => `${show(i.key)}=${show(i.value)}`).join(" ")}}`;
    case "unary": return `(${e.op} ${show(e.operand)})`;
    case "binary": return `(${e.op} ${show(e.left)} ${show(e.right)})`;
    case "conditional": return `(? ${show(e.cond)} ${show(e.then)} ${show(e.else)})`;
    case "parens": return `(paren ${show(e.expr)})`;
    case "for": {
      const vars = e.keyVar === null ? e.valueVar : `${e.keyVar},${e.valueVar}`;
      const body = e.keyExpr === null ? show(e.valueExpr) : `${show(e.keyExpr)} => ${show(e.valueExpr)}${e.group ? "..." : ""}`;
      return `(for ${vars} in ${show(e.collection)} : ${body}${e.cond === null ? "" : ` if ${show(e.cond)}`})`;
    }
  }
}

function showPart(p: TemplatePart): string {
  switch (p.kind) {
    case "text": return JSON.stringify(p.value);
    case "interp": return `\${${show(p.expr)}}`;
    case "if": return `%{if ${show(p.cond)}}${p.then.map(showPart).join(" ")}%{else}${p.else.map(showPart).join(" ")}%{endif}`;
    case "for": return `%{for ${p.keyVar === null ? "" : `${p.keyVar},`}${p.valueVar} in ${show(p.collection)}}${p.body.map(showPart).join(" ")}%{endfor}`;
  }
}
