// A hand-driven cluster for unit tests: no randomness unless asked for, messages delivered in
// the order they were sent, and every knob (drop, cut links, crash, tick one server) explicit.

import type { Membership, Message, NodeId, ProposeResult, RaftNode, Rng } from "../../../../server/raft/core/index.js";
import { RecordingLogger } from "./logger.js";
import { bytes } from "./machine.js";
import { fixedRng } from "./prng.js";
import { Server, testOptions, type ServerObserver, type ServerOptions } from "./server.js";

export interface ClusterOptions extends Partial<ServerOptions> {
  /** Election-timeout randomness per server; by default every server waits the longest (2·electionTicks − 1). */
  rng?: (id: NodeId) => Rng;
  observer?: ServerObserver;
}

export function membershipOf(ids: readonly NodeId[]): Membership {
  return { voters: ids.map((id) => ({ id, address: `${id}:4647` })) };
}

export class Cluster {
  readonly servers = new Map<NodeId, Server>();
  /** Sent and not yet delivered, in order. */
  queue: Message[] = [];
  /** Every message ever sent (for counting). */
  readonly sent: Message[] = [];
  /** Return true to drop a message on the wire. */
  drop: ((m: Message) => boolean) | undefined;
  readonly logger = new RecordingLogger();
  readonly opts: ServerOptions;
  private readonly cut = new Set<string>();

  constructor(ids: readonly NodeId[], private readonly options: ClusterOptions = {}) {
    const { rng: _rng, observer: _observer, ...rest } = options;
    this.opts = { ...testOptions, ...rest };
    for (const id of ids) this.addServer(id, membershipOf(ids));
  }

  /** Starts a server; a new one joining an existing cluster starts with no membership. */
  addServer(id: NodeId, bootstrap: Membership = { voters: [] }): Server {
    const rng = this.options.rng?.(id) ?? fixedRng(0.999);
    const server = new Server(id, this.opts, bootstrap, rng, this.logger, this.options.observer ?? {});
    this.servers.set(id, server);
    return server;
  }

  get(id: NodeId): Server {
    const server = this.servers.get(id);
    if (!server) throw new Error(`no server ${id}`);
    return server;
  }

  raft(id: NodeId): RaftNode {
    return this.get(id).raft;
  }

  ids(): NodeId[] {
    return [...this.servers.keys()];
  }

  /** Works off every running server's Readies and puts their messages on the wire. */
  flushReadies(): void {
    for (const server of this.servers.values()) {
      if (!server.up) continue;
      for (const m of server.drain()) {
        this.sent.push(m);
        this.queue.push(m);
      }
    }
  }

  /** Takes the queued messages off the wire without delivering them. */
  takeQueue(): Message[] {
    this.flushReadies();
    const out = this.queue;
    this.queue = [];
    return out;
  }

  canTalk(from: NodeId, to: NodeId): boolean {
    return !this.cut.has(`${from}|${to}`);
  }

  deliver(m: Message): void {
    const target = this.servers.get(m.to);
    if (!target?.up || !this.canTalk(m.from, m.to) || this.drop?.(m)) return;
    target.raft.step(m);
  }

  /** Delivers messages and works off Readies until the cluster is quiet. */
  stabilize(maxRounds = 200): void {
    for (let round = 0; round < maxRounds; round++) {
      this.flushReadies();
      if (this.queue.length === 0) return;
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) this.deliver(m);
    }
  }

  /** Ticks the given servers (all running ones by default) n times, without delivering anything. */
  tick(n = 1, ids: readonly NodeId[] = this.ids()): void {
    for (let i = 0; i < n; i++) {
      for (const id of ids) {
        const server = this.get(id);
        if (server.up) server.raft.tick();
      }
    }
  }

  /** Ticks everyone n times, letting the cluster settle after each tick. */
  run(n: number): void {
    for (let i = 0; i < n; i++) {
      this.tick(1);
      this.stabilize();
    }
  }

  /** Cuts both directions between `a` and each of `others`. */
  cutLinks(a: NodeId, others: readonly NodeId[]): void {
    for (const b of others) {
      this.cut.add(`${a}|${b}`);
      this.cut.add(`${b}|${a}`);
    }
  }

  isolate(id: NodeId): void {
    this.cutLinks(id, this.ids().filter((x) => x !== id));
  }

  heal(): void {
    this.cut.clear();
  }

  crash(id: NodeId): void {
    this.get(id).crash();
    this.queue = this.queue.filter((m) => m.from !== id);
  }

  restart(id: NodeId): void {
    this.get(id).restart();
  }

  /** The running leader with the highest term, if any. */
  leader(): Server | undefined {
    let best: Server | undefined;
    for (const server of this.servers.values()) {
      if (!server.up) continue;
      const s = server.raft.status();
      if (s.role === "leader" && (!best || s.term > best.raft.status().term)) best = server;
    }
    return best;
  }

  /** Makes `id` campaign and lets the election run; returns the leader. */
  elect(id: NodeId): Server {
    this.raft(id).campaign();
    this.stabilize();
    const leader = this.leader();
    if (leader?.id !== id) throw new Error(`${id} did not win the election (leader: ${leader?.id ?? "none"})`);
    return leader;
  }

  propose(id: NodeId, value: string): ProposeResult {
    return this.raft(id).propose(bytes(value));
  }

  values(id: NodeId): string[] {
    return this.get(id).machine.values;
  }
}
