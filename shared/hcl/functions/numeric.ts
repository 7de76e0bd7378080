import type { HclFunction } from "../values.js";
import { defineFunctions, type Args } from "./args.js";

/** The value of one digit character, or -1. Bases above 36 tell lower from upper case, as Go does. */
function digitValue(c: string, base: number): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 122) return code - 87;
  if (code >= 65 && code <= 90) return base <= 36 ? code - 55 : code - 29;
  return -1;
}

function parseint(a: Args): number {
  const text = a.string(0);
  const base = a.integer(1);
  if (base < 2 || base > 62) a.fail(`the base must be between 2 and 62, got ${base}`);
  const negative = text.startsWith("-");
  const digits = negative || text.startsWith("+") ? text.slice(1) : text;
  if (digits === "") a.fail(`cannot parse ${JSON.stringify(text)} as a base-${base} integer`);
  let n = 0n;
  for (const c of digits) {
    const d = digitValue(c, base);
    if (d < 0 || d >= base) a.fail(`cannot parse ${JSON.stringify(text)} as a base-${base} integer`);
    n = n * BigInt(base) + BigInt(d);
  }
  return Number(negative ? -n : n);
}

export function numericFunctions(): Record<string, HclFunction> {
  return defineFunctions({
    abs: [1, 1, (a) => Math.abs(a.number(0))],
    ceil: [1, 1, (a) => Math.ceil(a.number(0))],
    floor: [1, 1, (a) => Math.floor(a.number(0))],
    max: [1, Infinity, (a) => Math.max(...a.rest(0, a.number))],
    min: [1, Infinity, (a) => Math.min(...a.rest(0, a.number))],
    parseint: [2, 2, parseint],
    pow: [2, 2, (a) => Math.pow(a.number(0), a.number(1))],
    signum: [1, 1, (a) => Math.sign(a.number(0))],
  });
}
