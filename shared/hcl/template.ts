import type { Expr, TemplatePart } from "./ast.js";
import { HclError } from "./errors.js";
import type { Lexer, TemplateMode, Token } from "./lexer.js";
import type { SourceFile } from "./source.js";

/** What the template reader needs from the expression parser. */
export interface TemplateHost {
  readonly lexer: Lexer;
  readonly file: SourceFile;
  peek(): Token;
  next(): Token;
  expr(): Expr;
  /** Newlines are not significant inside `${…}` and `%{…}`. */
  pushNewlines(significant: boolean): void;
  popNewlines(): void;
  unexpected(tok: Token, expected: string): never;
}

type Keyword = "if" | "else" | "endif" | "for" | "endfor";

/** A template element before directives are matched into a tree. */
type Item =
  | { kind: "text"; value: string; start: number; end: number }
  | { kind: "interp"; expr: Expr; start: number; end: number; stripBefore: boolean; stripAfter: boolean }
  | {
      kind: Keyword;
      expr: Expr | null;
      keyVar: string | null;
      valueVar: string;
      start: number;
      end: number;
      stripBefore: boolean;
      stripAfter: boolean;
    };

const keywords = new Set<string>(["if", "else", "endif", "for", "endfor"]);

/**
 * Reads a string or heredoc body from the lexer's current position up to and including its end,
 * returning the parts and the offset just past the closing quote or marker.
 */
export function parseTemplate(host: TemplateHost, mode: TemplateMode, flush: boolean): { parts: TemplatePart[]; end: number } {
  const items: Item[] = [];
  let end: number;
  for (;;) {
    const piece = host.lexer.scanTemplate(mode);
    if (piece.kind === "end") {
      end = piece.end;
      break;
    }
    if (piece.kind === "text") {
      items.push({ kind: "text", value: piece.value, start: piece.start, end: piece.end });
    } else {
      items.push(piece.kind === "interp" ? interpolation(host, piece.start, piece.strip) : directive(host, piece.start, piece.strip));
    }
  }
  if (flush) flushIndent(items);
  applyStripMarkers(items);
  return { parts: new TreeBuilder(host.file, items).build(), end };
}

function interpolation(host: TemplateHost, start: number, stripBefore: boolean): Item {
  host.pushNewlines(false);
  const expr = host.expr();
  const close = closeBrace(host, start, "interpolation");
  host.popNewlines();
  return { kind: "interp", expr, start, end: close.end, stripBefore, stripAfter: close.strip };
}

function directive(host: TemplateHost, start: number, stripBefore: boolean): Item {
  host.pushNewlines(false);
  const kw = host.next();
  if (kw.kind !== "ident" || !keywords.has(kw.text)) {
    host.unexpected(kw, 'a template directive: "if", "else", "endif", "for" or "endfor"');
  }
  const keyword = kw.text as Keyword;
  let expr: Expr | null = null;
  let keyVar: string | null = null;
  let valueVar = "";
  if (keyword === "if") {
    expr = host.expr();
  } else if (keyword === "for") {
    valueVar = identifier(host, "an iteration variable name after \"for\"");
    if (host.peek().kind === ",") {
      host.next();
      keyVar = valueVar;
      valueVar = identifier(host, 'a second iteration variable name after ","');
    }
    const inKw = host.next();
    if (inKw.kind !== "ident" || inKw.text !== "in") host.unexpected(inKw, '"in"');
    expr = host.expr();
  }
  const close = closeBrace(host, start, `"%{ ${keyword} }" directive`);
  host.popNewlines();
  return { kind: keyword, expr, keyVar, valueVar, start, end: close.end, stripBefore, stripAfter: close.strip };
}

function identifier(host: TemplateHost, expected: string): string {
  const tok = host.next();
  if (tok.kind !== "ident") host.unexpected(tok, expected);
  return tok.text;
}

function closeBrace(host: TemplateHost, start: number, what: string): { end: number; strip: boolean } {
  let tok = host.next();
  const strip = tok.kind === "~";
  if (strip) tok = host.next();
  if (tok.kind !== "}") {
    host.unexpected(tok, `"}" to close the ${what} opened at line ${host.file.pos(start).line}`);
  }
  return { end: tok.end, strip };
}

/**
 * `<<-` heredocs lose the smallest indentation shared by their lines. As in HCL, blank lines do not
 * count, and a line that starts with an interpolation has no indentation.
 */
function flushIndent(items: Item[]): void {
  let min = Infinity;
  let lineStart = true;
  const adjust: Array<Item & { kind: "text" }> = [];
  for (const item of items) {
    if (lineStart) {
      lineStart = false;
      if (item.kind === "text") {
        const indent = item.value.length - item.value.trimStart().length;
        const blank = indent === item.value.length && item.value.endsWith("\n");
        if (!blank) {
          adjust.push(item);
          min = Math.min(min, indent);
        }
      } else {
        min = 0;
      }
    }
    if (item.kind === "text" && item.value.endsWith("\n")) lineStart = true;
  }
  if (min === 0 || min === Infinity) return;
  for (const item of adjust) {
    item.value = item.value.slice(min);
    item.start += min;
  }
}

/** `${~` and `%{~` trim whitespace before them; `~}` trims whitespace after. */
function applyStripMarkers(items: Item[]): void {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item === undefined || item.kind === "text") continue;
    const before = items[i - 1];
    const after = items[i + 1];
    if (item.stripBefore && before?.kind === "text") before.value = before.value.trimEnd();
    if (item.stripAfter && after?.kind === "text") after.value = after.value.trimStart();
  }
}

/** Matches `if`/`else`/`endif` and `for`/`endfor` into nested parts and merges adjacent text. */
class TreeBuilder {
  #i = 0;
  readonly #file: SourceFile;
  readonly #items: Item[];

  constructor(file: SourceFile, items: Item[]) {
    this.#file = file;
    this.#items = items;
  }

  build(): TemplatePart[] {
    return this.#sequence([], null).parts;
  }

  #sequence(closers: Keyword[], opener: Item | null): { parts: TemplatePart[]; closer: Item | null } {
    const parts: TemplatePart[] = [];
    const text: string[] = [];
    let textStart = 0;
    let textEnd = 0;
    const flushText = (): void => {
      if (text.length === 0) return;
      const value = text.length === 1 ? (text[0] ?? "") : text.join("");
      text.length = 0;
      if (value !== "") parts.push({ kind: "text", value, range: this.#file.range(textStart, textEnd) });
    };
    while (this.#i < this.#items.length) {
      const item = this.#items[this.#i++];
      if (item === undefined) break;
      if (item.kind === "text") {
        if (text.length === 0) textStart = item.start;
        text.push(item.value);
        textEnd = item.end;
        continue;
      }
      flushText();
      switch (item.kind) {
        case "interp":
          parts.push({ kind: "interp", expr: item.expr, range: this.#file.range(item.start, item.end) });
          break;
        case "if": {
          const then = this.#sequence(["else", "endif"], item);
          let closer = then.closer;
          let elseParts: TemplatePart[] = [];
          if (closer?.kind === "else") {
            const rest = this.#sequence(["endif"], item);
            elseParts = rest.parts;
            closer = rest.closer;
          }
          const end = closer?.end ?? item.end;
          parts.push({ kind: "if", cond: item.expr as Expr, then: then.parts, else: elseParts, range: this.#file.range(item.start, end) });
          break;
        }
        case "for": {
          const body = this.#sequence(["endfor"], item);
          const end = body.closer?.end ?? item.end;
          parts.push({
            kind: "for",
            keyVar: item.keyVar,
            valueVar: item.valueVar,
            collection: item.expr as Expr,
            body: body.parts,
            range: this.#file.range(item.start, end),
          });
          break;
        }
        default:
          if (closers.includes(item.kind)) return { parts, closer: item };
          this.#fail(item, `unexpected "%{ ${item.kind} }" without a matching ${item.kind === "endfor" ? '"%{ for }"' : '"%{ if }"'}`);
      }
    }
    flushText();
    if (opener !== null && opener.kind !== "text" && opener.kind !== "interp") {
      const want = opener.kind === "for" ? "endfor" : "endif";
      this.#fail(opener, `"%{ ${opener.kind} }" is never closed: expected "%{ ${want} }" before the end of the template`);
    }
    return { parts, closer: null };
  }

  #fail(item: Item, detail: string): never {
    throw new HclError(this.#file.range(item.start, item.end), detail);
  }
}
