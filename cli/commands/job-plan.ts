// `nomadish job plan`: what registering a jobspec would change, from a scheduler dry run.

import * as pb from "../../proto/index.js";
import { isUserError } from "../../shared/errors.js";
import { allocMetricFromWire, jobToWire } from "../../shared/wire/index.js";
import { ADDRESS_FLAG, withClient, WRITE_OPTIONS } from "../api.js";
import type { Command, CommandIO } from "../command.js";
import { oneArg, VERBOSE_FLAG, warningsText } from "../common.js";
import { formatJobDiff } from "../diff.js";
import { checkIndexHint, formatDryRun, planExitCode } from "../dry-run.js";
import type { ParsedFlags } from "../flags.js";
import { JOBSPEC_FLAGS, readJobspec } from "../jobspec-input.js";

/** Nomad's code for "the plan could not be made": 0 and 1 are the plan's own answers. */
const PLAN_ERROR = 255;

async function plan(flags: ParsedFlags, io: CommandIO): Promise<number> {
  const file = oneArg(flags, "<path>");
  const job = readJobspec(file, flags, io);
  return withClient(flags, io, async (client) => {
    // A dry run commits nothing, so it may be retried on another server like a read.
    const response = await client.call(pb.JobsService.plan, { job: jobToWire(job), diff: true, options: WRITE_OPTIONS }, "read");
    let out = "";
    if (response.diff !== undefined) out += `${formatJobDiff(response.diff, flags.bools.has("verbose"))}\n\n`;
    const failedTgAllocs = Object.fromEntries(Object.entries(response.failedTgAllocs).map(([group, m]) => [group, allocMetricFromWire(m)]));
    const dryRun = { failedTgAllocs, nextPeriodicLaunchMs: response.nextPeriodicLaunchMs };
    out += `Scheduler dry-run:\n${formatDryRun(dryRun, job.type, Date.now())}\n\n`;
    out += warningsText(response.warnings);
    out += checkIndexHint(response.jobModifyIndex, file);
    io.stdout(out);
    return planExitCode(response);
  });
}

export const jobPlan: Command = {
  name: "plan",
  synopsis: "Dry-run a job update to determine its effects",
  usage: "nomadish job plan [options] <path>",
  help: `Shows what submitting the jobspec at <path> would do, without changing anything:
the difference from the registered version of the job, and whether the scheduler
could place its allocations (with the reasons when it could not). It ends with the
job modify index to pass to "job run -check-index", so that exactly the plan shown
is run, and only if nobody changed the job in between.

Exit codes: 0 when no allocations would be created or destroyed, 1 when some would,
255 when the plan could not be made.`,
  flags: [ADDRESS_FLAG, VERBOSE_FLAG, ...JOBSPEC_FLAGS],
  async run(flags, io) {
    try {
      return await plan(flags, io);
    } catch (err) {
      // Every failure exits 255 here, bugs included: 1 would tell a script the plan has changes.
      io.stderr(isUserError(err)
        ? `Error: ${err.message}\n`
        : `nomadish hit an internal error (a bug; please report it):\n${err instanceof Error ? err.stack : String(err)}\n`);
      return PLAN_ERROR;
    }
  },
};
