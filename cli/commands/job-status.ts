// `nomadish job status [job]`: the list of jobs, or one job with its summary and allocations.

import * as pb from "../../proto/index.js";
import { jobListStubFromWire } from "../../shared/wire/index.js";
import type { ApiClient } from "../../shared/api/client.js";
import { ADDRESS_FLAG, JSON_FLAG, queryOptions, STALE_FLAG, withClient } from "../api.js";
import type { Command } from "../command.js";
import { positional, VERBOSE_FLAG } from "../common.js";
import { getJob, jobAllocations, jobEvaluations } from "../fetch.js";
import type { ParsedFlags } from "../flags.js";
import { json } from "../format.js";
import { findJob } from "../lookup.js";
import { nomadJson } from "../nomad-json.js";
import { allocListTable } from "../views/allocs.js";
import { jobEvalTable, jobKeyValues, jobListTable, placementFailureSection, summaryTable } from "../views/jobs.js";

async function listJobs(client: ApiClient, flags: ParsedFlags): Promise<string> {
  const { jobs } = await client.call(pb.JobsService.list, { prefix: "", options: queryOptions(flags) }, "read");
  const stubs = jobs.map(jobListStubFromWire);
  return flags.bools.has("json") ? json(nomadJson(stubs)) : jobListTable(stubs);
}

async function describeJob(client: ApiClient, flags: ParsedFlags, prefix: string): Promise<string> {
  const options = queryOptions(flags);
  const verbose = flags.bools.has("verbose");
  const { job, summary } = await getJob(client, (await findJob(client, prefix, options)).id, options);
  if (flags.bools.has("json")) return json(nomadJson(job));
  let out = jobKeyValues(job);
  if (flags.bools.has("short")) return out;
  // Periodic and parameterized jobs run as child jobs; their own summary stays empty.
  if (summary !== undefined && job.periodic === undefined && job.parameterized === undefined) out += `\nSummary\n${summaryTable(summary)}`;
  const evals = await jobEvaluations(client, job.id, options);
  out += placementFailureSection(evals);
  if (verbose) out += `\nEvaluations\n${jobEvalTable(evals, verbose)}`;
  const allocs = await jobAllocations(client, job.id, flags.bools.has("all-allocs"), options);
  out += `\nAllocations\n${allocListTable(allocs, { verbose, nowMs: Date.now() })}`;
  return out;
}

export const jobStatus: Command = {
  name: "status",
  synopsis: "Display status information about a job",
  usage: "nomadish job status [options] [job]",
  help: `Without an argument, lists every job. With a job id (or a unique prefix of one),
shows the job, a summary of its allocations by task group and client status,
why allocations could not be placed while an evaluation waits for capacity,
and the job's allocations.`,
  flags: [
    ADDRESS_FLAG,
    { name: "all-allocs", kind: "bool", help: "Also lists allocations of earlier jobs with the same id." },
    JSON_FLAG,
    { name: "short", kind: "bool", help: "Shows only the job's key = value block." },
    STALE_FLAG,
    VERBOSE_FLAG,
  ],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const [prefix] = positional(flags, "[job]", 0, 1);
    io.stdout(prefix === undefined ? await listJobs(client, flags) : await describeJob(client, flags, prefix));
    return 0;
  }),
};
