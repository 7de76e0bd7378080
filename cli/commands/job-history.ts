// `nomadish job history`: the versions of a job, with -p the changes each one made.

import * as pb from "../../proto/index.js";
import type { ApiClient } from "../../shared/api/client.js";
import { UserError } from "../../shared/errors.js";
import { jobFromWire } from "../../shared/wire/index.js";
import { ADDRESS_FLAG, JSON_FLAG, queryOptions, STALE_FLAG, withClient } from "../api.js";
import type { Command } from "../command.js";
import { oneArg, wholeNumberFlag } from "../common.js";
import { formatJobDiff } from "../diff.js";
import { json } from "../format.js";
import { findJob } from "../lookup.js";
import { nomadJson } from "../nomad-json.js";
import { jobVersionText } from "../views/jobs.js";

/**
 * Versions that a successful deployment rolled out: Nomad's "stable". The model keeps no flag
 * for it, so it is read from the job's deployments; servers that keep no deployments have none.
 */
async function stableVersions(client: ApiClient, jobId: string, options: pb.QueryOptions): Promise<Set<number>> {
  try {
    const { deployments } = await client.call(pb.DeploymentsService.list, { prefix: "", jobId, options }, "read");
    return new Set(deployments.filter((d) => d.status === pb.DeploymentStatusName.SUCCESSFUL).map((d) => d.jobVersion));
  } catch {
    return new Set();
  }
}

export const jobHistory: Command = {
  name: "history",
  synopsis: "Display all tracked versions of a job",
  usage: "nomadish job history [options] <job>",
  help: `Lists the versions of the job named by <job> (an id or a unique prefix of one),
newest first: version number, whether a deployment of it succeeded (Stable) and
when it was submitted. With -p, each version's changes against the one before.`,
  flags: [
    ADDRESS_FLAG,
    { name: "full", kind: "bool", help: "Also prints each version in full, as JSON." },
    JSON_FLAG,
    { name: "p", kind: "bool", help: "Shows the changes each version made to the one before it." },
    STALE_FLAG,
    { name: "version", kind: "string", placeholder: "n", help: "Shows only this version." },
  ],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const options = queryOptions(flags);
    const stub = await findJob(client, oneArg(flags, "<job>"), options);
    const withDiffs = flags.bools.has("p");
    const response = await client.call(pb.JobsService.versions, { jobId: stub.id, diffs: withDiffs, options }, "read");
    const wanted = wholeNumberFlag(flags, "version");
    const entries = response.versions
      .map((v, i) => ({ job: jobFromWire(v), diff: response.diffs[i] }))
      .filter((e) => wanted === undefined || e.job.version === wanted);
    if (wanted !== undefined && entries.length === 0) throw new UserError(`job "${stub.id}" has no version ${wanted}`);
    if (flags.bools.has("json")) {
      io.stdout(json(nomadJson(entries.map((e) => e.job))));
      return 0;
    }
    const stable = await stableVersions(client, stub.id, options);
    io.stdout(entries.map(({ job, diff }) => {
      const diffText = withDiffs && diff !== undefined ? formatJobDiff(diff) : undefined;
      const full = flags.bools.has("full") ? `Full JSON Job:\n${json(nomadJson(job))}` : "";
      return jobVersionText(job, stable.has(job.version), diffText) + full;
    }).join("\n"));
    return 0;
  }),
};
