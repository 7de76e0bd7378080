// Jobspec text → canonical Job: parse the HCL, resolve variables and locals, decode the job block
// with Nomad's defaults, validate. Every problem in the file is reported together.

import { HclError, parseHcl, stdlibFunctions, type Body, type EvalContext, type HclFunction } from "../hcl/index.js";
import type { Job } from "../model/job.js";
import { KNOWN_DRIVERS, validateJob } from "../model/validate.js";
import { UserError } from "../errors.js";
import { Diagnostics, formatPath, formatProblem, sortProblems } from "./diagnostics.js";
import { readJob } from "./job.js";
import { BodyReader } from "./reader.js";
import { resolveVariables, type VariableSources } from "./variables.js";

export interface ParseOptions extends Partial<VariableSources> {
  /** Reads a file for the `file()` function, relative paths against the jobspec's folder. */
  readFile?: (path: string) => string;
  /** Drivers the cluster knows; a task with another driver is a problem. */
  drivers?: readonly string[];
}

function fail(diagnostics: Diagnostics): never {
  throw new UserError(sortProblems(diagnostics.problems).map(formatProblem));
}

function functions(options: ParseOptions): Record<string, HclFunction> {
  const all = stdlibFunctions();
  const { readFile } = options;
  if (readFile) {
    all["file"] = (args) => {
      if (args.length !== 1 || typeof args[0] !== "string") throw new Error("file(path) takes one path string");
      return readFile(args[0]);
    };
  }
  return all;
}

/** The top level of a jobspec holds variable and locals blocks and exactly one job block. */
function splitTopLevel(body: Body, diagnostics: Diagnostics) {
  const blocksOf = (type: string) => body.blocks.filter((b) => b.type === type);
  for (const attribute of body.attributes) {
    diagnostics.add([], `unexpected attribute "${attribute.name}" at the top level: settings belong inside the job block`, attribute.nameRange);
  }
  for (const block of body.blocks) {
    if (!["job", "variable", "locals"].includes(block.type)) {
      diagnostics.add([], `unknown block "${block.type}" at the top level (expected job, variable or locals)`, block.typeRange);
    }
  }
  const jobs = blocksOf("job");
  if (jobs.length === 0) diagnostics.add([], 'no job block: a jobspec needs job "name" { … }', body.range);
  for (const extra of jobs.slice(1)) diagnostics.add([], "only one job block is allowed per file", extra.typeRange);
  return { job: jobs[0], variables: blocksOf("variable"), locals: blocksOf("locals") };
}

export function parseJobspec(source: string, filename: string, options: ParseOptions = {}): Job {
  let body: Body;
  try {
    body = parseHcl(source, filename);
  } catch (err) {
    if (err instanceof HclError) throw new UserError(err.message);
    throw err;
  }
  const diagnostics = new Diagnostics();
  const top = splitTopLevel(body, diagnostics);
  const base: EvalContext = { variables: {}, functions: functions(options) };
  const sources: VariableSources = { vars: options.vars ?? [], varFiles: options.varFiles ?? [], env: options.env ?? {} };
  const evalContext = resolveVariables(top.variables, top.locals, sources, base, diagnostics);
  // Without its variables the job block would only repeat the same problem at every use.
  if (diagnostics.problems.length > 0 || !top.job) fail(diagnostics);

  const jobBlock = top.job;
  const id = jobBlock.labels[0] ?? "";
  const path = [`job "${id}"`];
  diagnostics.recordPosition(path, jobBlock.typeRange);
  const reader = new BodyReader({ diagnostics, evalContext }, jobBlock.body, path);
  if (jobBlock.labels.length !== 1) diagnostics.add([], 'the job block needs one label, the job id: job "web" { … }', jobBlock.typeRange);
  const job = readJob(reader, id);
  // A field that could not be read was reported where it was written; what validation says
  // about the default that stood in for it would only repeat the problem.
  const unreadable = diagnostics.problems.map((p) => formatPath(p.path));
  for (const problem of validateJob(job, { drivers: options.drivers ?? KNOWN_DRIVERS })) {
    const path = formatPath(problem.path);
    if (unreadable.some((u) => path === u || path.startsWith(`${u} > `))) continue;
    diagnostics.add(problem.path, problem.message, diagnostics.positionOf(problem.path));
  }
  if (diagnostics.problems.length > 0) fail(diagnostics);
  return job;
}
