// `nomadish node eligibility -enable|-disable <node>`: whether the scheduler may place work there.

import * as pb from "../../proto/index.js";
import { UserError } from "../../shared/errors.js";
import { ADDRESS_FLAG, queryOptions, withClient, WRITE_OPTIONS } from "../api.js";
import type { Command } from "../command.js";
import { oneArg } from "../common.js";
import { findNode } from "../lookup.js";

export const nodeEligibility: Command = {
  name: "eligibility",
  synopsis: "Toggle scheduling eligibility for a given node",
  usage: "nomadish node eligibility [options] <node>",
  help: `Marks the node named by <node> (an id or a unique prefix of one) eligible or
ineligible for new allocations. Allocations already on an ineligible node keep
running; use "node drain" to move them.`,
  flags: [
    ADDRESS_FLAG,
    { name: "disable", kind: "bool", help: "Marks the node ineligible for scheduling." },
    { name: "enable", kind: "bool", help: "Marks the node eligible for scheduling." },
  ],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const enable = flags.bools.has("enable");
    if (enable === flags.bools.has("disable")) throw new UserError("Either the '-enable' or '-disable' flag must be set");
    const node = await findNode(client, oneArg(flags, "<node>"), queryOptions(flags));
    const eligibility = enable ? pb.SchedulingEligibility.ELIGIBLE : pb.SchedulingEligibility.INELIGIBLE;
    await client.call(pb.NodesService.updateEligibility, { nodeId: node.id, eligibility, options: WRITE_OPTIONS }, "write");
    io.stdout(`Node ${JSON.stringify(node.id)} scheduling eligibility set: ${enable ? "eligible" : "ineligible"} for scheduling\n`);
    return 0;
  }),
};
