// Checks a task's `config {}` block against a driver's option list. Options arrive as the jobspec
// parser left them: attributes as values, nested blocks as lists of objects (`labels { … }` is
// `[{…}]`), so maps accept both shapes.

export type OptionKind = "string" | "strings" | "boolean" | "map";

export interface OptionSpec {
  kind: OptionKind;
  required?: boolean;
}

export type OptionSchema = Record<string, OptionSpec>;

const KIND_NAMES: Record<OptionKind, string> = {
  string: "a string",
  strings: "a list of strings",
  boolean: "a boolean",
  map: "a map of strings",
};

/** The problems with `config` for `driver`, in a stable order; empty when it is fine. */
export function checkOptions(driver: string, schema: OptionSchema, config: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(config)) {
    if (!(key in schema)) problems.push(`unknown option "${key}" for the ${driver} driver`);
  }
  for (const [key, spec] of Object.entries(schema)) {
    const value = config[key];
    if (value === undefined || value === null) {
      if (spec.required) problems.push(`option "${key}" is required by the ${driver} driver`);
      continue;
    }
    if (!hasKind(value, spec.kind)) problems.push(`option "${key}" must be ${KIND_NAMES[spec.kind]}`);
    else if (spec.required && spec.kind === "string" && value === "") problems.push(`option "${key}" must not be empty`);
  }
  return problems;
}

function hasKind(value: unknown, kind: OptionKind): boolean {
  switch (kind) {
    case "string":
      return typeof value === "string";
    case "strings":
      return Array.isArray(value) && value.every((v) => typeof v === "string" || typeof v === "number");
    case "boolean":
      return typeof value === "boolean";
    case "map":
      return toStringMap(value) !== undefined;
  }
}

export function optString(config: Record<string, unknown>, key: string): string | undefined {
  const value = config[key];
  return typeof value === "string" ? value : undefined;
}

export function optStrings(config: Record<string, unknown>, key: string): string[] {
  const value = config[key];
  return Array.isArray(value) ? value.map((v) => String(v)) : [];
}

export function optBoolean(config: Record<string, unknown>, key: string): boolean | undefined {
  const value = config[key];
  return typeof value === "boolean" ? value : undefined;
}

export function optMap(config: Record<string, unknown>, key: string): Record<string, string> {
  return toStringMap(config[key]) ?? {};
}

/** `{a = "x"}` or the block form `[{a = "x"}, …]`; scalar values become strings. */
function toStringMap(value: unknown): Record<string, string> | undefined {
  const parts = Array.isArray(value) ? value : [value];
  const out: Record<string, string> = {};
  for (const part of parts) {
    if (part === null || typeof part !== "object" || Array.isArray(part)) return undefined;
    for (const [k, v] of Object.entries(part as Record<string, unknown>)) {
      if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") return undefined;
      out[k] = String(v);
    }
  }
  return out;
}
