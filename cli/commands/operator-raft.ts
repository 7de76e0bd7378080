// `nomadish operator raft list-peers | transfer-leadership | remove-peer`

import * as pb from "../../proto/index.js";
import { UserError } from "../../shared/errors.js";
import { ADDRESS_FLAG, JSON_FLAG, queryOptions, STALE_FLAG, withClient } from "../api.js";
import type { Command, CommandGroup } from "../command.js";
import { columns, json } from "../format.js";

const STATE_NAMES: Record<number, string> = {
  [pb.RaftState.FOLLOWER]: "follower",
  [pb.RaftState.PRE_CANDIDATE]: "candidate",
  [pb.RaftState.CANDIDATE]: "candidate",
  [pb.RaftState.LEADER]: "leader",
  [pb.RaftState.LEARNER]: "learner",
  [pb.RaftState.UNREACHABLE]: "unreachable",
};

export const listPeers: Command = {
  name: "list-peers",
  synopsis: "Display the current Raft peer configuration",
  usage: "nomadish operator raft list-peers [options]",
  help: `Lists the servers in the Raft configuration with their state as the leader sees it.
With -json it also shows each server's term, commit and applied index, last log index,
the leader's match index for it and how long ago it was last heard from.`,
  flags: [ADDRESS_FLAG, STALE_FLAG, JSON_FLAG],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const response = await client.call(pb.OperatorService.raftListPeers, { options: queryOptions(flags) }, "read");
    if (flags.bools.has("json")) {
      io.stdout(json(response.peers.map((p) => ({
        Node: p.name, ID: p.id, Address: p.address, State: STATE_NAMES[p.state] ?? "unknown", Voter: p.voter, Leader: p.leader,
        Term: p.term, CommitIndex: p.commitIndex, AppliedIndex: p.appliedIndex, LastLogIndex: p.lastLogIndex,
        MatchIndex: p.matchIndex, LastContactMs: p.lastContactMs,
      }))));
      return 0;
    }
    io.stdout(columns([
      ["Node", "ID", "Address", "State", "Voter"],
      ...response.peers.map((p) => [p.name || "(unknown)", p.id, p.address, STATE_NAMES[p.state] ?? "unknown", String(p.voter)]),
    ]));
    return 0;
  }),
};

export const transferLeadership: Command = {
  name: "transfer-leadership",
  synopsis: "Hand Raft leadership to another server",
  usage: "nomadish operator raft transfer-leadership [options]",
  help: `Asks the leader to hand leadership to another voter: -peer-id names it, otherwise the
most up-to-date one is chosen. The leader stops taking writes, brings the successor up to
date and tells it to start an election, so the handover takes one round trip.`,
  flags: [ADDRESS_FLAG, { name: "peer-id", kind: "string", placeholder: "id", help: "The server to hand leadership to." }],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const peerId = flags.strings.get("peer-id");
    const response = await client.call(pb.OperatorService.transferLeadership, peerId === undefined ? {} : { peerId }, "write");
    io.stdout(`Leadership transferred to ${response.newLeaderId} (term ${response.term})\n`);
    return 0;
  }),
};

export const removePeer: Command = {
  name: "remove-peer",
  synopsis: "Remove a server from the Raft configuration",
  usage: "nomadish operator raft remove-peer -peer-id <id>",
  help: `Removes a server from the Raft configuration, for example one that failed for good.
The remaining servers then need a majority of the smaller configuration.`,
  flags: [ADDRESS_FLAG, { name: "peer-id", kind: "string", placeholder: "id", help: "The server to remove." }],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const peerId = flags.strings.get("peer-id");
    if (!peerId) throw new UserError("-peer-id is required");
    await client.call(pb.OperatorService.removePeer, { peerId, address: "" }, "write");
    io.stdout(`Removed peer with id "${peerId}"\n`);
    return 0;
  }),
};

export const operatorGroup: CommandGroup = {
  name: "operator",
  synopsis: "Provides cluster-level tools for operators",
  help: "This command groups subcommands for operators of the servers.",
  commands: [{ name: "raft", synopsis: "Provides access to the Raft subsystem", help: "Inspects and changes the servers' Raft configuration.", commands: [listPeers, removePeer, transferLeadership] }],
};
