// `nomadish job scale`: change the count of a task group.

import * as pb from "../../proto/index.js";
import { UserError } from "../../shared/errors.js";
import { ADDRESS_FLAG, queryOptions, withClient, WRITE_OPTIONS } from "../api.js";
import type { Command } from "../command.js";
import { DETACH_FLAG, positional, VERBOSE_FLAG } from "../common.js";
import { getJob } from "../fetch.js";
import { findJob } from "../lookup.js";
import { monitorEvaluation } from "../monitor.js";

function parseCount(text: string): number {
  if (!/^\d+$/.test(text)) throw new UserError(`Failed to convert count string to int: ${JSON.stringify(text)} is not a whole number`);
  return Number(text);
}

export const jobScale: Command = {
  name: "scale",
  synopsis: "Change the count of a job's task group",
  usage: "nomadish job scale [options] <job> [<group>] <count>",
  help: `Sets the number of allocations of a task group of the job named by <job> (an id or a
unique prefix of one) and monitors the evaluation that places or stops them. The
group may be left out when the job has only one.`,
  flags: [ADDRESS_FLAG, DETACH_FLAG, VERBOSE_FLAG],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const args = positional(flags, "<job> [<group>] <count>", 2, 3);
    const [prefix = "", ...rest] = args;
    const count = parseCount(rest[rest.length - 1] ?? "");
    const stub = await findJob(client, prefix, queryOptions(flags));
    let group = rest.length === 2 ? (rest[0] as string) : undefined;
    if (group === undefined) {
      const { job } = await getJob(client, stub.id, queryOptions(flags));
      const [only, second] = job.taskGroups;
      if (only === undefined || second !== undefined) {
        throw new UserError(`Job "${job.id}" has ${job.taskGroups.length} task groups; name the one to scale: nomadish job scale ${job.id} <group> ${count}`);
      }
      group = only.name;
    }
    const response = await client.call(pb.JobsService.scale, {
      jobId: stub.id, taskGroup: group, count, message: "submitted using the nomadish CLI", options: WRITE_OPTIONS,
    }, "write");
    if (response.evalId === "") return 0;
    if (flags.bools.has("detach")) {
      io.stdout(`Evaluation ID: ${response.evalId}\n`);
      return 0;
    }
    return monitorEvaluation(client, response.evalId, io, { fullIds: flags.bools.has("verbose") });
  }),
};
