/** A position in a source file. Line and column are 1-based; columns count characters (code points). */
export interface Pos {
  line: number;
  column: number;
  /** UTF-16 offset into the source string, so `source.slice(start.offset, end.offset)` is the text. */
  offset: number;
}

/** A span of source text; `end` is exclusive. */
export interface Range {
  filename: string;
  start: Pos;
  end: Pos;
}

export function formatRange(r: Range): string {
  return `${r.filename}:${r.start.line}:${r.start.column}`;
}

/**
 * Ranges made by the parser reach their file through this key on their prototype, so the file is
 * neither copied into JSON nor compared by deep-equality checks, and creating a range stays cheap.
 */
const fileKey = Symbol("hcl.sourceFile");

/**
 * The text of one parsed file plus a line table, so that positions are computed only for the
 * offsets that end up in the syntax tree rather than tracked character by character.
 */
export class SourceFile {
  readonly name: string;
  readonly text: string;
  readonly #lineStarts: number[];
  readonly #astral: boolean;
  readonly #rangeProto: object;

  constructor(name: string, text: string) {
    this.name = name;
    this.text = text;
    const starts = [0];
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    this.#lineStarts = starts;
    this.#astral = /[\uD800-\uDBFF]/.test(text);
    this.#rangeProto = Object.create(Object.prototype, { [fileKey]: { value: this } }) as object;
  }

  pos(offset: number): Pos {
    const starts = this.#lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    const lineStart = starts[lo] ?? 0;
    let column = offset - lineStart + 1;
    if (this.#astral) {
      // A surrogate pair is one character: do not count its trailing half.
      for (let i = lineStart; i < offset; i++) {
        const c = this.text.charCodeAt(i);
        if (c >= 0xdc00 && c <= 0xdfff) column--;
      }
    }
    return { line: lo + 1, column, offset };
  }

  range(start: number, end: number): Range {
    return this.rangeOf(this.pos(start), this.pos(end));
  }

  rangeOf(start: Pos, end: Pos): Range {
    const r = Object.create(this.#rangeProto) as Range;
    r.filename = this.name;
    r.start = start;
    r.end = end;
    return r;
  }
}

function fileOf(r: Range): SourceFile | undefined {
  return (r as Range & { readonly [fileKey]?: SourceFile })[fileKey];
}

/** The range from the start of `a` to the end of `b` (both in the same file). */
export function spanRanges(a: Range, b: Range): Range {
  const file = fileOf(a);
  return file ? file.rangeOf(a.start, b.end) : { filename: a.filename, start: a.start, end: b.end };
}

/**
 * The source text a range covers. Ranges from the parser know their file, so `source` is needed
 * only for hand-made ranges.
 */
export function sourceText(range: Range, source?: string): string {
  const text = source ?? fileOf(range)?.text;
  if (text === undefined) throw new Error(`no source text is known for ${formatRange(range)}`);
  return text.slice(range.start.offset, range.end.offset);
}
