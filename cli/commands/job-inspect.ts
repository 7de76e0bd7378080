// `nomadish job inspect`: the registered job as JSON.

import { ADDRESS_FLAG, JSON_FLAG, queryOptions, STALE_FLAG, withClient } from "../api.js";
import type { Command } from "../command.js";
import { oneArg, wholeNumberFlag } from "../common.js";
import { getJob } from "../fetch.js";
import { json } from "../format.js";
import { findJob } from "../lookup.js";
import { nomadJson } from "../nomad-json.js";

export const jobInspect: Command = {
  name: "inspect",
  synopsis: "Inspect a submitted job",
  usage: "nomadish job inspect [options] <job>",
  help: `Prints the job named by <job> (an id or a unique prefix of one) as the servers hold
it, defaults filled in, as JSON: {"Job": {...}}.`,
  flags: [
    ADDRESS_FLAG,
    { ...JSON_FLAG, help: "Accepted for compatibility; the output is always JSON." },
    STALE_FLAG,
    { name: "version", kind: "string", placeholder: "n", help: "Shows this version from the job's history instead of the current one." },
  ],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const options = queryOptions(flags);
    const stub = await findJob(client, oneArg(flags, "<job>"), options);
    const { job } = await getJob(client, stub.id, options, wholeNumberFlag(flags, "version"));
    io.stdout(json({ Job: nomadJson(job) }));
    return 0;
  }),
};
