// `nomadish job run`: register a jobspec and watch the scheduler place it.

import * as pb from "../../proto/index.js";
import { jobToWire } from "../../shared/wire/index.js";
import { ADDRESS_FLAG, withClient, WRITE_OPTIONS } from "../api.js";
import type { Command } from "../command.js";
import { DETACH_FLAG, oneArg, VERBOSE_FLAG, warningsText, wholeNumberFlag } from "../common.js";
import { JOBSPEC_FLAGS, readJobspec } from "../jobspec-input.js";
import { monitorEvaluation } from "../monitor.js";

export const jobRun: Command = {
  name: "run",
  synopsis: "Run a new job or update an existing job",
  usage: "nomadish job run [options] <path>",
  help: `Submits the jobspec at <path> to the cluster, creating the job or a new version of it,
then monitors the evaluation the servers create for it until the scheduler has placed
(or failed to place) its allocations. Jobspec errors are reported with file:line:col
before anything is sent.

Exit codes: 0 when every allocation was placed, 2 when the scheduler could not place
some of them (the reasons are printed), 1 for any other error.`,
  flags: [
    ADDRESS_FLAG,
    { name: "check-index", kind: "string", placeholder: "index", help: "Registers only if the job's modify index is this (0: only if the job does not exist),\nas printed by `job plan`." },
    DETACH_FLAG,
    { name: "preserve-counts", kind: "bool", help: "Keeps the counts of the job's existing task groups instead of the jobspec's." },
    VERBOSE_FLAG,
    ...JOBSPEC_FLAGS,
  ],
  async run(flags, io) {
    const file = oneArg(flags, "<path>");
    const job = readJobspec(file, flags, io);
    const checkIndex = wholeNumberFlag(flags, "check-index");
    return withClient(flags, io, async (client) => {
      const response = await client.call(pb.JobsService.register, {
        job: jobToWire(job),
        ...(checkIndex === undefined ? {} : { checkIndex }),
        preserveCounts: flags.bools.has("preserve-counts"),
        options: WRITE_OPTIONS,
      }, "write");
      io.stdout(warningsText(response.warnings));
      // Periodic and parameterized jobs get evaluations only when an instance launches.
      if (response.evalId === "") {
        io.stdout("Job registration successful\n");
        return 0;
      }
      if (flags.bools.has("detach")) {
        io.stdout(`Job registration successful\nEvaluation ID: ${response.evalId}\n`);
        return 0;
      }
      return monitorEvaluation(client, response.evalId, io, { fullIds: flags.bools.has("verbose") });
    });
  },
};
