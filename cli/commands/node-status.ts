// `nomadish node status [node]`: the client nodes, or one node with what its allocations hold.

import * as pb from "../../proto/index.js";
import type { ApiClient } from "../../shared/api/client.js";
import { nodeFromWire } from "../../shared/wire/index.js";
import { ADDRESS_FLAG, JSON_FLAG, queryOptions, STALE_FLAG, withClient } from "../api.js";
import type { Command } from "../command.js";
import { positional, VERBOSE_FLAG } from "../common.js";
import { getAlloc, getNode, nodeAllocations } from "../fetch.js";
import type { ParsedFlags } from "../flags.js";
import { json } from "../format.js";
import { findNode } from "../lookup.js";
import { nomadJson } from "../nomad-json.js";
import { allocListTable } from "../views/allocs.js";
import { allocatedResourcesTable, holdsResources, nodeDetails, nodeKeyValues, nodeListTable } from "../views/nodes.js";

async function listNodes(client: ApiClient, flags: ParsedFlags): Promise<string> {
  const { nodes } = await client.call(pb.NodesService.list, { prefix: "", options: queryOptions(flags) }, "read");
  const list = nodes.map(nodeFromWire);
  if (flags.bools.has("json")) return json(nomadJson(list));
  // Like Nomad, no nodes prints nothing at all.
  return list.length === 0 ? "" : nodeListTable(list, flags.bools.has("verbose"));
}

async function describeNode(client: ApiClient, flags: ParsedFlags, prefix: string): Promise<string> {
  const options = queryOptions(flags);
  const { node } = await getNode(client, (await findNode(client, prefix, options)).id, options);
  if (flags.bools.has("json")) return json(nomadJson(node));
  let out = nodeKeyValues(node);
  if (flags.bools.has("verbose")) out += nodeDetails(node);
  if (flags.bools.has("short")) return out;
  const { allocs } = await nodeAllocations(client, node.id, options);
  // Stubs carry no resources: read in full the allocations that hold some.
  const holding = await Promise.all(allocs.filter(holdsResources).map((a) => getAlloc(client, a.id, options)));
  out += `\nAllocated Resources\n${allocatedResourcesTable(node, holding)}`;
  out += `\nAllocations\n${allocListTable(allocs, { verbose: flags.bools.has("verbose"), nowMs: Date.now() })}`;
  return out;
}

export const nodeStatus: Command = {
  name: "status",
  synopsis: "Display status information about nodes",
  usage: "nomadish node status [options] [node]",
  help: `Without an argument, lists the client nodes. With a node id (or a unique prefix of
one), shows the node, the cpu, memory and disk its live allocations hold against what
it offers (its resources less what it reserves), and its allocations.`,
  flags: [
    ADDRESS_FLAG,
    JSON_FLAG,
    { name: "short", kind: "bool", help: "Shows only the node's key = value block." },
    STALE_FLAG,
    { ...VERBOSE_FLAG, help: "Shows full ids, addresses, and the node's attributes and meta." },
  ],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const [prefix] = positional(flags, "[node]", 0, 1);
    io.stdout(prefix === undefined ? await listNodes(client, flags) : await describeNode(client, flags, prefix));
    return 0;
  }),
};
