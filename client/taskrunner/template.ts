// A deliberately small subset of consul-template, enough for templates that only need the task's
// environment: plain text, `{{ env "NAME" }}`, string literals `{{ "text" }}`, comments
// `{{/* … */}}` and Go's trim markers `{{-` / `-}}`. This client has no Consul, Vault or Nomad
// variables to query, so anything else (`range`, `key`, `service`, pipelines) is an error that
// names the action, rather than a file rendered wrong.

export class TemplateError extends Error {
  override readonly name = "TemplateError";
}

export interface TemplateContext {
  env: Record<string, string>;
  leftDelim?: string;
  rightDelim?: string;
  /** Fail on `env` of a variable that is not set (otherwise it renders as ""). */
  errMissingKey?: boolean;
}

const ENV_CALL = /^env\s+"((?:[^"\\]|\\.)*)"$/;
const STRING_LITERAL = /^"((?:[^"\\]|\\.)*)"$/;
const COMMENT = /^\/\*[\s\S]*\*\/$/;

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split("\n").length;
}

function unquote(body: string): string {
  return JSON.parse(`"${body}"`) as string;
}

function evaluateAction(action: string, ctx: TemplateContext, where: () => string): string {
  if (action === "" || COMMENT.test(action)) return "";
  const env = ENV_CALL.exec(action);
  if (env) {
    const name = unquote(env[1] ?? "");
    const value = ctx.env[name];
    if (value === undefined && ctx.errMissingKey) throw new TemplateError(`${where()}: environment variable "${name}" is not set`);
    return value ?? "";
  }
  const literal = STRING_LITERAL.exec(action);
  if (literal) return unquote(literal[1] ?? "");
  throw new TemplateError(
    `${where()}: unsupported template action {{ ${action} }} (this client's templates support plain text, {{ env "NAME" }}, string literals and comments)`,
  );
}

export function renderTemplate(text: string, ctx: TemplateContext): string {
  const left = ctx.leftDelim || "{{";
  const right = ctx.rightDelim || "}}";
  let out = "";
  let pos = 0;
  for (;;) {
    const open = text.indexOf(left, pos);
    if (open < 0) {
      out += text.slice(pos);
      return out;
    }
    let literal = text.slice(pos, open);
    const close = text.indexOf(right, open + left.length);
    if (close < 0) throw new TemplateError(`line ${lineOf(text, open)}: unclosed action (no "${right}")`);
    let action = text.slice(open + left.length, close);
    // Go's trim markers need a space next to the dash: "{{- x -}}".
    if (/^-\s/.test(action)) {
      literal = literal.trimEnd();
      action = action.slice(1);
    }
    let trimAfter = false;
    if (/\s-$/.test(action)) {
      trimAfter = true;
      action = action.slice(0, -1);
    }
    out += literal + evaluateAction(action.trim(), ctx, () => `line ${lineOf(text, open)}`);
    pos = close + right.length;
    if (trimAfter) pos += (/^\s*/.exec(text.slice(pos))?.[0].length ?? 0);
  }
}

/** Reads `KEY=value` lines (as written by a template with `env = true`); `#` comments and `export ` allowed. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim().replace(/^export\s+/, "");
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
    env[line.slice(0, eq).trim()] = value;
  }
  return env;
}
