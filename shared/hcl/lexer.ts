import { HclError } from "./errors.js";
import type { SourceFile } from "./source.js";

export type Punct =
  | "{" | "}" | "[" | "]" | "(" | ")" | "," | "." | "..." | "=" | "=>" | ":" | "?" | "!" | "~"
  | "+" | "-" | "*" | "/" | "%" | "<" | ">" | "<=" | ">=" | "==" | "!=" | "&&" | "||";

/** "quote" is an opening `"`: the string body is read with scanTemplate. */
export type TokenKind = "ident" | "number" | "quote" | "heredoc" | "nl" | "eof" | Punct;

export interface Token {
  kind: TokenKind;
  /** Identifier name, number text, punctuation, or heredoc marker. */
  text: string;
  start: number;
  end: number;
  /** Heredoc opened with `<<-`. */
  flush: boolean;
}

/** One piece of a template body: literal text, the opener of `${` / `%{`, or the end of the template. */
export interface Piece {
  kind: "text" | "interp" | "directive" | "end";
  /** Literal text with escapes decoded (empty for other kinds). */
  value: string;
  /** `${~` or `%{~`: trim whitespace before this piece. */
  strip: boolean;
  start: number;
  end: number;
}

/** Where a template body came from and how it ends. */
export interface TemplateMode {
  /** The closing marker of a heredoc, or null for a quoted string. */
  marker: string | null;
  /** Offsets of the opening `"` or `<<EOF`, for "unterminated" errors. */
  openStart: number;
  openEnd: number;
  /** Heredoc only: the next character starts a line, where the closing marker may appear. */
  atLineStart: boolean;
}

const idStart = /[\p{ID_Start}_]/u;
const idContinue = /[\p{ID_Continue}\-]/u;

function isIdStartAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) return true;
  return c >= 128 && idStart.test(String.fromCodePoint(s.codePointAt(i) ?? 0));
}

function isIdContinueAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45) return true;
  return c >= 128 && idContinue.test(String.fromCodePoint(s.codePointAt(i) ?? 0));
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function describeChar(s: string, i: number): string {
  const cp = s.codePointAt(i) ?? 0;
  if (cp < 32 || cp === 127) return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return JSON.stringify(String.fromCodePoint(cp));
}

const twoCharPuncts = new Set<string>(["=>", "==", "!=", "<=", ">=", "&&", "||"]);
const oneCharPuncts = new Set<string>(["{", "}", "[", "]", "(", ")", ",", ".", "=", ":", "?", "!", "~", "+", "-", "*", "/", "%", "<", ">"]);

/**
 * Reads tokens on demand. The parser drives it: ordinary tokens through next(), and string or
 * heredoc bodies through scanTemplate(), since what a character means depends on that context.
 */
export class Lexer {
  readonly file: SourceFile;
  readonly text: string;
  pos: number;

  constructor(file: SourceFile) {
    this.file = file;
    this.text = file.text;
    this.pos = this.text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  fail(start: number, end: number, detail: string): never {
    throw new HclError(this.file.range(start, end), detail);
  }

  next(): Token {
    const s = this.text;
    const n = s.length;
    let i = this.pos;
    for (;;) {
      if (i >= n) {
        this.pos = n;
        return { kind: "eof", text: "", start: n, end: n, flush: false };
      }
      const c = s.charCodeAt(i);
      if (c === 32 || c === 9 || c === 13) {
        i++;
      } else if (c === 35 || (c === 47 && s.charCodeAt(i + 1) === 47)) {
        // Line comments stop before the newline, which is still a token.
        const j = s.indexOf("\n", i);
        i = j === -1 ? n : j;
      } else if (c === 47 && s.charCodeAt(i + 1) === 42) {
        const j = s.indexOf("*/", i + 2);
        if (j === -1) this.fail(i, i + 2, 'unterminated comment: no closing "*/"');
        i = j + 2;
      } else {
        break;
      }
    }
    const start = i;
    const c = s.charCodeAt(i);
    if (c === 10) return this.token("nl", "\n", start, i + 1);
    if (isIdStartAt(s, i)) {
      i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
      while (i < n && isIdContinueAt(s, i)) i += s.charCodeAt(i) >= 0xd800 && s.charCodeAt(i) <= 0xdbff ? 2 : 1;
      return this.token("ident", s.slice(start, i), start, i);
    }
    if (isDigit(c)) return this.number(start);
    if (c === 34) return this.token("quote", '"', start, i + 1);
    if (c === 60 && s.charCodeAt(i + 1) === 60) return this.heredoc(start);
    if (c === 46 && s.charCodeAt(i + 1) === 46 && s.charCodeAt(i + 2) === 46) return this.token("...", "...", start, i + 3);
    const two = s.slice(i, i + 2);
    if (twoCharPuncts.has(two)) return this.token(two as Punct, two, start, i + 2);
    const one = s[i] ?? "";
    if (oneCharPuncts.has(one)) return this.token(one as Punct, one, start, i + 1);
    const width = c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    return this.fail(start, start + width, `invalid character ${describeChar(s, start)}`);
  }

  /** After a `.`: is this a legacy index like `a.0`? */
  digitFollows(): boolean {
    return isDigit(this.text.charCodeAt(this.pos));
  }

  /** Reads the digits of a legacy index, which must not swallow a following `.1` as a fraction. */
  integer(): Token {
    const s = this.text;
    let i = this.pos;
    while (isDigit(s.charCodeAt(i))) i++;
    return this.token("number", s.slice(this.pos, i), this.pos, i);
  }

  /** Is the next token, skipping whitespace, an identifier? Tells `[for x in …]` from a variable named `for`. */
  identFollows(): boolean {
    const s = this.text;
    let i = this.pos;
    for (let c = s.charCodeAt(i); c === 32 || c === 9 || c === 13 || c === 10; c = s.charCodeAt(++i));
    return i < s.length && isIdStartAt(s, i);
  }

  scanTemplate(mode: TemplateMode): Piece {
    return mode.marker === null ? this.quotedPiece(mode) : this.heredocPiece(mode, mode.marker);
  }

  private token(kind: TokenKind, text: string, start: number, end: number): Token {
    this.pos = end;
    return { kind, text, start, end, flush: false };
  }

  private number(start: number): Token {
    const s = this.text;
    let i = start;
    while (isDigit(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) === 46 && isDigit(s.charCodeAt(i + 1))) {
      i += 2;
      while (isDigit(s.charCodeAt(i))) i++;
    }
    const e = s.charCodeAt(i);
    if (e === 101 || e === 69) {
      const sign = s.charCodeAt(i + 1);
      const digitAt = sign === 43 || sign === 45 ? i + 2 : i + 1;
      if (isDigit(s.charCodeAt(digitAt))) {
        i = digitAt;
        while (isDigit(s.charCodeAt(i))) i++;
      }
    }
    return this.token("number", s.slice(start, i), start, i);
  }

  private heredoc(start: number): Token {
    const s = this.text;
    let i = start + 2;
    const flush = s.charCodeAt(i) === 45;
    if (flush) i++;
    const markerStart = i;
    if (!isIdStartAt(s, i)) this.fail(start, i, 'invalid heredoc: expected a marker name after "<<", like <<EOF');
    while (i < s.length && isIdContinueAt(s, i)) i++;
    const marker = s.slice(markerStart, i);
    if (s.charCodeAt(i) === 13) i++;
    if (s.charCodeAt(i) !== 10) this.fail(start, i, `invalid heredoc: the line must end right after "${s.slice(start, markerStart)}${marker}"`);
    const tok = this.token("heredoc", marker, start, i + 1);
    tok.flush = flush;
    return tok;
  }

  private quotedPiece(mode: TemplateMode): Piece {
    const s = this.text;
    const n = s.length;
    const start = this.pos;
    let i = start;
    let chunks: string[] | null = null;
    let from = i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (i >= n || c === 10) this.fail(mode.openStart, mode.openEnd, "unterminated string: missing the closing quote");
      if (c === 34) {
        if (i > start) break;
        this.pos = i + 1;
        return { kind: "end", value: "", strip: false, start: i, end: i + 1 };
      }
      if (c === 92) {
        chunks ??= [];
        chunks.push(s.slice(from, i));
        i = this.escape(i, chunks);
        from = i;
      } else if ((c === 36 || c === 37) && s.charCodeAt(i + 1) === 123) {
        if (i > start) break;
        return this.opener(i);
      } else if ((c === 36 || c === 37) && s.charCodeAt(i + 1) === c && s.charCodeAt(i + 2) === 123) {
        // `$${` and `%%{` stand for a literal `${` and `%{`.
        chunks ??= [];
        chunks.push(s.slice(from, i + 1), "{");
        i += 3;
        from = i;
      } else {
        i++;
      }
    }
    this.pos = i;
    const value = chunks === null ? s.slice(start, i) : chunks.join("") + s.slice(from, i);
    return { kind: "text", value, strip: false, start, end: i };
  }

  /** Decodes the escape at `i`, appends it to `out`, and returns the offset after it. */
  private escape(i: number, out: string[]): number {
    const s = this.text;
    const e = s[i + 1];
    switch (e) {
      case "n": out.push("\n"); return i + 2;
      case "r": out.push("\r"); return i + 2;
      case "t": out.push("\t"); return i + 2;
      case '"': out.push('"'); return i + 2;
      case "\\": out.push("\\"); return i + 2;
      case "u":
      case "U": {
        const len = e === "u" ? 4 : 8;
        const hex = s.slice(i + 2, i + 2 + len);
        const cp = /^[0-9a-fA-F]+$/.test(hex) && hex.length === len ? parseInt(hex, 16) : -1;
        if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
          this.fail(i, Math.min(i + 2 + len, s.length), `invalid unicode escape "\\${e}${hex}": expected ${len} hex digits naming a character`);
        }
        out.push(String.fromCodePoint(cp));
        return i + 2 + len;
      }
      default: {
        const shown = e === undefined || e === "\n" ? "\\" : `\\${e}`;
        return this.fail(i, i + shown.length, `invalid escape sequence "${shown}": use \\n, \\r, \\t, \\", \\\\, \\uNNNN or \\UNNNNNNNN`);
      }
    }
  }

  private opener(i: number): Piece {
    const kind = this.text.charCodeAt(i) === 36 ? "interp" : "directive";
    const strip = this.text.charCodeAt(i + 2) === 126;
    const end = i + (strip ? 3 : 2);
    this.pos = end;
    return { kind, value: "", strip, start: i, end };
  }

  /** Heredoc text comes one line at a time so that `<<-` can strip indentation per line. */
  private heredocPiece(mode: TemplateMode, marker: string): Piece {
    const s = this.text;
    const n = s.length;
    const start = this.pos;
    if (mode.atLineStart) {
      let j = start;
      while (s.charCodeAt(j) === 32 || s.charCodeAt(j) === 9) j++;
      if (s.startsWith(marker, j)) {
        const k = j + marker.length;
        const after = s.charCodeAt(k);
        if (k >= n || after === 10 || (after === 13 && s.charCodeAt(k + 1) === 10)) {
          this.pos = k;
          return { kind: "end", value: "", strip: false, start: j, end: k };
        }
      }
    }
    if (start >= n) this.fail(mode.openStart, mode.openEnd, `unterminated heredoc: no closing "${marker}" line`);
    mode.atLineStart = false;
    let i = start;
    let chunks: string[] | null = null;
    let from = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 10) {
        i++;
        mode.atLineStart = true;
        break;
      }
      if ((c === 36 || c === 37) && s.charCodeAt(i + 1) === 123) {
        if (i > start) break;
        return this.opener(i);
      }
      if ((c === 36 || c === 37) && s.charCodeAt(i + 1) === c && s.charCodeAt(i + 2) === 123) {
        chunks ??= [];
        chunks.push(s.slice(from, i + 1), "{");
        i += 3;
        from = i;
      } else {
        i++;
      }
    }
    this.pos = i;
    const value = chunks === null ? s.slice(start, i) : chunks.join("") + s.slice(from, i);
    return { kind: "text", value, strip: false, start, end: i };
  }
}
