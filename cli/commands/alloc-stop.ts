// `nomadish alloc stop <alloc>`: stop one allocation; the scheduler places a replacement.

import * as pb from "../../proto/index.js";
import { ADDRESS_FLAG, queryOptions, withClient, WRITE_OPTIONS } from "../api.js";
import type { Command } from "../command.js";
import { DETACH_FLAG, oneArg, VERBOSE_FLAG } from "../common.js";
import { findAlloc } from "../lookup.js";
import { monitorEvaluation } from "../monitor.js";

export const allocStop: Command = {
  name: "stop",
  synopsis: "Stop and reschedule a running allocation",
  usage: "nomadish alloc stop [options] <allocation>",
  help: `Stops the allocation named by <allocation> (an id or a unique prefix of one). The
scheduler replaces it as the job's count requires, usually on another node; the
command monitors that evaluation.`,
  flags: [
    ADDRESS_FLAG,
    DETACH_FLAG,
    { name: "no-shutdown-delay", kind: "bool", help: "Skips the tasks' shutdown_delay." },
    VERBOSE_FLAG,
  ],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const alloc = await findAlloc(client, oneArg(flags, "<allocation>"), queryOptions(flags));
    const response = await client.call(pb.AllocationsService.stop, {
      allocId: alloc.id, noShutdownDelay: flags.bools.has("no-shutdown-delay"), options: WRITE_OPTIONS,
    }, "write");
    if (response.evalId === "") return 0;
    if (flags.bools.has("detach")) {
      io.stdout(`${response.evalId}\n`);
      return 0;
    }
    return monitorEvaluation(client, response.evalId, io, { fullIds: flags.bools.has("verbose") });
  }),
};
