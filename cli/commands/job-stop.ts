// `nomadish job stop`: deregister a job, stopping its allocations.

import * as pb from "../../proto/index.js";
import { ADDRESS_FLAG, queryOptions, withClient, WRITE_OPTIONS } from "../api.js";
import type { Command } from "../command.js";
import { DETACH_FLAG, oneArg, VERBOSE_FLAG, YES_FLAG } from "../common.js";
import { findJob } from "../lookup.js";
import { monitorEvaluation } from "../monitor.js";

export const jobStop: Command = {
  name: "stop",
  synopsis: "Stop a running job",
  usage: "nomadish job stop [options] <job>",
  help: `Stops the job named by <job> (an id or a unique prefix of one): the servers mark it
stopped and the scheduler stops its allocations, which this command monitors. The
stopped job stays visible until garbage collection, unless -purge removes it at once.`,
  flags: [
    ADDRESS_FLAG,
    DETACH_FLAG,
    { name: "purge", kind: "bool", help: "Removes the job and its history at once instead of marking it stopped." },
    VERBOSE_FLAG,
    YES_FLAG,
  ],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const job = await findJob(client, oneArg(flags, "<job>"), queryOptions(flags));
    const response = await client.call(pb.JobsService.deregister, { jobId: job.id, purge: flags.bools.has("purge"), options: WRITE_OPTIONS }, "write");
    // Nothing to schedule (e.g. a periodic job without running instances): done.
    if (response.evalId === "") return 0;
    if (flags.bools.has("detach")) {
      io.stdout(`${response.evalId}\n`);
      return 0;
    }
    return monitorEvaluation(client, response.evalId, io, { fullIds: flags.bools.has("verbose") });
  }),
};
