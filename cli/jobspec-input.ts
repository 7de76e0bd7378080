// Reading the jobspec a command was given, with -var and -var-file, as `job validate` does. A
// jobspec with errors stops the command before anything is sent to the servers.

import { loadJobspec } from "../shared/jobspec/index.js";
import type { Job } from "../shared/model/index.js";
import type { CommandIO } from "./command.js";
import type { FlagSpec, ParsedFlags } from "./flags.js";

export const JOBSPEC_FLAGS: FlagSpec[] = [
  { name: "var", kind: "list", placeholder: "key=value", help: "Sets an HCL2 input variable. May be given several times." },
  { name: "var-file", kind: "list", placeholder: "path", help: "Reads HCL2 input variables from a file of name = value lines. May be given several times." },
];

export function readJobspec(file: string, flags: ParsedFlags, io: CommandIO): Job {
  return loadJobspec(file, {
    vars: flags.lists.get("var") ?? [],
    varFiles: flags.lists.get("var-file") ?? [],
    env: io.env,
    cwd: io.cwd,
  });
}
