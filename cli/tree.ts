// The command tree, arranged like Nomad's: `nomadish <group> <command>` or `nomadish <command>`.

import type { TreeEntry } from "./command.js";
import { allocLogs } from "./commands/alloc-logs.js";
import { allocRestart } from "./commands/alloc-restart.js";
import { allocStatus } from "./commands/alloc-status.js";
import { allocStop } from "./commands/alloc-stop.js";
import { evalList } from "./commands/eval-list.js";
import { evalStatus } from "./commands/eval-status.js";
import { jobAllocs } from "./commands/job-allocs.js";
import { jobHistory } from "./commands/job-history.js";
import { jobInit } from "./commands/job-init.js";
import { jobInspect } from "./commands/job-inspect.js";
import { jobPlan } from "./commands/job-plan.js";
import { jobRun } from "./commands/job-run.js";
import { jobScale } from "./commands/job-scale.js";
import { jobStatus } from "./commands/job-status.js";
import { jobStop } from "./commands/job-stop.js";
import { jobValidate } from "./commands/job-validate.js";
import { nodeDrain } from "./commands/node-drain.js";
import { nodeEligibility } from "./commands/node-eligibility.js";
import { nodeStatus } from "./commands/node-status.js";
import { version } from "./commands/version.js";
import { operatorGroup } from "./commands/operator-raft.js";
import { serverGroup, status } from "./commands/server-members.js";
import { varGroup } from "./commands/var.js";
import { ui } from "./dashboard/command.js";

export const COMMAND_TREE: TreeEntry[] = [
  {
    name: "alloc",
    synopsis: "Interact with allocations",
    help: "This command groups subcommands for interacting with allocations: the placements of\na job's task groups on client nodes.",
    commands: [allocLogs, allocRestart, allocStatus, allocStop],
  },
  {
    name: "eval",
    synopsis: "Interact with evaluations",
    help: "This command groups subcommands for interacting with evaluations: the scheduler's units\nof work, and where placement failures are explained.",
    commands: [evalList, evalStatus],
  },
  {
    name: "job",
    synopsis: "Interact with jobs",
    help: "This command groups subcommands for interacting with jobs: writing and checking job\nspecifications, submitting them, and following, scaling and stopping the jobs.",
    commands: [jobAllocs, jobHistory, jobInit, jobInspect, jobPlan, jobRun, jobScale, jobStatus, jobStop, jobValidate],
  },
  {
    name: "node",
    synopsis: "Interact with nodes",
    help: "This command groups subcommands for interacting with client nodes: their status and\nresources, draining them and whether the scheduler may use them.",
    commands: [nodeDrain, nodeEligibility, nodeStatus],
  },
  operatorGroup,
  serverGroup,
  status,
  ui,
  varGroup,
  version,
];
