import type { Attribute, BinaryOp, Block, Body, Expr, ForExpr, ObjectItem, SplatExpr, Step, TemplatePart } from "./ast.js";
import { HclError } from "./errors.js";
import { Lexer, type Token, type TokenKind } from "./lexer.js";
import { spanRanges, type Range, type SourceFile } from "./source.js";
import { parseTemplate, type TemplateHost } from "./template.js";

const precedence: Partial<Record<TokenKind, number>> = {
  "||": 1,
  "&&": 2,
  "==": 3, "!=": 3,
  "<": 4, ">": 4, "<=": 4, ">=": 4,
  "+": 5, "-": 5,
  "*": 6, "/": 6, "%": 6,
};

function describe(tok: Token): string {
  switch (tok.kind) {
    case "ident": return `"${tok.text}"`;
    case "number": return `the number ${tok.text}`;
    case "quote": return "a string";
    case "heredoc": return "a heredoc";
    case "nl": return "a newline";
    case "eof": return "the end of the file";
    default: return `"${tok.kind}"`;
  }
}

type Postfix = { kind: "step"; step: Step } | { kind: "splat"; full: boolean; end: number };

/**
 * Recursive-descent parser for HCL native syntax. Newlines end attributes and object items but are
 * ignored inside brackets, parentheses, interpolations and for-expressions; a stack tracks which.
 */
export class Parser implements TemplateHost {
  readonly lexer: Lexer;
  readonly file: SourceFile;
  #ahead: Token | null = null;
  #skipNewlines = false;
  readonly #newlineStack: boolean[] = [];

  constructor(file: SourceFile) {
    this.file = file;
    this.lexer = new Lexer(file);
  }

  parseFile(): Body {
    return this.#body(null, "");
  }

  parseStandaloneExpression(): Expr {
    this.pushNewlines(false);
    const expr = this.expr();
    const tok = this.next();
    if (tok.kind !== "eof") this.unexpected(tok, "the end of the expression");
    return expr;
  }

  // --- token stream (also used by the template reader) ---

  peek(): Token {
    let tok = this.#ahead ?? this.lexer.next();
    while (tok.kind === "nl" && this.#skipNewlines) tok = this.lexer.next();
    this.#ahead = tok;
    return tok;
  }

  next(): Token {
    const tok = this.peek();
    this.#ahead = null;
    return tok;
  }

  pushNewlines(significant: boolean): void {
    this.#newlineStack.push(this.#skipNewlines);
    this.#skipNewlines = !significant;
  }

  popNewlines(): void {
    this.#skipNewlines = this.#newlineStack.pop() ?? false;
  }

  unexpected(tok: Token, expected: string): never {
    this.#fail(tok, `expected ${expected}, found ${describe(tok)}`);
  }

  expr(): Expr {
    return this.#conditional();
  }

  // --- bodies ---

  /** Reads attributes and blocks up to (not including) the closing "}" of `open`, or to the end of the file. */
  #body(open: Token | null, blockType: string): Body {
    const attributes: Attribute[] = [];
    const blocks: Block[] = [];
    const seen = new Map<string, Attribute>();
    for (;;) {
      const tok = this.peek();
      switch (tok.kind) {
        case "nl":
          this.next();
          continue;
        case "ident":
          this.#item(attributes, blocks, seen);
          continue;
        case "}":
          if (open === null) return this.#fail(tok, 'unexpected "}" — there is no open block to close');
          return { attributes, blocks, range: this.#range(open.start, tok.end) };
        case "eof":
          if (open !== null) this.#unclosedBlock(tok, open, blockType);
          return { attributes, blocks, range: this.#range(0, tok.end) };
        case "=":
          return this.#fail(tok, 'unexpected "=" — an attribute needs a name');
        case ")":
        case "]":
          // A stray closer inside a block most likely means its "}" went missing.
          if (open !== null) this.#unclosedBlock(tok, open, blockType);
          return this.unexpected(tok, "an attribute name or a block type");
        default:
          return this.unexpected(tok, "an attribute name or a block type");
      }
    }
  }

  #unclosedBlock(tok: Token, open: Token, blockType: string): never {
    this.#fail(tok, `expected "}" to close the block "${blockType}" opened at line ${this.#line(open)}`);
  }

  #item(attributes: Attribute[], blocks: Block[], seen: Map<string, Attribute>): void {
    const name = this.next();
    const nameRange = this.#range(name.start, name.end);
    let tok = this.peek();
    if (tok.kind === "=") {
      this.next();
      const expr = this.expr();
      const earlier = seen.get(name.text);
      if (earlier !== undefined) {
        throw new HclError(nameRange, `attribute "${name.text}" is already set at line ${earlier.nameRange.start.line}; each attribute may be set only once`);
      }
      const attr: Attribute = { name: name.text, expr, range: spanRanges(nameRange, expr.range), nameRange };
      seen.set(name.text, attr);
      attributes.push(attr);
      this.#endOfItem(`the value of "${name.text}"`);
      return;
    }
    const labels: string[] = [];
    const labelRanges: Range[] = [];
    while (tok.kind === "quote" || tok.kind === "ident") {
      this.next();
      if (tok.kind === "ident") {
        labels.push(tok.text);
        labelRanges.push(this.#range(tok.start, tok.end));
      } else {
        const label = this.#string(tok);
        if (label.kind !== "literal") throw new HclError(label.range, 'block labels must be plain strings, without "${…}" or "%{…}"');
        labels.push(label.value as string);
        labelRanges.push(label.range);
      }
      tok = this.peek();
    }
    if (tok.kind !== "{") {
      this.unexpected(tok, labels.length === 0 ? `"=" or "{" after "${name.text}"` : `"{" to open the block "${name.text}"`);
    }
    const open = this.next();
    const body = this.#body(open, name.text);
    const close = this.next();
    blocks.push({ type: name.text, labels, labelRanges, body, range: this.#range(name.start, close.end), typeRange: nameRange });
    this.#endOfItem(`the block "${name.text}"`);
  }

  /** An attribute or block ends at a newline, the end of the file, or the "}" of its enclosing block. */
  #endOfItem(what: string): void {
    const tok = this.peek();
    if (tok.kind === "nl") this.next();
    else if (tok.kind !== "eof" && tok.kind !== "}") this.unexpected(tok, `a newline after ${what}`);
  }

  // --- expressions ---

  #conditional(): Expr {
    const cond = this.#binary(1);
    if (this.peek().kind !== "?") return cond;
    this.next();
    const then = this.expr();
    const colon = this.next();
    if (colon.kind !== ":") this.unexpected(colon, '":" between the two results of the conditional');
    const otherwise = this.expr();
    return { kind: "conditional", cond, then, else: otherwise, range: spanRanges(cond.range, otherwise.range) };
  }

  #binary(min: number): Expr {
    let left = this.#unary();
    for (;;) {
      const op = this.peek();
      const level = precedence[op.kind];
      if (level === undefined || level < min) return left;
      this.next();
      const right = this.#binary(level + 1);
      left = { kind: "binary", op: op.kind as BinaryOp, left, right, range: spanRanges(left.range, right.range) };
    }
  }

  #unary(): Expr {
    const tok = this.peek();
    if (tok.kind !== "-" && tok.kind !== "!") return this.#postfix(this.#primary());
    this.next();
    const operand = this.#unary();
    const range = spanRanges(this.#range(tok.start, tok.end), operand.range);
    if (tok.kind === "-" && operand.kind === "literal" && typeof operand.value === "number") {
      return { kind: "literal", value: -operand.value, range };
    }
    return { kind: "unary", op: tok.kind, operand, range };
  }

  #primary(): Expr {
    const tok = this.next();
    switch (tok.kind) {
      case "number":
        return { kind: "literal", value: Number(tok.text), range: this.#range(tok.start, tok.end) };
      case "ident":
        return this.#identifier(tok);
      case "quote":
        return this.#string(tok);
      case "heredoc": {
        const mode = { marker: tok.text, openStart: tok.start, openEnd: tok.end - 1, atLineStart: true };
        const { parts, end } = parseTemplate(this, mode, tok.flush);
        return this.#template(parts, tok.start, end);
      }
      case "(": {
        this.pushNewlines(false);
        const expr = this.expr();
        const close = this.next();
        if (close.kind !== ")") this.#unclosed(close, tok, ")", `"("`, '")"');
        this.popNewlines();
        return { kind: "parens", expr, range: this.#range(tok.start, close.end) };
      }
      case "[":
        return this.#tuple(tok);
      case "{":
        return this.#object(tok);
      default:
        return this.unexpected(tok, "an expression");
    }
  }

  #identifier(tok: Token): Expr {
    const range = this.#range(tok.start, tok.end);
    switch (tok.text) {
      case "true": return { kind: "literal", value: true, range };
      case "false": return { kind: "literal", value: false, range };
      case "null": return { kind: "literal", value: null, range };
    }
    if (this.peek().kind === "(") return this.#call(tok, range);
    return { kind: "traversal", root: tok.text, rootRange: range, steps: [], range };
  }

  #string(open: Token): Expr {
    const mode = { marker: null, openStart: open.start, openEnd: open.end, atLineStart: false };
    const { parts, end } = parseTemplate(this, mode, false);
    return this.#template(parts, open.start, end);
  }

  /** Strings without interpolation become plain literals. */
  #template(parts: TemplatePart[], start: number, end: number): Expr {
    const range = this.#range(start, end);
    const only = parts[0];
    if (only === undefined) return { kind: "literal", value: "", range };
    if (parts.length === 1 && only.kind === "text") return { kind: "literal", value: only.value, range };
    return { kind: "template", parts, range };
  }

  #call(name: Token, nameRange: Range): Expr {
    const open = this.next();
    this.pushNewlines(false);
    const args: Expr[] = [];
    let expandFinal = false;
    for (let tok = this.peek(); tok.kind !== ")"; tok = this.peek()) {
      if (tok.kind === "eof") this.#unclosed(tok, open, ")", `call to "${name.text}"`, "");
      args.push(this.expr());
      tok = this.peek();
      if (tok.kind === "...") {
        this.next();
        expandFinal = true;
        tok = this.peek();
        if (tok.kind !== ")") this.unexpected(tok, '")" after the expanded final argument');
        break;
      }
      if (tok.kind === ",") this.next();
      else if (tok.kind !== ")") this.#unclosed(tok, open, ")", `call to "${name.text}"`, `"," or ")" after an argument of "${name.text}"`);
    }
    const close = this.next();
    this.popNewlines();
    return { kind: "call", name: name.text, nameRange, args, expandFinal, range: this.#range(name.start, close.end) };
  }

  #tuple(open: Token): Expr {
    this.pushNewlines(false);
    if (this.#forFollows()) {
      const expr = this.#for(open, "]");
      this.popNewlines();
      return expr;
    }
    const items: Expr[] = [];
    for (let tok = this.peek(); tok.kind !== "]"; tok = this.peek()) {
      if (tok.kind === "eof") this.#unclosed(tok, open, "]", "tuple", "");
      items.push(this.expr());
      tok = this.peek();
      if (tok.kind === ",") this.next();
      else if (tok.kind !== "]") this.#unclosed(tok, open, "]", "tuple", '"," or "]" after a tuple element');
    }
    const close = this.next();
    this.popNewlines();
    return { kind: "tuple", items, range: this.#range(open.start, close.end) };
  }

  #object(open: Token): Expr {
    // Look past newlines for "for", as in `{\n for k, v in m : k => v\n}`.
    this.pushNewlines(false);
    if (this.#forFollows()) {
      const expr = this.#for(open, "}");
      this.popNewlines();
      return expr;
    }
    this.popNewlines();
    this.pushNewlines(true);
    const items: ObjectItem[] = [];
    for (;;) {
      let tok = this.peek();
      while (tok.kind === "nl") {
        this.next();
        tok = this.peek();
      }
      if (tok.kind === "}") break;
      if (tok.kind === "eof") this.#unclosed(tok, open, "}", "object", "");
      const key = this.#objectKey();
      const sep = this.next();
      if (sep.kind !== "=" && sep.kind !== ":") this.unexpected(sep, '"=" or ":" after the object key');
      items.push({ key, value: this.expr() });
      tok = this.peek();
      if (tok.kind === "," || tok.kind === "nl") this.next();
      else if (tok.kind !== "}") this.#unclosed(tok, open, "}", "object", 'a newline or "," after the object item');
    }
    const close = this.next();
    this.popNewlines();
    return { kind: "object", items, range: this.#range(open.start, close.end) };
  }

  /** A bare identifier key means its own name; any other key is an expression. */
  #objectKey(): Expr {
    const key = this.#binary(1);
    if (key.kind === "traversal" && key.steps.length === 0) return { kind: "literal", value: key.root, range: key.range };
    return key;
  }

  #forFollows(): boolean {
    const tok = this.peek();
    return tok.kind === "ident" && tok.text === "for" && this.lexer.identFollows();
  }

  #for(open: Token, closer: "]" | "}"): ForExpr {
    this.next();
    let keyVar: string | null = null;
    let valueVar = this.#ident('an iteration variable name after "for"');
    if (this.peek().kind === ",") {
      this.next();
      keyVar = valueVar;
      valueVar = this.#ident('a second iteration variable name after ","');
    }
    const inKw = this.next();
    if (inKw.kind !== "ident" || inKw.text !== "in") this.unexpected(inKw, '"in" after the iteration variables');
    const collection = this.expr();
    this.#expect(":", `":" after the collection of the for expression`);
    let keyExpr: Expr | null = null;
    if (closer === "}") {
      keyExpr = this.expr();
      this.#expect("=>", '"=>" between the key and the value of the for expression');
    }
    const valueExpr = this.expr();
    let group = false;
    if (closer === "}" && this.peek().kind === "...") {
      this.next();
      group = true;
    }
    let cond: Expr | null = null;
    const maybeIf = this.peek();
    if (maybeIf.kind === "ident" && maybeIf.text === "if") {
      this.next();
      cond = this.expr();
    }
    const close = this.next();
    if (close.kind !== closer) this.#unclosed(close, open, closer, "for expression", `"${closer}" to end the for expression`);
    return { kind: "for", keyVar, valueVar, collection, keyExpr, valueExpr, group, cond, range: this.#range(open.start, close.end) };
  }

  #postfix(expr: Expr): Expr {
    for (;;) {
      const kind = this.peek().kind;
      if (kind !== "." && kind !== "[") return expr;
      const p = this.#readPostfix();
      expr = p.kind === "splat" ? this.#splat(expr, p.full, p.end) : withStep(expr, p.step);
    }
  }

  /** Splats absorb the steps after them: `.name` for `.*`, and also `[i]` for `[*]`. */
  #splat(source: Expr, full: boolean, end: number): Expr {
    const steps: Step[] = [];
    const make = (): SplatExpr => ({ kind: "splat", source, full, steps, range: this.file.rangeOf(source.range.start, this.file.pos(end)) });
    for (;;) {
      const kind = this.peek().kind;
      if (kind !== "." && !(full && kind === "[")) return make();
      const p = this.#readPostfix();
      if (p.kind === "splat") return this.#splat(make(), p.full, p.end);
      steps.push(p.step);
      end = p.step.range.end.offset;
    }
  }

  #readPostfix(): Postfix {
    const open = this.next();
    if (open.kind === ".") {
      if (this.lexer.digitFollows()) {
        // Legacy index syntax: `a.0` means `a[0]`.
        const num = this.lexer.integer();
        const key: Expr = { kind: "literal", value: Number(num.text), range: this.#range(num.start, num.end) };
        return { kind: "step", step: { kind: "index", key, range: this.#range(open.start, num.end) } };
      }
      const tok = this.next();
      if (tok.kind === "*") return { kind: "splat", full: false, end: tok.end };
      if (tok.kind !== "ident") this.unexpected(tok, 'an attribute name after "."');
      return { kind: "step", step: { kind: "attr", name: tok.text, range: this.#range(open.start, tok.end) } };
    }
    this.pushNewlines(false);
    if (this.peek().kind === "*") {
      this.next();
      const close = this.next();
      if (close.kind !== "]") this.unexpected(close, '"]" after "[*"');
      this.popNewlines();
      return { kind: "splat", full: true, end: close.end };
    }
    const key = this.expr();
    const close = this.next();
    if (close.kind !== "]") this.#unclosed(close, open, "]", "index", '"]" to close the index');
    this.popNewlines();
    return { kind: "step", step: { kind: "index", key, range: this.#range(open.start, close.end) } };
  }

  // --- helpers ---

  #ident(expected: string): string {
    const tok = this.next();
    if (tok.kind !== "ident") this.unexpected(tok, expected);
    return tok.text;
  }

  #expect(kind: TokenKind, expected: string): void {
    const tok = this.next();
    if (tok.kind !== kind) this.unexpected(tok, expected);
  }

  /**
   * At the end of the file (or when `expected` is empty), name the opener that was never closed;
   * otherwise say what was expected instead of `tok`.
   */
  #unclosed(tok: Token, open: Token, closer: string, what: string, expected: string): never {
    if (tok.kind === "eof" || expected === "") {
      this.#fail(tok, `expected "${closer}" to close the ${what} opened at line ${this.#line(open)}`);
    }
    this.unexpected(tok, expected);
  }

  #line(tok: Token): number {
    return this.file.pos(tok.start).line;
  }

  #range(start: number, end: number): Range {
    return this.file.range(start, end);
  }

  #fail(tok: Token, detail: string): never {
    throw new HclError(this.#range(tok.start, tok.end), detail);
  }
}

function withStep(expr: Expr, step: Step): Expr {
  if (expr.kind === "traversal" || expr.kind === "relative") {
    expr.steps.push(step);
    expr.range = spanRanges(expr.range, step.range);
    return expr;
  }
  return { kind: "relative", source: expr, steps: [step], range: spanRanges(expr.range, step.range) };
}
