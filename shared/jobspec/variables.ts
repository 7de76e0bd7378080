// Input variables and locals: `variable` blocks with defaults, values from NOMAD_VAR_* environment
// variables, -var-file files and -var flags (later ones win), validation blocks, and `locals`.

import {
  evaluate, HclError, parseExpression, parseHcl, sourceText, type Block, type Body, type EvalContext, type Range, type Value,
} from "../hcl/index.js";
import type { Diagnostics } from "./diagnostics.js";
import { convertToType, isPrimitiveType, parseTypeConstraint, type TypeConstraint } from "./types.js";

export interface VariableSources {
  /** `name=value` strings from -var flags. */
  vars: readonly string[];
  /** Var files already read: their name (for messages) and content. */
  varFiles: readonly { filename: string; source: string }[];
  /** The environment, for NOMAD_VAR_<name>. */
  env: Readonly<Record<string, string | undefined>>;
}

interface Declaration {
  name: string;
  block: Block;
  type: TypeConstraint;
  value?: Value;
  /** A value was given but was unusable (already reported), so "no value given" would be noise. */
  rejected?: boolean;
}

const ENV_PREFIX = "NOMAD_VAR_";

function describe(err: unknown): string {
  return err instanceof HclError ? err.detail : err instanceof Error ? err.message : String(err);
}

function declare(blocks: Block[], diagnostics: Diagnostics, functionsOnly: EvalContext): Map<string, Declaration> {
  const declarations = new Map<string, Declaration>();
  for (const block of blocks) {
    const name = block.labels[0];
    if (block.labels.length !== 1 || name === undefined) {
      diagnostics.add([], 'a variable block needs one label, its name: variable "region" { … }', block.typeRange);
      continue;
    }
    const path = [`variable "${name}"`];
    const previous = declarations.get(name);
    if (previous) {
      diagnostics.add(path, `variable "${name}" is declared twice (first at line ${previous.block.range.start.line})`, block.typeRange);
      continue;
    }
    const declaration: Declaration = { name, block, type: { kind: "any" } };
    for (const attribute of block.body.attributes) {
      if (attribute.name === "type") {
        try {
          declaration.type = parseTypeConstraint(sourceText(attribute.expr.range));
        } catch (err) {
          diagnostics.add([...path, "type"], describe(err), attribute.expr.range);
        }
      } else if (attribute.name === "default") {
        try {
          declaration.value = evaluate(attribute.expr, functionsOnly);
        } catch (err) {
          diagnostics.add([...path, "default"], `${describe(err)} (a default cannot refer to other variables)`, attribute.expr.range);
        }
      } else if (!["description", "sensitive", "nullable"].includes(attribute.name)) {
        diagnostics.add(path, `unknown attribute "${attribute.name}" in a variable block`, attribute.nameRange);
      }
    }
    for (const nested of block.body.blocks) {
      if (nested.type !== "validation") diagnostics.add(path, `unknown block "${nested.type}" in a variable block`, nested.typeRange);
    }
    if (declaration.value !== undefined) {
      try {
        declaration.value = convertToType(declaration.value, declaration.type);
      } catch (err) {
        diagnostics.add([...path, "default"], describe(err), block.body.attributes.find((a) => a.name === "default")?.expr.range);
      }
    }
    declarations.set(name, declaration);
  }
  return declarations;
}

/** A value given as text on the command line or in the environment. */
function fromText(text: string, declaration: Declaration, origin: string, functionsOnly: EvalContext): Value {
  if (isPrimitiveType(declaration.type)) return convertToType(text, declaration.type);
  const value = evaluate(parseExpression(text, origin), functionsOnly);
  return convertToType(value, declaration.type);
}

function assign(
  declarations: Map<string, Declaration>, name: string, produce: (d: Declaration) => Value, origin: string,
  diagnostics: Diagnostics, range?: Range,
): void {
  const declaration = declarations.get(name);
  if (!declaration) {
    diagnostics.add([], `${origin} sets variable "${name}", which the jobspec does not declare`, range);
    return;
  }
  try {
    declaration.value = produce(declaration);
  } catch (err) {
    declaration.rejected = true;
    const where = err instanceof HclError ? err.range : range;
    diagnostics.add([], `${origin}: variable "${name}": ${describe(err)}`, where);
  }
}

function applySources(declarations: Map<string, Declaration>, sources: VariableSources, diagnostics: Diagnostics, functionsOnly: EvalContext): void {
  for (const [key, text] of Object.entries(sources.env)) {
    const name = key.slice(ENV_PREFIX.length);
    if (!key.startsWith(ENV_PREFIX) || text === undefined || !declarations.has(name)) continue;
    assign(declarations, name, (d) => fromText(text, d, key, functionsOnly), `environment variable ${key}`, diagnostics);
  }
  for (const file of sources.varFiles) {
    let body: Body;
    try {
      body = parseHcl(file.source, file.filename);
    } catch (err) {
      if (!(err instanceof HclError)) throw err;
      diagnostics.add([], err.detail, err.range);
      continue;
    }
    for (const block of body.blocks) diagnostics.add([], `a variables file holds only name = value lines, not blocks`, block.typeRange);
    for (const attribute of body.attributes) {
      assign(declarations, attribute.name, (d) => convertToType(evaluate(attribute.expr, functionsOnly), d.type),
        `variables file ${file.filename}`, diagnostics, attribute.nameRange);
    }
  }
  for (const flag of sources.vars) {
    const eq = flag.indexOf("=");
    if (eq <= 0) {
      diagnostics.add([], `-var ${JSON.stringify(flag)}: expected name=value`);
      continue;
    }
    const name = flag.slice(0, eq);
    const text = flag.slice(eq + 1);
    assign(declarations, name, (d) => fromText(text, d, `-var ${name}`, functionsOnly), `-var ${name}`, diagnostics);
  }
}

function checkValidations(declarations: Map<string, Declaration>, diagnostics: Diagnostics, ctx: EvalContext): void {
  for (const declaration of declarations.values()) {
    for (const validation of declaration.block.body.blocks.filter((b) => b.type === "validation")) {
      const condition = validation.body.attributes.find((a) => a.name === "condition");
      const message = validation.body.attributes.find((a) => a.name === "error_message");
      if (!condition || !message) {
        diagnostics.add([`variable "${declaration.name}"`, "validation"], "a validation block needs condition and error_message", validation.typeRange);
        continue;
      }
      try {
        if (evaluate(condition.expr, ctx) !== true) {
          diagnostics.add([`variable "${declaration.name}"`], String(evaluate(message.expr, ctx)), condition.expr.range);
        }
      } catch (err) {
        diagnostics.add([`variable "${declaration.name}"`, "validation"], describe(err), err instanceof HclError ? err.range : condition.expr.range);
      }
    }
  }
}

/**
 * Evaluates locals in dependency order: each round evaluates the locals whose references are
 * known, until a round makes no progress (then the rest refer to something undefined or circular).
 */
function resolveLocals(localsBlocks: Block[], base: EvalContext, diagnostics: Diagnostics): Record<string, Value> {
  const locals: Record<string, Value> = {};
  let pending = localsBlocks.flatMap((block) => {
    for (const nested of block.body.blocks) diagnostics.add(["locals"], `unexpected block "${nested.type}" in locals`, nested.typeRange);
    return block.body.attributes;
  });
  const seen = new Map<string, Range>();
  for (const attribute of pending) {
    const first = seen.get(attribute.name);
    if (first) diagnostics.add(["locals"], `local "${attribute.name}" is defined twice (first at line ${first.start.line})`, attribute.nameRange);
    else seen.set(attribute.name, attribute.nameRange);
  }
  const ctx: EvalContext = { ...base, variables: { ...base.variables, local: locals } };
  for (;;) {
    const failures: { attribute: (typeof pending)[number]; err: unknown }[] = [];
    for (const attribute of pending) {
      try {
        locals[attribute.name] = evaluate(attribute.expr, ctx);
      } catch (err) {
        failures.push({ attribute, err });
      }
    }
    if (failures.length === 0 || failures.length === pending.length) {
      for (const { attribute, err } of failures) {
        diagnostics.add(["locals", attribute.name], describe(err), err instanceof HclError ? err.range : attribute.expr.range);
      }
      return locals;
    }
    pending = failures.map((f) => f.attribute);
  }
}

/** The `var` and `local` objects jobspec expressions can refer to. */
export function resolveVariables(
  variableBlocks: Block[], localsBlocks: Block[], sources: VariableSources, base: EvalContext, diagnostics: Diagnostics,
): EvalContext {
  const functionsOnly: EvalContext = { ...base, variables: {} };
  const declarations = declare(variableBlocks, diagnostics, functionsOnly);
  applySources(declarations, sources, diagnostics, functionsOnly);
  const vars: Record<string, Value> = {};
  for (const declaration of declarations.values()) {
    if (declaration.value === undefined) {
      if (declaration.rejected) continue;
      diagnostics.add([`variable "${declaration.name}"`],
        `no value given: pass -var ${declaration.name}=…, a -var-file, or set NOMAD_VAR_${declaration.name}`, declaration.block.typeRange);
    } else {
      vars[declaration.name] = declaration.value;
    }
  }
  const withVars: EvalContext = { ...base, variables: { ...base.variables, var: vars } };
  checkValidations(declarations, diagnostics, withVars);
  const locals = resolveLocals(localsBlocks, withVars, diagnostics);
  return { ...withVars, variables: { ...withVars.variables, local: locals } };
}
