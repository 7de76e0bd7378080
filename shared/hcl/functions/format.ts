import { asBool, asNumber, asString, describeValue, formatNumber, type HclFunction, type Value } from "../values.js";
import { defineFunctions, type Args } from "./args.js";
import { jsonEncode } from "./encoding.js";

interface Verb {
  verb: string;
  flags: string;
  width: number | null;
  precision: number | null;
  /** The text of the verb as written, for messages. */
  spec: string;
}

function readDigits(fmt: string, i: number): [value: number | null, next: number] {
  let j = i;
  while (j < fmt.length && fmt.charCodeAt(j) >= 48 && fmt.charCodeAt(j) <= 57) j++;
  return [j > i ? Number(fmt.slice(i, j)) : null, j];
}

/** Go's fmt verbs as HCL's format() supports them: flags, width, precision, `%[n]` argument indexes. */
function formatString(a: Args, fmt: string, args: Value[]): string {
  const out: string[] = [];
  let next = 0;
  let explicitIndex = false;
  let i = 0;
  while (i < fmt.length) {
    const pct = fmt.indexOf("%", i);
    if (pct === -1) {
      out.push(fmt.slice(i));
      break;
    }
    out.push(fmt.slice(i, pct));
    i = pct + 1;
    if (fmt[i] === "%") {
      out.push("%");
      i++;
      continue;
    }
    let flags = "";
    while (i < fmt.length && "+- #0".includes(fmt[i] ?? "")) flags += fmt[i++];
    let width: number | null;
    [width, i] = readDigits(fmt, i);
    let precision: number | null = null;
    if (fmt[i] === ".") {
      [precision, i] = readDigits(fmt, i + 1);
      precision ??= 0;
    }
    if (fmt[i] === "[") {
      const [index, close] = readDigits(fmt, i + 1);
      if (index === null || index < 1 || fmt[close] !== "]") a.fail(`invalid argument index in the format string at offset ${i}`);
      next = index - 1;
      explicitIndex = true;
      i = close + 1;
    }
    const verb = fmt[i++];
    const spec = fmt.slice(pct, i);
    if (verb === undefined) a.fail(`the format string ends with an incomplete verb "${spec}"`);
    if (next >= args.length) a.fail(`not enough arguments for "${spec}": it needs argument ${next + 1}, but only ${args.length} were given`);
    out.push(formatVerb(a, { verb, flags, width, precision, spec }, args[next] ?? null));
    next++;
  }
  if (!explicitIndex && next < args.length) a.fail(`too many arguments: the format string uses ${next}, but ${args.length} were given`);
  return out.join("");
}

function formatVerb(a: Args, v: Verb, value: Value): string {
  const bad = (expected: string): never => a.fail(`"${v.spec}" needs ${expected}, got ${describeValue(value)}`);
  let body: string;
  let numeric = false;
  switch (v.verb) {
    case "v":
      if (value === null) body = "null";
      else if (typeof value === "object" || v.flags.includes("#")) body = jsonEncode(value);
      else body = asString(value) ?? "";
      break;
    case "s": {
      const s = asString(value) ?? bad("a string");
      body = v.precision === null ? s : Array.from(s).slice(0, v.precision).join("");
      break;
    }
    case "q":
      body = JSON.stringify(asString(value) ?? bad("a string"));
      break;
    case "t":
      body = String(asBool(value) ?? bad("a bool"));
      break;
    case "d": case "b": case "o": case "x": case "X": {
      const n = asNumber(value) ?? bad("a number");
      if (!Number.isInteger(n)) bad("a whole number");
      const base = { d: 10, b: 2, o: 8, x: 16, X: 16 }[v.verb] ?? 10;
      body = sign(n, v.flags) + Math.abs(n).toString(base);
      if (v.verb === "X") body = body.toUpperCase();
      numeric = true;
      break;
    }
    case "e": case "E": case "f": case "F": case "g": case "G": {
      const n = asNumber(value) ?? bad("a number");
      body = sign(n, v.flags) + formatFloat(Math.abs(n), v.verb.toLowerCase(), v.precision);
      if (v.verb === "E" || v.verb === "G") body = body.toUpperCase();
      numeric = true;
      break;
    }
    default:
      return a.fail(`unsupported verb "${v.spec}"; use one of %v %s %q %t %d %b %o %x %X %e %f %g`);
  }
  return pad(body, v, numeric);
}

function sign(n: number, flags: string): string {
  if (n < 0) return "-";
  if (flags.includes("+")) return "+";
  return flags.includes(" ") ? " " : "";
}

/** Go writes exponents with at least two digits: 1.5e+03. */
function goExponent(s: string): string {
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

function stripZeros(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

function formatFloat(n: number, verb: string, precision: number | null): string {
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "NaN";
  if (verb === "f") return n.toFixed(precision ?? 6);
  if (verb === "e") return goExponent(n.toExponential(precision ?? 6));
  // %g: exponent form for very small or large numbers, else plain; trailing zeros dropped.
  if (n === 0) return "0";
  const digits = precision === null ? null : Math.max(precision, 1);
  const expForm = digits === null ? n.toExponential() : n.toExponential(digits - 1);
  const [mantissa = "", exp = "0"] = expForm.split("e");
  const e = Number(exp);
  if (e < -4 || e >= (digits ?? 6)) return goExponent(`${stripZeros(mantissa)}e${exp.startsWith("-") ? "" : "+"}${exp.replace("+", "")}`);
  return digits === null ? formatNumber(n) : stripZeros(n.toFixed(Math.max(0, digits - 1 - e)));
}

function pad(body: string, v: Verb, numeric: boolean): string {
  const width = v.width ?? 0;
  const len = Array.from(body).length;
  if (len >= width) return body;
  if (v.flags.includes("-")) return body + " ".repeat(width - len);
  if (numeric && v.flags.includes("0")) {
    const signed = /^[+\- ]/.test(body) ? 1 : 0;
    return body.slice(0, signed) + "0".repeat(width - len) + body.slice(signed);
  }
  return " ".repeat(width - len) + body;
}

/** formatlist iterates the list arguments in step; other arguments repeat on every line. */
function formatlist(a: Args): Value[] {
  const fmt = a.string(0);
  let count = -1;
  for (let i = 1; i < a.length; i++) {
    const v = a.any(i);
    if (!Array.isArray(v)) continue;
    if (count !== -1 && v.length !== count) a.fail(`argument ${i + 1} has ${v.length} elements, but an earlier list has ${count}; all lists must have the same length`);
    count = v.length;
  }
  const rows: Value[] = [];
  for (let row = 0; row < (count === -1 ? 1 : count); row++) {
    const args = a.values.slice(1).map((v) => (Array.isArray(v) ? (v[row] ?? null) : v));
    rows.push(formatString(a, fmt, args));
  }
  return rows;
}

export function formatFunctions(): Record<string, HclFunction> {
  return defineFunctions({
    format: [1, Infinity, (a) => formatString(a, a.string(0), a.values.slice(1))],
    formatlist: [1, Infinity, formatlist],
  });
}
