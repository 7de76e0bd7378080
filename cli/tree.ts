// The command tree, arranged like Nomad's: `nomadish <group> <command>` or `nomadish <command>`.

import type { TreeEntry } from "./command.js";
import { jobInit } from "./commands/job-init.js";
import { jobValidate } from "./commands/job-validate.js";
import { version } from "./commands/version.js";
import { operatorGroup } from "./commands/operator-raft.js";
import { serverGroup, status } from "./commands/server-members.js";
import { varGroup } from "./commands/var.js";

export const COMMAND_TREE: TreeEntry[] = [
  {
    name: "job",
    synopsis: "Interact with jobs",
    help: "This command groups subcommands for interacting with jobs: writing,\nchecking and (once a cluster runs them) submitting job specifications.",
    commands: [jobInit, jobValidate],
  },
  operatorGroup,
  serverGroup,
  status,
  varGroup,
  version,
];
