// The server agent: one process holding a replica of the cluster state. It opens its Raft log,
// joins or forms the cluster, serves the API over gRPC, and forwards what needs the leader.

import { createHash, randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as pb from "../proto/index.js";
import { advertisedHost } from "../shared/advertise.js";
import { UserError } from "../shared/errors.js";
import type { Logger } from "../shared/log.js";
import type { Member, Membership, NodeId } from "./raft/core/index.js";
import { RaftLoop } from "./raft/loop.js";
import { RaftDiskStorage } from "./raft/storage.js";
import { DEFAULT_TRANSPORT_OPTIONS, RAFT_MAX_MESSAGE_BYTES, RaftTransport } from "./raft/transport.js";
import type { ServerContext } from "./rpc/context.js";
import { Forwarder } from "./rpc/forward.js";
import { operatorService } from "./rpc/operator.js";
import { PeerStatusCache, statusService } from "./rpc/status.js";
import { variablesService } from "./rpc/variables.js";
import { allocationsService } from "./rpc/allocations.js";
import { NodeAllocWatchHub } from "./rpc/alloc-watch.js";
import { clientNodeService } from "./rpc/client-node.js";
import { clientNodeServiceDefinition } from "./rpc/watch-frame.js";
import { deploymentsService } from "./rpc/deployments.js";
import { evaluationsService } from "./rpc/evaluations.js";
import { eventsService } from "./rpc/events.js";
import { jobsService } from "./rpc/jobs.js";
import { nodesService } from "./rpc/nodes.js";
import { LeaderDuties } from "./leader/leader.js";
import { encodeCommand, StateStore, type StateCommand } from "./state/index.js";
import { raftTiming, type ServerOptions } from "./options.js";

const FORMATION_POLL_MS = 250;

/** Founding servers derive the same cluster id from the same initial membership. */
function clusterIdFor(membership: Membership): string {
  const text = membership.voters.map((v) => `${v.id}@${v.address}`).sort().join(",");
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

async function listen(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (!err) return resolve(port);
      reject(/EADDRINUSE|No address added/.test(err.message) ? new UserError(`cannot listen on ${address}: the address is in use or unavailable`) : err);
    });
  });
}

export class ServerAgent {
  private raft: RaftLoop | undefined;
  private membership: Membership = { voters: [] };
  private stopped = false;
  readonly store: StateStore;
  private readonly transport: RaftTransport;
  private readonly peers = new PeerStatusCache();
  private readonly forwarder: Forwarder;
  private readonly grpcServer: grpc.Server;
  private readonly leader: LeaderDuties;
  private readonly watches: NodeAllocWatchHub;

  private constructor(
    readonly opts: ServerOptions,
    readonly id: NodeId,
    readonly address: string,
    private clusterId: string,
    private readonly disk: RaftDiskStorage,
    private readonly logger: Logger,
    version: string,
  ) {
    this.store = new StateStore({}, { logger: logger.child("state") });
    this.transport = new RaftTransport({
      ...DEFAULT_TRANSPORT_OPTIONS, selfId: id, selfAddress: address,
      silentPeerResetMs: DEFAULT_TRANSPORT_OPTIONS.silentPeerResetMs * opts.raftMultiplier,
    }, {
      logger: logger.child("transport"),
      clusterId: () => this.clusterId,
      deliver: (message) => this.raft?.deliver(message),
      snapshotFailed: (peer) => this.raft?.snapshotFailed(peer),
      // Written to disk as it arrives; only once Raft runs (it loaded the disk and takes snapshots).
      snapshotWriter: () => (this.raft ? this.disk.snapshotWriter() : undefined),
    });
    this.forwarder = new Forwarder({ selfId: id, leaderHoldMs: opts.leaderHoldMs }, {
      raft: () => this.raft,
      addressOf: (peer) => this.membership.voters.find((v) => v.id === peer)?.address,
      logger: logger.child("rpc"),
    });
    const ctx: ServerContext = {
      self: { id, name: opts.name, address, region: opts.region, datacenter: opts.datacenter, version },
      startedAtMs: Date.now(),
      clusterId: () => this.clusterId,
      raft: () => this.raft,
      membership: () => this.membership,
      forwarder: this.forwarder,
      logger: logger.child("rpc"),
    };
    this.grpcServer = new grpc.Server({ "grpc.max_receive_message_length": RAFT_MAX_MESSAGE_BYTES });
    this.grpcServer.addService(pb.RaftService, this.transport.service());
    this.grpcServer.addService(pb.StatusService, statusService(ctx, this.peers));
    this.grpcServer.addService(pb.OperatorService, operatorService(ctx, this.peers));
    const propose = (command: StateCommand) => this.propose(command);
    this.leader = new LeaderDuties({
      heartbeat: { minTtlMs: opts.minHeartbeatTtlMs, graceMs: opts.heartbeatGraceMs, maxHeartbeatsPerSecond: 50 },
      numSchedulers: opts.numSchedulers, algorithm: opts.schedulerAlgorithm, drainIntervalMs: 1000, deploymentIntervalMs: 250,
    }, { store: this.store, propose, logger: logger.child("leader") });
    this.watches = new NodeAllocWatchHub(this.store);
    this.grpcServer.addService(pb.VariablesService, variablesService(ctx, this.store, propose));
    this.grpcServer.addService(pb.JobsService, jobsService(ctx, { store: this.store, propose, algorithm: () => opts.schedulerAlgorithm }));
    this.grpcServer.addService(pb.NodesService, nodesService(ctx, { store: this.store, propose }));
    this.grpcServer.addService(pb.AllocationsService, allocationsService(ctx, { store: this.store, propose }));
    this.grpcServer.addService(pb.EvaluationsService, evaluationsService(ctx, this.store));
    this.grpcServer.addService(pb.DeploymentsService, deploymentsService(ctx, { store: this.store, propose }));
    this.grpcServer.addService(pb.EventsService, eventsService(ctx, this.store));
    this.grpcServer.addService(clientNodeServiceDefinition, clientNodeService(ctx, {
      store: this.store, propose, leader: () => (this.leader.isActive ? this.leader : undefined), watches: this.watches,
    }));
  }

  /**
   * Leadership is established only once everything committed before this term is applied (the
   * read barrier), so the broker is rebuilt from a complete state.
   */
  private leadershipChanged(isLeader: boolean): void {
    if (!isLeader) {
      void this.leader.revoke();
      return;
    }
    const raft = this.raft;
    if (!raft) return;
    const attempt = (): void => {
      raft.readBarrier().then(() => {
        if (raft.status().role === "leader" && !this.stopped) this.leader.establish();
      }, (err: Error) => {
        // Still leading (e.g. a long backlog to apply): keep trying, or the term has no broker.
        if (raft.status().role !== "leader" || this.stopped) return;
        this.logger.warn("could not establish leadership yet; retrying", { error: err.message });
        setTimeout(attempt, 100);
      });
    };
    attempt();
  }

  static async start(opts: ServerOptions, logger: Logger, version: string): Promise<ServerAgent> {
    mkdirSync(opts.dataDir, { recursive: true });
    const disk = await RaftDiskStorage.open(path.join(opts.dataDir, "raft"));
    try {
      let id = await disk.getMeta("server-id");
      if (!id) {
        id = randomUUID();
        await disk.putMeta("server-id", id);
      }
      const clusterId = (await disk.getMeta("cluster-id")) ?? "";
      const address = `${advertisedHost(opts.bind, opts.advertise)}:${opts.port}`;
      const agent = new ServerAgent(opts, id, address, clusterId, disk, logger, version);
      await listen(agent.grpcServer, `${opts.bind}:${opts.port}`);
      logger.info("server listening", { id, address, dataDir: opts.dataDir });
      if (await disk.hasState()) await agent.startRaft();
      else void agent.form();
      return agent;
    } catch (err) {
      await disk.close();
      throw err;
    }
  }

  private async startRaft(): Promise<void> {
    const timing = raftTiming(this.opts.raftMultiplier);
    this.raft = await RaftLoop.start({
      id: this.id, ...timing, maxAppendBytes: 1 << 20, maxInflightAppends: 64,
      // A snapshot encodes the whole state (gigabytes at a million allocations): as rarely as
      // Nomad's defaults (8192 entries, at most every 120 s), or when the log grows past 256 MiB,
      // and never before the log has grown to 4 times the last snapshot. Every server encodes
      // its own, at the same index, so a snapshot of a large state holds up the whole cluster;
      // the price is a longer replay after a restart. Memory holds at most 256 MiB of the log;
      // older entries stay only on disk (a restart replays them, a follower that needs them gets
      // a snapshot).
      snapshotThreshold: 8192, snapshotIntervalMs: 120_000, snapshotMaxBytes: 256 << 20, snapshotLogRatio: 4,
      memoryLogMaxBytes: 256 << 20, snapshotTrailingEntries: 1024, requestTimeoutMs: 10_000,
    }, {
      disk: this.disk,
      fsm: {
        apply: (index, data) => this.store.apply(index, data),
        skip: (index) => this.store.advanceIndex(index),
        persist: (signal, sink) => this.store.persistTo(sink, { signal }),
        restore: (chunks) => this.store.restoreFrom(chunks),
      },
      send: (messages) => this.transport.send(messages),
      membershipChanged: (membership) => {
        // A joining server has no configuration until its log brings one: keep the peers it was given.
        if (membership.voters.length === 0) return;
        this.membership = membership;
        this.transport.setPeers(membership.voters);
      },
      leadershipChanged: (isLeader) => this.leadershipChanged(isLeader),
      logger: this.logger.child("raft"),
    });
  }

  /**
   * Finds the other servers through retry-join. If one already belongs to a cluster, asks it to
   * add us; otherwise, once `bootstrapExpect` servers know of each other, every one of them
   * writes the same initial configuration and an election follows.
   */
  private async form(): Promise<void> {
    const self: Member = { id: this.id, address: this.address };
    let waitingLogged = false;
    while (!this.stopped) {
      const answers = (await Promise.all(this.opts.retryJoin.filter((a) => a !== this.address).map((a) => this.peers.ask(a, 500))))
        .filter((a): a is pb.StatusSelfResponse => a !== undefined);
      const member = answers.find((a) => a.clusterId !== "" && a.member);
      const founders = member?.raft?.membership?.voters ?? [];
      const founding = member !== undefined && clusterIdFor({ voters: founders }) === member.clusterId;
      if (member && founding && !this.raft && founders.some((v) => v.id === this.id)) {
        // The cluster was founded with us in it while we were still looking: write the same
        // first entry the others wrote, so every founder starts from one identical log. (Once
        // the configuration has changed, a server with an empty log joins instead: a first
        // entry written from the current configuration would differ from the cluster's.)
        await this.found({ voters: founders.map((v) => ({ id: v.id, address: v.address })) }, member.clusterId);
        return;
      }
      if (member?.member) {
        if (await this.join(member.member.address, member.clusterId, founders)) return;
      } else {
        const known = new Map<NodeId, Member>([[self.id, self]]);
        for (const answer of answers) if (answer.member) known.set(answer.member.id, { id: answer.member.id, address: answer.member.address });
        if (known.size >= this.opts.bootstrapExpect) {
          const membership: Membership = { voters: [...known.values()].sort((a, b) => a.id.localeCompare(b.id)) };
          await this.found(membership, clusterIdFor(membership));
          return;
        }
        if (!waitingLogged) {
          this.logger.info("waiting for servers to form a cluster", { expect: this.opts.bootstrapExpect, known: known.size, retryJoin: this.opts.retryJoin.join(",") });
          waitingLogged = true;
        }
      }
      await new Promise((r) => setTimeout(r, FORMATION_POLL_MS));
    }
  }

  /** Writes the founding configuration (the same on every founder) and starts Raft. */
  private async found(membership: Membership, clusterId: string): Promise<void> {
    await this.disk.putMeta("cluster-id", clusterId);
    await RaftLoop.bootstrap(this.disk, membership);
    await this.startRaft();
    // Announced only now, so that a server looking for the cluster sees its configuration too.
    this.clusterId = clusterId;
    this.logger.info("bootstrapped the cluster", { cluster: clusterId, servers: membership.voters.map((v) => v.address).join(",") });
  }

  /**
   * Asks an existing cluster (through any member) to add this server as a voter. Until its log
   * brings the configuration, the server knows the members from the one it asked.
   */
  private async join(memberAddress: string, clusterId: string, members: readonly pb.RaftMember[]): Promise<boolean> {
    // Raft runs before the request: the configuration that adds us needs our acknowledgements
    // to commit (with a server down, no majority exists without us).
    this.transport.setPeers(members.map((m) => ({ id: m.id, address: m.address })));
    this.clusterId = clusterId;
    if (!this.raft) await this.startRaft();
    const method = pb.OperatorService.addPeer;
    const client = this.peers.client(memberAddress);
    const ok = await new Promise<boolean>((resolve) => {
      client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize,
        { peerId: this.id, address: this.address, voter: true }, new grpc.Metadata(), { deadline: Date.now() + 15_000 },
        (err) => {
          if (err) this.logger.warn("could not join the cluster yet", { via: memberAddress, error: err.details });
          resolve(!err);
        });
    });
    if (!ok) return false;
    await this.disk.putMeta("cluster-id", clusterId);
    this.logger.info("joined the cluster", { cluster: clusterId, via: memberAddress });
    return true;
  }


  /** Replicates a state command through the leader's log; for handlers already on the leader. */
  private propose(command: StateCommand): Promise<{ index: number; result: unknown }> {
    if (!this.raft) return Promise.reject(new UserError("this server has not joined a cluster yet"));
    return this.raft.propose(encodeCommand(command));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.leader.revoke();
    this.watches.close();
    this.raft?.stop();
    this.transport.close();
    this.forwarder.close();
    this.peers.close();
    await new Promise<void>((resolve) => this.grpcServer.tryShutdown(() => resolve()));
    await this.disk.close();
  }
}
