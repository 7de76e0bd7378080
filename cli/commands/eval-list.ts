// `nomadish eval list`: recent evaluations, optionally of one job or in one status.

import * as pb from "../../proto/index.js";
import { UserError } from "../../shared/errors.js";
import type { EvalStatus } from "../../shared/model/index.js";
import { evalFromWire, evalStatusCodec } from "../../shared/wire/index.js";
import { ADDRESS_FLAG, JSON_FLAG, queryOptions, STALE_FLAG, withClient } from "../api.js";
import type { Command } from "../command.js";
import { positional, VERBOSE_FLAG } from "../common.js";
import { json } from "../format.js";
import { nomadJson } from "../nomad-json.js";
import { evalListTable } from "../views/evals.js";

const STATUSES: readonly EvalStatus[] = ["blocked", "pending", "complete", "failed", "canceled"];

function statusFilter(text: string | undefined): pb.EvalStatus {
  if (text === undefined || text === "") return pb.EvalStatus.UNSPECIFIED;
  const status = STATUSES.find((s) => s === text);
  if (status === undefined) throw new UserError(`-status must be one of ${STATUSES.join(", ")}, not ${JSON.stringify(text)}`);
  return evalStatusCodec.toWire(status);
}

export const evalList: Command = {
  name: "list",
  synopsis: "List the evaluations",
  usage: "nomadish eval list [options]",
  help: "Lists evaluations, newest first: what triggered each, its status, and whether it failed to place allocations.",
  flags: [
    ADDRESS_FLAG,
    { name: "job", kind: "string", placeholder: "id", help: "Lists only the evaluations of this job." },
    JSON_FLAG,
    STALE_FLAG,
    { name: "status", kind: "string", placeholder: "status", help: `Lists only evaluations in this status: ${STATUSES.join(", ")}.` },
    VERBOSE_FLAG,
  ],
  run: (flags, io) => withClient(flags, io, async (client) => {
    positional(flags, "", 0);
    const status = statusFilter(flags.strings.get("status"));
    const { evaluations } = await client.call(pb.EvaluationsService.list, {
      prefix: "", jobId: flags.strings.get("job") ?? "", status, options: queryOptions(flags),
    }, "read");
    const evals = evaluations.map(evalFromWire);
    io.stdout(flags.bools.has("json") ? json(nomadJson(evals)) : evalListTable(evals, flags.bools.has("verbose")));
    return 0;
  }),
};
