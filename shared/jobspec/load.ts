// Reads a jobspec and its -var-files from disk; `file()` in the jobspec reads relative to it.

import { readFileSync } from "node:fs";
import path from "node:path";
import { UserError } from "../errors.js";
import type { Job } from "../model/job.js";
import { parseJobspec, type ParseOptions } from "./parse.js";

export interface LoadOptions {
  vars?: readonly string[];
  varFiles?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  drivers?: readonly string[];
  /** Relative paths resolve against this folder; messages keep them as the user wrote them. */
  cwd?: string;
}

function readText(file: string, what: string, shownAs: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : String(err);
    throw new UserError(`cannot read ${what} ${shownAs}: ${reason}`);
  }
}

export function loadJobspec(file: string, options: LoadOptions = {}): Job {
  const resolve = (f: string) => path.resolve(options.cwd ?? process.cwd(), f);
  const source = readText(resolve(file), "jobspec", file);
  const dir = path.dirname(resolve(file));
  const parseOptions: ParseOptions = {
    vars: options.vars ?? [],
    varFiles: (options.varFiles ?? []).map((f) => ({ filename: f, source: readText(resolve(f), "variables file", f) })),
    env: options.env ?? {},
    readFile: (relative) => readText(path.resolve(dir, relative), "file", relative),
  };
  if (options.drivers) parseOptions.drivers = options.drivers;
  return parseJobspec(source, file, parseOptions);
}
