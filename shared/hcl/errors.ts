import { formatRange, type Range } from "./source.js";

/** A syntax or evaluation error tied to a place in the source: the message reads `file:line:col: detail`. */
export class HclError extends Error {
  readonly range: Range;
  readonly detail: string;

  constructor(range: Range, detail: string) {
    super(`${formatRange(range)}: ${detail}`);
    this.name = "HclError";
    this.range = range;
    this.detail = detail;
  }
}
