import { asString, characters, describeValue, type HclFunction, type Value } from "../values.js";
import { defineFunctions, type Args } from "./args.js";
import { compileRegex, jsReplacement, matchValue } from "./regex.js";

function chomp(s: string): string {
  let end = s.length;
  while (end > 0 && (s.charCodeAt(end - 1) === 10 || s.charCodeAt(end - 1) === 13)) end--;
  return s.slice(0, end);
}

function join(a: Args): string {
  const sep = a.string(0);
  const parts: string[] = [];
  for (let i = 1; i < a.length; i++) {
    for (const item of a.list(i)) {
      const s = asString(item);
      if (s === undefined) a.fail(`argument ${i + 1} must be a list of strings, but it contains ${describeValue(item)}`);
      parts.push(s);
    }
  }
  return parts.join(sep);
}

function trim(s: string, cutset: string): string {
  const cut = new Set(characters(cutset));
  const chars = characters(s);
  let start = 0;
  let end = chars.length;
  while (start < end && cut.has(chars[start] ?? "")) start++;
  while (end > start && cut.has(chars[end - 1] ?? "")) end--;
  return chars.slice(start, end).join("");
}

/** Like Go's strings.Title: upper-case the first letter of each word. */
function title(s: string): string {
  return s.replace(/(?<![\p{L}\p{N}_])\p{L}/gu, (c) => c.toUpperCase());
}

function replace(a: Args): string {
  const s = a.string(0);
  const search = a.string(1);
  const replacement = a.string(2);
  if (search.length >= 2 && search.startsWith("/") && search.endsWith("/")) {
    return s.replace(compileRegex(a, search.slice(1, -1), true), jsReplacement(replacement));
  }
  return s.split(search).join(replacement);
}

function split(sep: string, s: string): string[] {
  return sep === "" ? Array.from(s) : s.split(sep);
}

/** Offsets and lengths count characters; a negative offset counts from the end, a negative length means "to the end". */
function substr(a: Args): string {
  const chars = characters(a.string(0));
  let offset = a.integer(1);
  const length = a.integer(2);
  if (offset < 0) offset = Math.max(0, chars.length + offset);
  const end = length < 0 ? chars.length : offset + length;
  return chars.slice(offset, end).join("");
}

function regex(a: Args): Value {
  const pattern = a.string(0);
  const s = a.string(1);
  const m = compileRegex(a, pattern, false).exec(s);
  if (m === null) a.fail(`the pattern ${JSON.stringify(pattern)} does not match ${JSON.stringify(s)}`);
  return matchValue(a, m);
}

function regexall(a: Args): Value[] {
  const re = compileRegex(a, a.string(0), true);
  return Array.from(a.string(1).matchAll(re), (m) => matchValue(a, m));
}

export function stringFunctions(): Record<string, HclFunction> {
  return defineFunctions({
    chomp: [1, 1, (a) => chomp(a.string(0))],
    endswith: [2, 2, (a) => a.string(0).endsWith(a.string(1))],
    indent: [2, 2, (a) => a.string(1).replaceAll("\n", `\n${" ".repeat(Math.max(0, a.integer(0)))}`)],
    join: [2, Infinity, join],
    lower: [1, 1, (a) => a.string(0).toLowerCase()],
    regex: [2, 2, regex],
    regexall: [2, 2, regexall],
    replace: [3, 3, replace],
    split: [2, 2, (a) => split(a.string(0), a.string(1))],
    startswith: [2, 2, (a) => a.string(0).startsWith(a.string(1))],
    strcontains: [2, 2, (a) => a.string(0).includes(a.string(1))],
    strrev: [1, 1, (a) => characters(a.string(0)).reverse().join("")],
    substr: [3, 3, substr],
    title: [1, 1, (a) => title(a.string(0))],
    trim: [2, 2, (a) => trim(a.string(0), a.string(1))],
    trimprefix: [2, 2, (a) => {
      const [s, prefix] = [a.string(0), a.string(1)];
      return s.startsWith(prefix) ? s.slice(prefix.length) : s;
    }],
    trimspace: [1, 1, (a) => a.string(0).trim()],
    trimsuffix: [2, 2, (a) => {
      const [s, suffix] = [a.string(0), a.string(1)];
      return suffix !== "" && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
    }],
    upper: [1, 1, (a) => a.string(0).toUpperCase()],
  });
}
