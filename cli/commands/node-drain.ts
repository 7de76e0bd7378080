// `nomadish node drain -enable|-disable <node>`: move allocations off a node before maintenance.

import * as pb from "../../proto/index.js";
import { UserError } from "../../shared/errors.js";
import { parseDurationMs } from "../../shared/model/index.js";
import { ADDRESS_FLAG, queryOptions, withClient, WRITE_OPTIONS } from "../api.js";
import type { Command } from "../command.js";
import { DETACH_FLAG, oneArg, YES_FLAG } from "../common.js";
import { monitorDrain } from "../drain-monitor.js";
import type { ParsedFlags } from "../flags.js";
import { findNode } from "../lookup.js";
import { formatTimestamp } from "../time.js";

const DEFAULT_DEADLINE_MS = 60 * 60 * 1000;

/** The drain the flags ask for; undefined for -disable. */
function drainSpec(flags: ParsedFlags): pb.DrainSpec | undefined {
  const enable = flags.bools.has("enable");
  const disable = flags.bools.has("disable");
  if (enable === disable) throw new UserError("Either the '-enable' or '-disable' flag must be set");
  const deadlineText = flags.strings.get("deadline");
  const force = flags.bools.has("force");
  const noDeadline = flags.bools.has("no-deadline");
  if ([deadlineText !== undefined, force, noDeadline].filter(Boolean).length > 1) {
    throw new UserError("only one of -deadline, -force and -no-deadline may be given");
  }
  if (disable) return undefined;
  let deadlineMs = noDeadline ? 0 : DEFAULT_DEADLINE_MS;
  if (deadlineText !== undefined) {
    const parsed = parseDurationMs(deadlineText);
    if (parsed === undefined || parsed <= 0) throw new UserError(`-deadline must be a positive duration such as "30m", not ${JSON.stringify(deadlineText)}`);
    deadlineMs = parsed;
  }
  return { deadlineMs: force ? 0 : deadlineMs, force, ignoreSystemJobs: flags.bools.has("ignore-system") };
}

export const nodeDrain: Command = {
  name: "drain",
  synopsis: "Toggle drain mode on a given node",
  usage: "nomadish node drain [options] <node>",
  help: `-enable marks the node named by <node> (an id or a unique prefix of one) ineligible
and migrates its allocations to other nodes, respecting each group's migrate block;
allocations still there when the deadline passes are stopped. The command then
follows the drain until every allocation has left (Ctrl-C stops watching, not the
drain). -disable cancels a drain and makes the node eligible again.`,
  flags: [
    ADDRESS_FLAG,
    { name: "deadline", kind: "string", placeholder: "duration", help: "How long allocations may take to migrate before the rest are stopped. Default: 1h." },
    DETACH_FLAG,
    { name: "disable", kind: "bool", help: "Cancels the node's drain." },
    { name: "enable", kind: "bool", help: "Starts draining the node." },
    { name: "force", kind: "bool", help: "Stops every allocation at once instead of migrating them." },
    { name: "ignore-system", kind: "bool", help: "Leaves the allocations of system jobs running." },
    { name: "keep-ineligible", kind: "bool", help: "With -disable: leaves the node ineligible for scheduling." },
    { name: "no-deadline", kind: "bool", help: "Migrates allocations without ever forcing them off." },
    YES_FLAG,
  ],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const spec = drainSpec(flags);
    const node = await findNode(client, oneArg(flags, "<node>"), queryOptions(flags));
    const response = await client.call(pb.NodesService.updateDrain, {
      nodeId: node.id,
      drain: spec,
      markEligible: spec === undefined && !flags.bools.has("keep-ineligible"),
      options: WRITE_OPTIONS,
    }, "write");
    const id = JSON.stringify(node.id);
    if (spec === undefined) {
      io.stdout(`Node ${id} drain strategy unset\n`);
      return 0;
    }
    if (flags.bools.has("detach")) {
      io.stdout(`Node ${id} drain strategy set\n`);
      return 0;
    }
    const time = formatTimestamp(Date.now());
    io.stdout(`${time}: Ctrl-C to stop monitoring: will not cancel the node drain\n${time}: Node ${id} drain strategy set\n`);
    return monitorDrain(client, node.id, io, { ignoreSystemJobs: spec.ignoreSystemJobs, fromIndex: response.meta?.index ?? response.nodeModifyIndex });
  }),
};
