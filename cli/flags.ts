// Nomad-style flags: single dash (`-var k=v`, `-var=k=v`; `--var` works too), flags before the
// positional arguments, `--` ends the flags. Unknown flags are user errors.

import { UserError } from "../shared/errors.js";

export interface FlagSpec {
  name: string;
  kind: "bool" | "string" | "list";
  help: string;
  /** Shown in help, e.g. "key=value". */
  placeholder?: string;
}

export interface ParsedFlags {
  bools: Set<string>;
  strings: Map<string, string>;
  lists: Map<string, string[]>;
  args: string[];
}

export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], command: string): ParsedFlags {
  const parsed: ParsedFlags = { bools: new Set(), strings: new Map(), lists: new Map(), args: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq === -1 ? body : body.slice(0, eq);
    const spec = specs.find((s) => s.name === name);
    if (!spec) throw new UserError(`flag provided but not defined: -${name} (see "nomadish ${command} -h")`);
    if (spec.kind === "bool") {
      const text = eq === -1 ? "true" : body.slice(eq + 1);
      if (text !== "true" && text !== "false") throw new UserError(`-${name} takes true or false, not ${JSON.stringify(text)}`);
      if (text === "true") parsed.bools.add(name);
      else parsed.bools.delete(name);
      continue;
    }
    let value: string;
    if (eq !== -1) value = body.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new UserError(`flag needs an argument: -${name}`);
      value = next;
      i++;
    }
    if (spec.kind === "string") parsed.strings.set(name, value);
    else parsed.lists.set(name, [...(parsed.lists.get(name) ?? []), value]);
  }
  parsed.args = argv.slice(i);
  return parsed;
}

export function formatFlags(specs: readonly FlagSpec[]): string {
  return specs
    .map((s) => {
      const head = s.kind === "bool" ? `-${s.name}` : `-${s.name} <${s.placeholder ?? "value"}>`;
      return `  ${head}\n    ${s.help.replace(/\n/g, "\n    ")}`;
    })
    .join("\n\n");
}
