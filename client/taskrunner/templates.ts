// Renders a task's `template` blocks into its directory before it starts: source (inline `data`
// or a file relative to the task directory), destination (interpolated, and confined to the
// allocation's directory as Nomad's sandbox check does), file mode and owner; templates with
// `env = true` also feed the task's environment.

import { chmod, chown, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Template } from "../../shared/model/job.js";
import { parseEnvFile, renderTemplate, TemplateError } from "./template.js";

export interface RenderTemplatesInput {
  templates: readonly Template[];
  /** The task's directory on the host; relative paths start here. */
  taskDir: string;
  /** The allocation's directory on the host; no template may write outside it. */
  allocRoot: string;
  env: Record<string, string>;
  /** Interpolates `${NOMAD_TASK_DIR}` and friends in destination paths, with host paths. */
  interpolate(text: string): string;
}

export interface RenderedTemplates {
  /** Host paths written, in template order. */
  paths: string[];
  /** Variables from templates with `env = true`. */
  env: Record<string, string>;
}

const DEFAULT_PERMS = "644";

function insideDir(dir: string, target: string): boolean {
  const rel = path.relative(dir, target);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

function resolveInside(input: RenderTemplatesInput, written: string, what: string): string {
  const interpolated = input.interpolate(written);
  const target = path.resolve(input.taskDir, interpolated);
  if (!insideDir(input.allocRoot, target)) {
    throw new TemplateError(`${what} "${written}" resolves to ${target}, outside the allocation directory`);
  }
  return target;
}

function parsePerms(perms: string): number {
  const text = perms === "" ? DEFAULT_PERMS : perms;
  if (!/^[0-7]{3,4}$/.test(text)) throw new TemplateError(`perms "${perms}" is not an octal file mode such as "644"`);
  return Number.parseInt(text, 8);
}

async function renderOne(template: Template, input: RenderTemplatesInput, env: Record<string, string>): Promise<{ path: string; text: string }> {
  let source = template.embeddedTmpl;
  if (source === "" && template.sourcePath !== "") {
    source = await readFile(resolveInside(input, template.sourcePath, "source"), "utf8");
  }
  const dest = resolveInside(input, template.destPath, "destination");
  const text = renderTemplate(source, {
    env, leftDelim: template.leftDelim, rightDelim: template.rightDelim, errMissingKey: template.errMissingKey,
  });
  const mode = parsePerms(template.perms);
  await mkdir(path.dirname(dest), { recursive: true });
  await writeFile(dest, text, { mode });
  await chmod(dest, mode);
  if (template.uid !== undefined || template.gid !== undefined) await chown(dest, template.uid ?? -1, template.gid ?? -1);
  return { path: dest, text };
}

/** Renders every template in order; throws TemplateError (or an I/O error) naming the failing destination. */
export async function renderTemplates(input: RenderTemplatesInput): Promise<RenderedTemplates> {
  const result: RenderedTemplates = { paths: [], env: {} };
  for (const template of input.templates) {
    try {
      // Later templates see the variables of earlier env templates, as the task will.
      const rendered = await renderOne(template, input, { ...input.env, ...result.env });
      result.paths.push(rendered.path);
      if (template.envvars) Object.assign(result.env, parseEnvFile(rendered.text));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new TemplateError(`template "${template.destPath}": ${message}`);
    }
  }
  return result;
}
