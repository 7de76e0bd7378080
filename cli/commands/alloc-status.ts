// `nomadish alloc status <alloc>`: one allocation, its tasks and, with -verbose, how the
// scheduler scored the nodes it considered for it.

import { ADDRESS_FLAG, JSON_FLAG, queryOptions, STALE_FLAG, withClient } from "../api.js";
import type { Command } from "../command.js";
import { oneArg, VERBOSE_FLAG } from "../common.js";
import { getAlloc } from "../fetch.js";
import { json } from "../format.js";
import { findAlloc } from "../lookup.js";
import { nomadJson } from "../nomad-json.js";
import { placementMetrics } from "../placement.js";
import { allocKeyValues } from "../views/allocs.js";
import { taskSections, taskSummaryTable } from "../views/tasks.js";

export const allocStatus: Command = {
  name: "status",
  synopsis: "Display allocation status information and metadata",
  usage: "nomadish alloc status [options] <allocation>",
  help: `Shows the allocation named by <allocation> (an id or a unique prefix of one): where
it runs, its desired and client status, and for each task its resources, restarts
and recent events. -verbose adds the placement metrics: how many nodes the scheduler
evaluated, filtered and found exhausted, and each ranked node's scores.`,
  flags: [
    ADDRESS_FLAG,
    JSON_FLAG,
    { name: "short", kind: "bool", help: "Shows one line per task instead of each task's details." },
    STALE_FLAG,
    { ...VERBOSE_FLAG, help: "Shows full ids, exact times and the placement metrics with each node's scores." },
  ],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const options = queryOptions(flags);
    const verbose = flags.bools.has("verbose");
    const alloc = await getAlloc(client, (await findAlloc(client, oneArg(flags, "<allocation>"), options)).id, options);
    if (flags.bools.has("json")) {
      io.stdout(json(nomadJson(alloc)));
      return 0;
    }
    let out = allocKeyValues(alloc, { verbose, nowMs: Date.now() });
    out += flags.bools.has("short") ? `\nTasks\n${taskSummaryTable(alloc)}` : taskSections(alloc);
    if (verbose) out += `\nPlacement Metrics\n${placementMetrics(alloc.metrics, "  ")}`;
    io.stdout(out);
    return 0;
  }),
};
