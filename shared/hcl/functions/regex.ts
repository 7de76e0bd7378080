import type { Value, ValueObject } from "../values.js";
import type { Args } from "./args.js";

/** HCL patterns use Go's RE2 syntax; translate the parts that differ from JavaScript (named groups, leading flags). */
export function compileRegex(a: Args, pattern: string, global: boolean): RegExp {
  let source = pattern;
  let flags = global ? "g" : "";
  const leading = /^\(\?([a-zA-Z]+)\)/.exec(source);
  if (leading) {
    for (const f of leading[1] ?? "") {
      if (f !== "i" && f !== "m" && f !== "s") a.fail(`the regular expression flag "${f}" is not supported`);
      flags += f;
    }
    source = source.slice(leading[0].length);
  }
  source = source.replaceAll("(?P<", "(?<");
  try {
    return new RegExp(source, flags);
  } catch (err) {
    return a.fail(`invalid regular expression ${JSON.stringify(pattern)}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A match as HCL's regex() returns it: the whole match, a list of groups, or an object of named groups. */
export function matchValue(a: Args, m: RegExpExecArray | RegExpMatchArray): Value {
  const groupCount = m.length - 1;
  if (groupCount === 0) return m[0];
  const named = m.groups ?? {};
  const names = Object.keys(named);
  if (names.length === 0) return m.slice(1).map((g) => g ?? null);
  if (names.length !== groupCount) a.fail("a pattern cannot mix named and unnamed capture groups");
  const out: ValueObject = {};
  for (const name of names) out[name] = named[name] ?? null;
  return out;
}

/** Go writes `${1}` and `${name}` in replacements where JavaScript writes `$1` and `$<name>`. */
export function jsReplacement(goTemplate: string): string {
  return goTemplate.replace(/\$\{(\w+)\}|\$([a-zA-Z_]\w*)/g, (_, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? "";
    return /^\d+$/.test(name) ? `$${name}` : `$<${name}>`;
  });
}
