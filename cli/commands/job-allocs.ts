// `nomadish job allocs`: the allocations of one job.

import { ADDRESS_FLAG, JSON_FLAG, queryOptions, STALE_FLAG, withClient } from "../api.js";
import type { Command } from "../command.js";
import { oneArg, VERBOSE_FLAG } from "../common.js";
import { jobAllocations } from "../fetch.js";
import { json } from "../format.js";
import { findJob } from "../lookup.js";
import { nomadJson } from "../nomad-json.js";
import { allocListTable, newestFirst } from "../views/allocs.js";

export const jobAllocs: Command = {
  name: "allocs",
  synopsis: "List allocations for a job",
  usage: "nomadish job allocs [options] <job>",
  help: "Lists the allocations of the job named by <job> (an id or a unique prefix of one), newest first.",
  flags: [
    ADDRESS_FLAG,
    { name: "all", kind: "bool", help: "Also lists allocations of earlier jobs with the same id." },
    JSON_FLAG,
    STALE_FLAG,
    VERBOSE_FLAG,
  ],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const options = queryOptions(flags);
    const job = await findJob(client, oneArg(flags, "<job>"), options);
    const allocs = await jobAllocations(client, job.id, flags.bools.has("all"), options);
    io.stdout(flags.bools.has("json")
      ? json(nomadJson(newestFirst(allocs)))
      : allocListTable(allocs, { verbose: flags.bools.has("verbose"), nowMs: Date.now() }));
    return 0;
  }),
};
