// Status: answered by the server asked, leader or not, so tools can poll every server (the
// dashboard does this during an election, when there is no leader to ask).

import * as grpc from "@grpc/grpc-js";
import * as pb from "../../proto/index.js";
import { SERVER_CHANNEL_OPTIONS } from "../../shared/api/channel.js";
import type { Role } from "../raft/core/index.js";
import type { ServerContext } from "./context.js";
import { toServiceError } from "./errors.js";

const ROLE_STATE: Record<Role, pb.RaftState> = {
  follower: pb.RaftState.FOLLOWER,
  "pre-candidate": pb.RaftState.PRE_CANDIDATE,
  candidate: pb.RaftState.CANDIDATE,
  leader: pb.RaftState.LEADER,
};

export function raftStateOf(role: Role): pb.RaftState {
  return ROLE_STATE[role];
}

/** The process's memory and the Raft log it holds, for operators (and the scheduler benchmark). */
function runtimeStats(logBytesInMemory: number | undefined): Record<string, string> {
  const m = process.memoryUsage();
  const stats: Record<string, string> = {
    "runtime.rss_bytes": String(m.rss),
    "runtime.heap_used_bytes": String(m.heapUsed),
    "runtime.heap_total_bytes": String(m.heapTotal),
    "runtime.external_bytes": String(m.external),
    "runtime.array_buffers_bytes": String(m.arrayBuffers),
  };
  if (logBytesInMemory !== undefined) stats["raft.log_bytes_in_memory"] = String(logBytesInMemory);
  return stats;
}

export function selfStatus(ctx: ServerContext): pb.StatusSelfResponse {
  const raft = ctx.raft()?.status();
  const membership = ctx.membership();
  const leaderAddress = membership.voters.find((v) => v.id === raft?.leader)?.address ?? "";
  return {
    member: {
      id: ctx.self.id, name: ctx.self.name, address: ctx.self.address, region: ctx.self.region, datacenter: ctx.self.datacenter,
      version: ctx.self.version, status: "alive", leader: raft?.role === "leader", voter: membership.voters.some((v) => v.id === ctx.self.id),
    },
    raft: raft
      ? {
        state: raftStateOf(raft.role), term: raft.term, leaderId: raft.leader, leaderAddress, commitIndex: raft.commit,
        appliedIndex: raft.applied, lastLogIndex: raft.lastIndex, lastLogTerm: 0, lastSnapshotIndex: raft.lastSnapshotIndex,
        lastContactMs: raft.lastContactMs, membership: { voters: membership.voters.map((v) => ({ ...v })), learners: [] },
      }
      : { state: pb.RaftState.FOLLOWER, term: 0, leaderId: "", leaderAddress: "", commitIndex: 0, appliedIndex: 0, lastLogIndex: 0, lastLogTerm: 0, lastSnapshotIndex: 0, lastContactMs: 0, membership: { voters: [], learners: [] } },
    uptimeMs: Date.now() - ctx.startedAtMs,
    stats: runtimeStats(raft?.logBytesInMemory),
    clusterId: ctx.clusterId(),
  };
}

/** Asks another server for its own status; undefined when it does not answer quickly. */
export function askSelf(client: grpc.Client, timeoutMs: number): Promise<pb.StatusSelfResponse | undefined> {
  const method = pb.StatusService.self;
  return new Promise((resolve) => {
    client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, {}, new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs }, (err, res) => resolve(err ? undefined : (res as pb.StatusSelfResponse)));
  });
}

export class PeerStatusCache {
  private readonly clients = new Map<string, grpc.Client>();

  client(address: string): grpc.Client {
    let client = this.clients.get(address);
    if (!client) {
      client = new grpc.Client(address, grpc.credentials.createInsecure(), SERVER_CHANNEL_OPTIONS);
      this.clients.set(address, client);
    }
    return client;
  }

  ask(address: string, timeoutMs = 300): Promise<pb.StatusSelfResponse | undefined> {
    return askSelf(this.client(address), timeoutMs);
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}

export function statusService(ctx: ServerContext, peers: PeerStatusCache): pb.StatusServer {
  const reply = <T>(callback: grpc.sendUnaryData<T>, work: () => Promise<T> | T) => {
    Promise.resolve().then(work).then((r) => callback(null, r), (err: unknown) => callback(toServiceError(err, ctx.logger)));
  };
  return {
    leader: (_call, callback) => reply(callback, () => {
      const status = selfStatus(ctx).raft;
      return { leaderAddress: status?.leaderAddress ?? "", leaderId: status?.leaderId ?? "", term: status?.term ?? 0 };
    }),
    peers: (_call, callback) => reply(callback, () => ({ addresses: ctx.membership().voters.map((v) => v.address) })),
    self: (_call, callback) => reply(callback, () => selfStatus(ctx)),
    members: (_call, callback) => reply(callback, async () => {
      const voters = ctx.membership().voters;
      const members = await Promise.all(voters.map(async (voter): Promise<pb.ServerMember> => {
        if (voter.id === ctx.self.id) return selfStatus(ctx).member as pb.ServerMember;
        const answer = await peers.ask(voter.address);
        return answer?.member ?? {
          id: voter.id, name: "", address: voter.address, region: ctx.self.region, datacenter: "", version: "", status: "failed", leader: false, voter: true,
        };
      }));
      return { members };
    }),
  };
}
