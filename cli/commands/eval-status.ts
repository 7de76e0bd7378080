// `nomadish eval status <eval>`: one evaluation and, when it could not place everything, why.

import { ADDRESS_FLAG, JSON_FLAG, queryOptions, STALE_FLAG, withClient } from "../api.js";
import type { Command } from "../command.js";
import { oneArg, VERBOSE_FLAG } from "../common.js";
import { getEval } from "../fetch.js";
import { json } from "../format.js";
import { findEval } from "../lookup.js";
import { monitorEvaluation } from "../monitor.js";
import { nomadJson } from "../nomad-json.js";
import { evalKeyValues, failedPlacementsText } from "../views/evals.js";

export const evalStatus: Command = {
  name: "status",
  synopsis: "Display evaluation status and placement failure reasons",
  usage: "nomadish eval status [options] <evaluation>",
  help: `Shows the evaluation named by <evaluation> (an id or a unique prefix of one): what
triggered it, its status, and for each task group it could not fully place, why
nodes were filtered out or ran out of resources. -monitor follows it instead, as
"job run" does.`,
  flags: [
    ADDRESS_FLAG,
    JSON_FLAG,
    { name: "monitor", kind: "bool", help: "Monitors the evaluation until it finishes (exit 2 when placements failed)." },
    STALE_FLAG,
    VERBOSE_FLAG,
  ],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const verbose = flags.bools.has("verbose");
    const options = queryOptions(flags);
    const ev = await getEval(client, (await findEval(client, oneArg(flags, "<evaluation>"), options)).id, options);
    if (flags.bools.has("monitor")) return monitorEvaluation(client, ev.id, io, { fullIds: verbose });
    if (flags.bools.has("json")) {
      io.stdout(json(nomadJson(ev)));
      return 0;
    }
    io.stdout(evalKeyValues(ev, { verbose, nowMs: Date.now() }) + failedPlacementsText(ev, verbose));
    return 0;
  }),
};
