import type { Range } from "./source.js";

export interface Body {
  /** Attributes in source order. */
  attributes: Attribute[];
  /** Blocks in source order. */
  blocks: Block[];
  range: Range;
}

export interface Attribute {
  name: string;
  expr: Expr;
  range: Range;
  nameRange: Range;
}

export interface Block {
  type: string;
  labels: string[];
  labelRanges: Range[];
  body: Body;
  range: Range;
  typeRange: Range;
}

export type Expr =
  | LiteralExpr
  | TemplateExpr
  | TraversalExpr
  | RelativeTraversalExpr
  | SplatExpr
  | CallExpr
  | TupleExpr
  | ObjectExpr
  | UnaryExpr
  | BinaryExpr
  | ConditionalExpr
  | ForExpr
  | ParensExpr;

/** A number, bool, null, or a string with no interpolation in it. */
export interface LiteralExpr {
  kind: "literal";
  value: string | number | boolean | null;
  range: Range;
}

/** A quoted string or heredoc containing `${…}` or `%{…}`. */
export interface TemplateExpr {
  kind: "template";
  parts: TemplatePart[];
  range: Range;
}

export type TemplatePart = TextPart | InterpPart | IfPart | ForPart;

export interface TextPart {
  kind: "text";
  value: string;
  range: Range;
}

export interface InterpPart {
  kind: "interp";
  expr: Expr;
  range: Range;
}

export interface IfPart {
  kind: "if";
  cond: Expr;
  then: TemplatePart[];
  else: TemplatePart[];
  range: Range;
}

export interface ForPart {
  kind: "for";
  keyVar: string | null;
  valueVar: string;
  collection: Expr;
  body: TemplatePart[];
  range: Range;
}

/** `.name`, or `[key]` (legacy `.0` is an index with a literal key). */
export type Step = AttrStep | IndexStep;

export interface AttrStep {
  kind: "attr";
  name: string;
  range: Range;
}

export interface IndexStep {
  kind: "index";
  key: Expr;
  range: Range;
}

/** A variable reference such as `var.region`, `attr.kernel.name` or `env["HOME"]`. */
export interface TraversalExpr {
  kind: "traversal";
  root: string;
  rootRange: Range;
  steps: Step[];
  range: Range;
}

/** Steps applied to something other than a variable, e.g. `f(x).a` or `[1, 2][0]`. */
export interface RelativeTraversalExpr {
  kind: "relative";
  source: Expr;
  steps: Step[];
  range: Range;
}

/** `source[*].steps` (full) or `source.*.attrs` (attribute-only): the steps apply to each element. */
export interface SplatExpr {
  kind: "splat";
  source: Expr;
  full: boolean;
  steps: Step[];
  range: Range;
}

export interface CallExpr {
  kind: "call";
  name: string;
  nameRange: Range;
  args: Expr[];
  /** The last argument was followed by `...` and is spread into the call. */
  expandFinal: boolean;
  range: Range;
}

export interface TupleExpr {
  kind: "tuple";
  items: Expr[];
  range: Range;
}

export interface ObjectItem {
  /** A bare identifier key is a string literal; `(expr)` keys are evaluated. */
  key: Expr;
  value: Expr;
}

export interface ObjectExpr {
  kind: "object";
  items: ObjectItem[];
  range: Range;
}

export interface UnaryExpr {
  kind: "unary";
  op: "-" | "!";
  operand: Expr;
  range: Range;
}

export type BinaryOp = "||" | "&&" | "==" | "!=" | "<" | ">" | "<=" | ">=" | "+" | "-" | "*" | "/" | "%";

export interface BinaryExpr {
  kind: "binary";
  op: BinaryOp;
  left: Expr;
  right: Expr;
  range: Range;
}

export interface ConditionalExpr {
  kind: "conditional";
  cond: Expr;
  then: Expr;
  else: Expr;
  range: Range;
}

/** `[for k, v in coll : value if cond]` or `{for k, v in coll : key => value... if cond}`. */
export interface ForExpr {
  kind: "for";
  keyVar: string | null;
  valueVar: string;
  collection: Expr;
  /** Present for the object form. */
  keyExpr: Expr | null;
  valueExpr: Expr;
  /** `...` after the value: collect values with equal keys into tuples. */
  group: boolean;
  cond: Expr | null;
  range: Range;
}

export interface ParensExpr {
  kind: "parens";
  expr: Expr;
  range: Range;
}
