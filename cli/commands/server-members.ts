// `nomadish server members` and `nomadish status`

import * as pb from "../../proto/index.js";
import { ADDRESS_FLAG, JSON_FLAG, withClient } from "../api.js";
import type { Command, CommandGroup } from "../command.js";
import { columns, json, keyValues } from "../format.js";

export const serverMembers: Command = {
  name: "members",
  synopsis: "Display a list of the known servers and their status",
  usage: "nomadish server members [options]",
  help: "Lists the servers of the cluster, which one leads, and whether each is alive.",
  flags: [ADDRESS_FLAG, JSON_FLAG],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const { members } = await client.call(pb.StatusService.members, {}, "read");
    if (flags.bools.has("json")) {
      io.stdout(json(members.map((m) => ({ Name: m.name, ID: m.id, Address: m.address, Status: m.status, Leader: m.leader, Voter: m.voter, Build: m.version, Datacenter: m.datacenter, Region: m.region }))));
      return 0;
    }
    io.stdout(columns([
      ["Name", "Address", "Port", "Status", "Leader", "Voter", "Build", "Datacenter", "Region"],
      ...members.map((m) => {
        const [host = "", port = ""] = m.address.split(/:(?=\d+$)/);
        return [m.name || m.id.slice(0, 8), host, port, m.status, String(m.leader), String(m.voter), m.version, m.datacenter, m.region];
      }),
    ]));
    return 0;
  }),
};

export const serverGroup: CommandGroup = {
  name: "server",
  synopsis: "Interact with servers",
  help: "This command groups subcommands for interacting with the servers.",
  commands: [serverMembers],
};

export const status: Command = {
  name: "status",
  synopsis: "Display the status of the cluster",
  usage: "nomadish status [options]",
  help: "Shows the cluster's leader and its servers as the server asked sees them.",
  flags: [ADDRESS_FLAG, JSON_FLAG],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const self = await client.call(pb.StatusService.self, {}, "read");
    const { members } = await client.call(pb.StatusService.members, {}, "read");
    const raft = self.raft;
    const leader = members.find((m) => m.leader);
    if (flags.bools.has("json")) {
      io.stdout(json({ Cluster: self.clusterId, Leader: leader ? { ID: leader.id, Address: leader.address } : null, Term: raft?.term ?? 0, CommitIndex: raft?.commitIndex ?? 0, Servers: members.length, Alive: members.filter((m) => m.status === "alive").length }));
      return 0;
    }
    io.stdout(keyValues([
      ["Cluster", self.clusterId || "(not formed yet)"],
      ["Leader", leader ? `${leader.name || leader.id} (${leader.address})` : "none (election in progress)"],
      ["Term", String(raft?.term ?? 0)],
      ["Commit Index", String(raft?.commitIndex ?? 0)],
      ["Servers", `${members.length} (${members.filter((m) => m.status === "alive").length} alive)`],
    ]));
    return 0;
  }),
};
