// `nomadish job validate`: parse and check a jobspec without touching the cluster.

import { loadJobspec } from "../../shared/jobspec/index.js";
import { UserError } from "../../shared/errors.js";
import type { Command } from "../command.js";

export const jobValidate: Command = {
  name: "validate",
  synopsis: "Check a job specification for syntax and semantic errors",
  usage: "nomadish job validate [options] <path>",
  help: `Checks the jobspec at <path> as the servers would: HCL syntax, variables,
field types and values. Every problem in the file is reported at once, each with
its file:line:col and the path of the field it concerns. Nothing is sent to the
cluster. Exits 0 when the jobspec is valid and 1 otherwise.`,
  flags: [
    { name: "var", kind: "list", placeholder: "key=value", help: "Sets an HCL2 input variable. May be given several times." },
    { name: "var-file", kind: "list", placeholder: "path", help: "Reads HCL2 input variables from a file of name = value lines. May be given several times." },
  ],
  run(flags, io) {
    const file = flags.args[0];
    if (file === undefined || flags.args.length > 1) throw new UserError("this command takes one argument: <path>");
    loadJobspec(file, {
      vars: flags.lists.get("var") ?? [],
      varFiles: flags.lists.get("var-file") ?? [],
      env: io.env,
      cwd: io.cwd,
    });
    io.stdout("Job validation successful\n");
    return 0;
  },
};
