/**
 * HCL2 native syntax: parse jobspec files with positions on every node, and evaluate expressions,
 * keeping references that only the client can resolve as `${…}` text.
 */
import type { Body, Expr } from "./ast.js";
import { Parser } from "./parser.js";
import { SourceFile } from "./source.js";

export type * from "./ast.js";
export { HclError } from "./errors.js";
export { evaluate, type EvalContext } from "./evaluate.js";
export { stdlibFunctions } from "./functions/index.js";
export { identifierName, isLiteralString, variableReferences } from "./inspect.js";
export { formatRange, sourceText, type Pos, type Range } from "./source.js";
export { describeValue, formatNumber, typeName, type HclFunction, type Value } from "./values.js";

/** Parses a whole file. Throws HclError at the first syntax error. */
export function parseHcl(source: string, filename: string): Body {
  return new Parser(new SourceFile(filename, source)).parseFile();
}

/** Parses a single expression, such as the value of a `-var` flag. */
export function parseExpression(source: string, filename: string): Expr {
  return new Parser(new SourceFile(filename, source)).parseStandaloneExpression();
}
