// `nomadish job init`: write an example jobspec to start from.

import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UserError } from "../../shared/errors.js";
import type { Command } from "../command.js";
import { EXAMPLE_JOBSPEC, SHORT_EXAMPLE_JOBSPEC } from "./example-jobspec.js";

const DEFAULT_FILE = "example.nomad.hcl";

export const jobInit: Command = {
  name: "init",
  synopsis: "Create an example job specification",
  usage: "nomadish job init [options] [filename]",
  help: `Writes an example jobspec to [filename] (default ${DEFAULT_FILE}) in the current
directory: a web server in Docker with comments on each block. It never
overwrites an existing file.`,
  flags: [{ name: "short", kind: "bool", help: "Writes the example without comments." }],
  run(flags, io) {
    if (flags.args.length > 1) throw new UserError("this command takes at most one argument: [filename]");
    const name = flags.args[0] ?? DEFAULT_FILE;
    const target = path.resolve(io.cwd, name);
    if (existsSync(target)) throw new UserError(`Job '${name}' already exists`);
    writeFileSync(target, flags.bools.has("short") ? SHORT_EXAMPLE_JOBSPEC : EXAMPLE_JOBSPEC, { flag: "wx" });
    io.stdout(`Example job file written to ${name}\n`);
    return 0;
  },
};
