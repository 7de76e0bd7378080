// Deterministic simulation of a Raft cluster (in the manner of FoundationDB and TigerBeetle): one
// seed drives every choice — which message is delivered next, which is dropped, delayed,
// duplicated; partitions; crashes that lose unsynced writes; restarts; client proposals and
// reads; leadership transfers; membership changes; snapshots. The safety invariants are checked
// after every step; at the end the network heals and the cluster must make progress.

import { decodeMembership, type Entry, type Membership, type Message, type NodeId, type ReadState, type Ready, type Snapshot } from "../../../../server/raft/core/index.js";
import { membershipOf } from "../support/cluster.js";
import { bytes, entryKey, text } from "../support/machine.js";
import { Prng } from "../support/prng.js";
import { Server, type ServerOptions } from "../support/server.js";

export interface SimOptions {
  seed: number;
  /** Steps of chaos before the quiet phase. */
  steps: number;
  /** Most steps the healed cluster gets to converge. */
  quietSteps?: number;
}

export interface SimStats {
  servers: number;
  preVote: boolean;
  checkQuorum: boolean;
  steps: number;
  ticks: number;
  leaderTerms: number;
  acked: number;
  delivered: number;
  dropped: number;
  crashes: number;
  partitions: number;
  transfers: number;
  membershipChanges: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  reads: number;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  /** The step at which an invariant failed (or the last step). */
  step: number;
  error?: string;
  stats: SimStats;
}

export class InvariantViolation extends Error {
  override readonly name = "InvariantViolation";
}

interface InFlight {
  message: Message;
  at: number;
}

interface NetworkProfile {
  dropRate: number;
  /** Chance that a delivery overtakes earlier messages on its link. */
  reorderRate: number;
  dupRate: number;
  maxDelay: number;
}

export class Simulation {
  private readonly rng: Prng;
  private readonly opts: ServerOptions;
  readonly servers = new Map<NodeId, Server>();
  /** Servers removed by a committed config change: stopped until a committed change adds them back. */
  readonly decommissioned = new Set<NodeId>();
  /** Servers added to the config but not started yet (they start when the addition commits). */
  readonly notStarted = new Set<NodeId>();
  private net: InFlight[] = [];
  private network: NetworkProfile;
  /** Chance per step of a fault (partition, crash, transfer, ...): some seeds are calm, some stormy. */
  private readonly faultRate: number;
  private groups: Map<NodeId, number> | undefined;
  private now = 0;
  step = 0;
  private nextServer: number;
  private nextValue = 0;
  private nextRead = 0;
  private finalValue = "";
  private finalAcked = false;

  // What the checker has seen.
  private readonly leaders = new Map<number, NodeId>();
  private readonly logEntries = new Map<string, { key: string; prevTerm: number | undefined }>();
  private readonly appliedKeys: string[] = [];
  private readonly appliedTerms: number[] = [];
  private readonly digests: number[] = [];
  private maxApplied = 0;
  private readonly lastCommit = new Map<NodeId, number>();
  private readonly leaderChecked = new Set<string>();
  private readonly proposals = new Map<NodeId, Map<number, { term: number; value: string }>>();
  private readonly acked: { index: number; value: string }[] = [];
  private maxAcked = 0;
  private readonly readsPending = new Map<string, number>();
  private lastConfigHandled = 0;

  readonly stats: SimStats;

  constructor(readonly seed: number) {
    this.rng = new Prng(seed);
    const n = this.rng.chance(0.5) ? 3 : 5;
    this.opts = {
      electionTicks: 10,
      heartbeatTicks: this.rng.between(1, 3),
      preVote: this.rng.chance(0.85),
      checkQuorum: this.rng.chance(0.85),
      maxAppendBytes: this.rng.pick([16, 64, 256, 1 << 20]),
      maxInflightAppends: this.rng.between(1, 8),
    };
    this.network = {
      dropRate: this.rng.pick([0, 0.02, 0.05, 0.1]),
      reorderRate: this.rng.pick([0, 0.05, 0.2, 0.5]),
      dupRate: this.rng.pick([0, 0.02, 0.05]),
      maxDelay: this.rng.between(0, 4),
    };
    this.faultRate = this.rng.pick([0.005, 0.015, 0.03, 0.05]);
    const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
    this.nextServer = n + 1;
    for (const id of ids) this.createServer(id, membershipOf(ids));
    this.stats = {
      servers: n, preVote: this.opts.preVote, checkQuorum: this.opts.checkQuorum, steps: 0, ticks: 0, leaderTerms: 0, acked: 0,
      delivered: 0, dropped: 0, crashes: 0, partitions: 0, transfers: 0, membershipChanges: 0, snapshotsTaken: 0,
      snapshotsInstalled: 0, reads: 0,
    };
  }

  private fail(message: string): never {
    throw new InvariantViolation(`seed ${this.seed} step ${this.step}: ${message}`);
  }

  private createServer(id: NodeId, bootstrap: Membership): Server {
    const server = new Server(id, this.opts, bootstrap, this.rng.fork(), undefined, {
      persisted: (s, rd) => this.onPersisted(s, rd),
      applied: (s, e) => this.onApplied(s, e),
      restored: (s, snap) => this.onRestored(s, snap),
      read: (s, rs) => this.onRead(s, rs),
    });
    this.servers.set(id, server);
    this.proposals.set(id, new Map());
    return server;
  }

  private running(): Server[] {
    return [...this.servers.values()].filter((s) => s.up);
  }

  // ------------------------------------------------------------ the run

  run(steps: number, quietSteps: number): void {
    for (this.step = 1; this.step <= steps; this.step++) {
      this.chaosStep();
      this.checkAfterStep();
    }
    this.stats.steps = steps;
    this.converge(quietSteps);
    this.stats.steps = this.step;
  }

  private chaosStep(): void {
    const r = this.rng.next();
    const f = this.faultRate;
    if (r < 0.03) this.tick();
    else if (r < 0.03 + f) this.fault();
    else if (r < 0.09 + f) this.clientPropose();
    else if (r < 0.095 + f) this.clientRead();
    else this.work();
  }

  /** Delivers a message or works off a Ready, in proportion to how much of each is waiting. */
  private work(): void {
    const deliverable = this.countDeliverable();
    const readies = this.running().filter((s) => s.raft.hasReady()).length * 2;
    if (deliverable + readies === 0) {
      this.tick();
      return;
    }
    if (this.rng.int(deliverable + readies) < deliverable) this.deliverOne();
    else this.readyOne();
  }

  private countDeliverable(): number {
    let n = 0;
    for (const f of this.net) if (f.at <= this.now) n++;
    return n;
  }

  private fault(): void {
    const r = this.rng.next();
    if (r < 0.12) this.partitionRandomly();
    else if (r < 0.2) this.isolateLeader();
    else if (r < 0.35) this.heal();
    else if (r < 0.5) this.crashOne();
    else if (r < 0.72) this.restartOne();
    else if (r < 0.8) this.transfer();
    else if (r < 0.86) this.changeMembership();
    else this.compactOne();
  }

  /** Heals everything, restarts what crashed, and waits for a leader to commit a fresh entry everywhere. */
  private converge(quietSteps: number): void {
    this.heal();
    this.network = { ...this.network, dropRate: 0, dupRate: 0 };
    for (const server of this.servers.values()) {
      if (!server.up && !this.decommissioned.has(server.id) && !this.notStarted.has(server.id)) this.restart(server);
    }
    const end = this.step + quietSteps;
    for (; this.step < end; this.step++) {
      if (this.rng.chance(0.03)) this.tick();
      else this.work();
      this.checkAfterStep();
      if (this.step % 10 !== 0) continue;
      const leader = this.currentLeader();
      if (!leader) continue;
      if (this.finalAcked) {
        if (this.allCaughtUp(leader)) {
          this.checkAckedEverywhere(leader);
          return;
        }
      } else if (!this.finalPending(leader)) {
        // A fresh entry from the current leader proves it can commit (and commits all before it).
        this.finalValue = `final-${this.nextValue++}`;
        const result = leader.raft.propose(bytes(this.finalValue));
        if (result.ok) this.proposals.get(leader.id)?.set(result.index, { term: result.term, value: this.finalValue });
      }
    }
    const leader = this.currentLeader();
    const detail = [...this.servers.values()].map((s) => {
      const st = s.up ? s.raft.status() : undefined;
      return `${s.id}: ${st ? `${st.role} term ${st.term} commit ${st.commit} applied ${s.machine.index}` : "down"}`;
    }).join("; ");
    this.fail(`liveness: no progress after healing (leader ${leader?.id ?? "none"}, acknowledged up to ${this.maxAcked}, final acknowledged ${this.finalAcked}; ${detail})`);
  }

  /** Every acknowledged write is in every voter's state machine. */
  private checkAckedEverywhere(leader: Server): void {
    for (const m of leader.raft.status().membership.voters) {
      const server = this.servers.get(m.id);
      if (!server) continue;
      const values = new Set(server.machine.values);
      for (const a of this.acked) if (!values.has(a.value)) this.fail(`acknowledged write ${a.value} (index ${a.index}) is missing on ${m.id}`);
    }
  }

  private finalPending(leader: Server): boolean {
    for (const p of this.proposals.get(leader.id)?.values() ?? []) if (p.value === this.finalValue) return true;
    return false;
  }

  private currentLeader(): Server | undefined {
    let best: Server | undefined;
    let bestTerm = -1;
    for (const s of this.running()) {
      const st = s.raft.status();
      if (st.role === "leader" && st.term > bestTerm) {
        best = s;
        bestTerm = st.term;
      }
    }
    return best;
  }

  private allCaughtUp(leader: Server): boolean {
    for (const m of leader.raft.status().membership.voters) {
      const s = this.servers.get(m.id);
      if (!s?.up || s.machine.index < this.maxAcked) return false;
    }
    return true;
  }

  // ------------------------------------------------------------ time and network

  private tick(): boolean {
    this.now++;
    this.stats.ticks++;
    for (const s of this.running()) {
      // A little clock skew: now and then a server misses a tick.
      if (!this.rng.chance(0.05)) s.raft.tick();
    }
    return true;
  }

  private readyOne(): boolean {
    const candidates = this.running().filter((s) => s.raft.hasReady());
    if (candidates.length === 0) return false;
    const server = this.rng.pick(candidates);
    // What the node loop does while an earlier Ready is still being written: a leader's appends
    // go out on their own, ahead of the rest of the Ready.
    if (this.rng.chance(0.2) && server.raft.status().role === "leader") {
      this.send(server.raft.takeAppends());
      return true;
    }
    this.send(server.processReady());
    this.checkNewLeader(server);
    return true;
  }

  private send(messages: Message[]): void {
    for (const message of messages) {
      if (this.rng.chance(this.network.dropRate)) {
        this.stats.dropped++;
        continue;
      }
      this.net.push({ message, at: this.now + this.rng.int(this.network.maxDelay + 1) });
      if (this.rng.chance(this.network.dupRate)) this.net.push({ message, at: this.now + this.rng.int(this.network.maxDelay + 2) });
    }
  }

  private deliverOne(): boolean {
    const ready: number[] = [];
    for (let i = 0; i < this.net.length; i++) if ((this.net[i] as InFlight).at <= this.now) ready.push(i);
    if (ready.length === 0) return false;
    let at = this.rng.pick(ready);
    // Links are streams: mostly first in, first out; now and then a message overtakes another.
    if (!this.rng.chance(this.network.reorderRate)) {
      const { from, to } = (this.net[at] as InFlight).message;
      at = this.net.findIndex((f) => f.message.from === from && f.message.to === to);
    }
    const { message } = this.net[at] as InFlight;
    this.net.splice(at, 1);
    const target = this.servers.get(message.to);
    if (!target?.up || !this.connected(message.from, message.to)) {
      this.stats.dropped++;
      return true;
    }
    this.stats.delivered++;
    target.raft.step(message);
    return true;
  }

  private connected(a: NodeId, b: NodeId): boolean {
    if (!this.groups) return true;
    return this.groups.get(a) === this.groups.get(b);
  }

  private partitionRandomly(): void {
    this.groups = new Map();
    for (const id of this.servers.keys()) this.groups.set(id, this.rng.int(2));
    this.stats.partitions++;
  }

  private isolateLeader(): void {
    const leader = this.currentLeader();
    if (!leader) return;
    this.groups = new Map();
    for (const id of this.servers.keys()) this.groups.set(id, id === leader.id ? 1 : 0);
    this.stats.partitions++;
  }

  private heal(): void {
    this.groups = undefined;
  }

  // ------------------------------------------------------------ crashes

  private crashOne(): void {
    const candidates = this.running();
    if (candidates.length === 0) return;
    this.crash(this.rng.pick(candidates));
    this.stats.crashes++;
  }

  private crash(server: Server): void {
    server.crash();
    this.proposals.get(server.id)?.clear();
    this.lastCommit.delete(server.id);
    this.net = this.net.filter((f) => f.message.to !== server.id);
  }

  private restartOne(): void {
    const candidates = [...this.servers.values()].filter((s) => !s.up && !this.decommissioned.has(s.id) && !this.notStarted.has(s.id));
    if (candidates.length === 0) return;
    this.restart(this.rng.pick(candidates));
  }

  private restart(server: Server): void {
    server.restart();
    this.lastCommit.set(server.id, server.raft.status().commit);
  }

  // ------------------------------------------------------------ clients and operators

  private clientPropose(): void {
    const leader = this.currentLeader();
    const running = this.running();
    if (running.length === 0) return;
    const server = leader && this.rng.chance(0.85) ? leader : this.rng.pick(running);
    const value = `v${this.nextValue++}`;
    const result = server.raft.propose(bytes(value));
    if (result.ok) this.proposals.get(server.id)?.set(result.index, { term: result.term, value });
  }

  private clientRead(): void {
    const leader = this.currentLeader();
    if (!leader) return;
    const id = `r${this.nextRead++}`;
    // Every write acknowledged before the read starts must be visible to it.
    if (leader.raft.readIndex(id)) this.readsPending.set(id, this.maxAcked);
  }

  private transfer(): void {
    const leader = this.currentLeader();
    if (!leader) return;
    const others = leader.raft.status().membership.voters.map((m) => m.id).filter((id) => id !== leader.id);
    if (others.length === 0) return;
    leader.raft.transferLeadership(this.rng.pick(others));
    this.stats.transfers++;
  }

  private changeMembership(): void {
    const leader = this.currentLeader();
    if (!leader) return;
    const voters = leader.raft.status().membership.voters.map((m) => m.id);
    const maxVoters = this.stats.servers === 3 ? 4 : 5;
    if (voters.length >= 3 && (voters.length >= maxVoters || this.rng.chance(0.5))) {
      const id = this.rng.pick(voters);
      if (leader.raft.proposeMembership({ type: "remove", id }).ok) this.stats.membershipChanges++;
      return;
    }
    if (voters.length >= maxVoters) return;
    const comeback = [...this.decommissioned].filter((id) => !voters.includes(id));
    let id: NodeId;
    if (comeback.length > 0 && this.rng.chance(0.6)) {
      id = this.rng.pick(comeback);
    } else {
      id = `n${this.nextServer++}`;
      const server = this.createServer(id, { voters: [] });
      server.up = false;
      this.notStarted.add(id);
    }
    if (leader.raft.proposeMembership({ type: "add", member: { id, address: `${id}:4647` } }).ok) this.stats.membershipChanges++;
  }

  private compactOne(): void {
    const running = this.running();
    if (running.length === 0) return;
    const server = this.rng.pick(running);
    const since = server.machine.index - (server.disk.snapshot()?.meta.index ?? 0);
    if (since < 3) return;
    if (server.snapshot(this.rng.int(4))) this.stats.snapshotsTaken++;
  }

  // ------------------------------------------------------------ invariants

  /** Log matching (§5.3): an (index, term) pair names one entry, and one predecessor term. */
  private onPersisted(server: Server, rd: Ready): void {
    let prevTerm = rd.entries[0] ? server.disk.term(rd.entries[0].index - 1) : undefined;
    for (const entry of rd.entries) {
      const id = `${entry.index}/${entry.term}`;
      const key = entryKey(entry);
      const seen = this.logEntries.get(id);
      if (!seen) {
        this.logEntries.set(id, { key, prevTerm });
      } else {
        if (seen.key !== key) this.fail(`log matching: ${server.id} has entry ${id} = ${key}, another server has ${seen.key}`);
        if (prevTerm !== undefined && seen.prevTerm !== undefined && seen.prevTerm !== prevTerm) {
          this.fail(`log matching: before entry ${id}, ${server.id} has term ${prevTerm}, another server has ${seen.prevTerm}`);
        }
      }
      prevTerm = entry.term;
    }
  }

  /** State machine safety: every server applies the same entry at each index, in order. */
  private onApplied(server: Server, entry: Entry): void {
    const key = entryKey(entry);
    const known = this.appliedKeys[entry.index];
    if (known === undefined) {
      this.appliedKeys[entry.index] = key;
      this.appliedTerms[entry.index] = entry.term;
      this.digests[entry.index] = server.machine.digest;
      if (entry.index > this.maxApplied) this.maxApplied = entry.index;
    } else if (known !== key) {
      this.fail(`state machine safety: ${server.id} applied ${key} at ${entry.index}, another server applied ${known}`);
    } else if (this.digests[entry.index] !== server.machine.digest) {
      this.fail(`state machine safety: ${server.id}'s applied history up to ${entry.index} differs from another server's`);
    }
    const proposal = this.proposals.get(server.id)?.get(entry.index);
    if (proposal) {
      this.proposals.get(server.id)?.delete(entry.index);
      if (proposal.term === entry.term) {
        if (entry.type !== "normal" || text(entry.data) !== proposal.value) {
          this.fail(`${server.id} acknowledged ${proposal.value} at ${entry.index} but applied ${key}`);
        }
        this.acked.push({ index: entry.index, value: proposal.value });
        if (proposal.value === this.finalValue) this.finalAcked = true;
        this.stats.acked++;
        if (entry.index > this.maxAcked) this.maxAcked = entry.index;
      }
    }
    if (entry.type === "config" && entry.index > this.lastConfigHandled) {
      this.lastConfigHandled = entry.index;
      this.onConfigCommitted(decodeMembership(entry.data));
    }
  }

  /** The operator's side of a committed membership change: stop removed servers, start added ones. */
  private onConfigCommitted(membership: Membership): void {
    const voters = new Set(membership.voters.map((m) => m.id));
    for (const server of this.servers.values()) {
      const member = voters.has(server.id);
      if (!member && !this.decommissioned.has(server.id) && !this.notStarted.has(server.id)) {
        this.decommissioned.add(server.id);
        if (server.up) this.crash(server);
      } else if (member && (this.decommissioned.has(server.id) || this.notStarted.has(server.id))) {
        this.decommissioned.delete(server.id);
        this.notStarted.delete(server.id);
        if (!server.up) this.restart(server);
      }
    }
  }

  private onRestored(server: Server, snapshot: Snapshot): void {
    this.stats.snapshotsInstalled++;
    const index = snapshot.meta.index;
    const digest = this.digests[index];
    if (digest === undefined) this.fail(`${server.id} installed a snapshot at ${index}, which no server has applied`);
    if (digest !== server.machine.digest) this.fail(`state machine safety: the snapshot ${server.id} installed at ${index} differs from the applied history`);
  }

  private onRead(server: Server, state: ReadState): void {
    const required = this.readsPending.get(state.requestId);
    if (required === undefined) this.fail(`${server.id} answered read ${state.requestId}, which nobody asked it`);
    this.readsPending.delete(state.requestId);
    this.stats.reads++;
    if (state.index < required) {
      this.fail(`linearizability: read ${state.requestId} on ${server.id} got index ${state.index}, but ${required} was acknowledged before it started`);
    }
  }

  /** Leader completeness (§5.4): a new leader's log holds every entry applied anywhere. */
  private checkNewLeader(server: Server): void {
    if (!server.up) return;
    const st = server.raft.status();
    if (st.role !== "leader") return;
    const key = `${server.id}@${st.term}`;
    if (this.leaderChecked.has(key)) return;
    this.leaderChecked.add(key);
    // After a Ready is worked off, the disk holds the leader's whole log.
    for (let i = Math.max(1, server.disk.firstIndex()); i <= this.maxApplied; i++) {
      const term = this.appliedTerms[i];
      if (term === undefined) continue;
      if (server.disk.term(i) !== term) {
        this.fail(`leader completeness: ${server.id} leads term ${st.term} without applied entry ${i} (term ${term}); it has term ${server.disk.term(i)}`);
      }
    }
  }

  private checkAfterStep(): void {
    for (const server of this.servers.values()) {
      if (!server.up) continue;
      const st = server.raft.status();
      if (st.role === "leader") {
        // Election safety (§5.2): at most one leader per term, ever.
        const known = this.leaders.get(st.term);
        if (known === undefined) {
          this.leaders.set(st.term, server.id);
          this.stats.leaderTerms++;
        } else if (known !== server.id) {
          this.fail(`election safety: ${server.id} and ${known} both led term ${st.term}`);
        }
      }
      const last = this.lastCommit.get(server.id) ?? 0;
      if (st.commit < last) this.fail(`${server.id}'s commit index went back from ${last} to ${st.commit} without a crash`);
      this.lastCommit.set(server.id, st.commit);
    }
  }
}

/** Runs one seed; never throws for an invariant violation (it is in the result). */
export function runSeed(options: SimOptions): SimResult {
  const sim = new Simulation(options.seed);
  try {
    sim.run(options.steps, options.quietSteps ?? 4000);
    return { seed: options.seed, ok: true, step: sim.stats.steps, stats: sim.stats };
  } catch (err) {
    const error = err instanceof Error ? `${err.name}: ${err.message}${err instanceof InvariantViolation ? "" : `\n${err.stack ?? ""}`}` : String(err);
    return { seed: options.seed, ok: false, step: sim.step, error, stats: sim.stats };
  }
}
