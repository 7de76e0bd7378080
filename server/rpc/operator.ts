// Operator: the Raft configuration — list peers, hand over leadership, add and remove servers.

import * as grpc from "@grpc/grpc-js";
import * as pb from "../../proto/index.js";
import type { ServerContext } from "./context.js";
import { invalid, notFound, RpcError } from "./errors.js";
import { selfStatus, type PeerStatusCache } from "./status.js";

const TRANSFER_WAIT_MS = 3000;

async function listPeers(ctx: ServerContext, peers: PeerStatusCache): Promise<pb.OperatorRaftListPeersResponse> {
  const own = ctx.raft()?.status();
  const rows = await Promise.all(ctx.membership().voters.map(async (voter): Promise<pb.RaftPeer> => {
    const answer = voter.id === ctx.self.id ? selfStatus(ctx) : await peers.ask(voter.address);
    const raft = answer?.raft;
    const progress = own?.progress[voter.id];
    return {
      id: voter.id,
      name: answer?.member?.name ?? "",
      address: voter.address,
      state: raft ? raft.state : pb.RaftState.UNREACHABLE,
      voter: true,
      leader: own?.leader === voter.id,
      term: raft?.term ?? 0,
      commitIndex: raft?.commitIndex ?? 0,
      appliedIndex: raft?.appliedIndex ?? 0,
      lastLogIndex: raft?.lastLogIndex ?? 0,
      matchIndex: voter.id === ctx.self.id ? (own?.lastIndex ?? 0) : (progress?.match ?? 0),
      lastContactMs: voter.id === ctx.self.id ? 0 : (raft ? raft.lastContactMs : -1),
    };
  }));
  return { peers: rows, answeredBy: ctx.self.id, meta: { index: own?.commit ?? 0, lastContactMs: own?.lastContactMs ?? 0, knownLeader: (own?.leader ?? "") !== "" } };
}

async function transfer(ctx: ServerContext, peerId: string | undefined): Promise<pb.OperatorTransferLeadershipResponse> {
  const raft = ctx.raft();
  if (!raft) throw new RpcError(grpc.status.UNAVAILABLE, "this server has not joined a cluster");
  const status = raft.status();
  const candidates = ctx.membership().voters.filter((v) => v.id !== ctx.self.id);
  let target = peerId;
  if (target === undefined || target === "") {
    // The most up-to-date follower takes over with the least catching up.
    const best = candidates.map((v) => ({ id: v.id, match: status.progress[v.id]?.match ?? 0 })).sort((a, b) => b.match - a.match)[0];
    if (!best) throw invalid("there is no other server to hand leadership to");
    target = best.id;
  } else if (!candidates.some((v) => v.id === target)) {
    throw notFound(`peer ${JSON.stringify(target)} (not a voter other than the leader)`);
  }
  raft.transferLeadership(target);
  const deadline = Date.now() + TRANSFER_WAIT_MS;
  while (Date.now() < deadline) {
    const now = raft.status();
    if (now.leader !== "" && now.leader !== ctx.self.id) return { newLeaderId: now.leader, term: now.term };
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new RpcError(grpc.status.DEADLINE_EXCEEDED, `leadership did not move to ${target} within ${TRANSFER_WAIT_MS} ms`);
}

export function operatorService(ctx: ServerContext, peers: PeerStatusCache): pb.OperatorServer {
  const f = ctx.forwarder;
  const method = pb.OperatorService;
  return {
    raftListPeers: f.unary((req) => (req.options?.stale ? "local" : "leader-read"), method.raftListPeers, () => listPeers(ctx, peers)),
    transferLeadership: f.unary("leader-write", method.transferLeadership, (req) => transfer(ctx, req.peerId)),
    addPeer: f.unary("leader-write", method.addPeer, async (req) => {
      if (!req.peerId || !/^[^\s:]+:\d+$/.test(req.address)) throw invalid("add-peer needs a peer id and a host:port address");
      const raft = ctx.raft();
      if (!raft) throw new RpcError(grpc.status.UNAVAILABLE, "this server has not joined a cluster");
      if (ctx.membership().voters.some((v) => v.id === req.peerId)) return { meta: { index: raft.status().commit } };
      const { index } = await raft.changeMembership({ type: "add", member: { id: req.peerId, address: req.address } });
      return { meta: { index } };
    }),
    removePeer: f.unary("leader-write", method.removePeer, async (req) => {
      const raft = ctx.raft();
      if (!raft) throw new RpcError(grpc.status.UNAVAILABLE, "this server has not joined a cluster");
      const voter = ctx.membership().voters.find((v) => (req.peerId ? v.id === req.peerId : v.address === req.address));
      if (!voter) throw notFound(`peer ${JSON.stringify(req.peerId || req.address)}`);
      const { index } = await raft.changeMembership({ type: "remove", id: voter.id });
      return { meta: { index } };
    }),
  };
}
