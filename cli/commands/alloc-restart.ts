// `nomadish alloc restart <alloc> [task]`: restart tasks in place, on the same node.

import * as pb from "../../proto/index.js";
import { UserError } from "../../shared/errors.js";
import { ADDRESS_FLAG, queryOptions, withClient } from "../api.js";
import type { Command } from "../command.js";
import { positional } from "../common.js";
import { shortId } from "../ids.js";
import { findAlloc } from "../lookup.js";

export const allocRestart: Command = {
  name: "restart",
  synopsis: "Restart a running allocation",
  usage: "nomadish alloc restart [options] <allocation> [<task>]",
  help: `Asks the client running the allocation named by <allocation> (an id or a unique
prefix of one) to restart its tasks in place: one task when named (or given with
-task), otherwise every running task. The allocation keeps its node and resources.`,
  flags: [
    ADDRESS_FLAG,
    { name: "all-tasks", kind: "bool", help: "Also restarts prestart and poststart tasks that already finished." },
    { name: "task", kind: "string", placeholder: "name", help: "The task to restart." },
  ],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const [prefix = "", taskArg] = positional(flags, "<allocation> [<task>]", 1, 2);
    const taskFlag = flags.strings.get("task");
    if (taskArg !== undefined && taskFlag !== undefined && taskArg !== taskFlag) {
      throw new UserError("Name the task once: as an argument or with -task, not both");
    }
    const taskName = taskArg ?? taskFlag ?? "";
    if (taskName !== "" && flags.bools.has("all-tasks")) throw new UserError("-all-tasks restarts every task; it cannot be combined with a task name");
    const alloc = await findAlloc(client, prefix, queryOptions(flags));
    await client.call(pb.AllocationsService.restart, { allocId: alloc.id, taskName, allTasks: flags.bools.has("all-tasks") }, "write");
    io.stdout(`Restarted ${taskName === "" ? "the tasks of" : `task ${JSON.stringify(taskName)} of`} allocation ${JSON.stringify(shortId(alloc.id))}\n`);
    return 0;
  }),
};
