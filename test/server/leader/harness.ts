// A leader's world without processes or gRPC: real in-memory state stores fed by a tiny
// replicated log (every store applies the same commands at the same indexes), clients that only
// heartbeat and report allocation health, and checks of what must hold in any committed state.

import { randomUUID } from "node:crypto";
import type { Allocation, Evaluation, Job, Node, Task, TaskGroup } from "../../../shared/model/index.js";
import { silentLogger } from "../../../shared/log.js";
import { computeNodeClass } from "../../../server/scheduler/index.js";
import { StateStore, type ApplyResult, type StateCommand, type StateSnapshot } from "../../../server/state/index.js";
import type { LeaderDuties, LeaderOptions } from "../../../server/leader/leader.js";
import { evaluation, group, job, node, task } from "../../support/model.js";

export { evaluation, group, job, node, task };
export const logger = silentLogger;

export type Propose = (command: StateCommand) => Promise<{ index: number; result: unknown }>;

/** The leader options the brief asks for: short timers so a test runs in milliseconds. */
export const LEADER_OPTIONS: LeaderOptions = {
  heartbeat: { minTtlMs: 50, graceMs: 50, maxHeartbeatsPerSecond: 50 },
  numSchedulers: 2,
  algorithm: "binpack",
  drainIntervalMs: 20,
  deploymentIntervalMs: 20,
};

export class NotLeaderError extends Error {}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Raft as far as the leader loops can tell: a proposal commits after `latencyMs` at the next
 * index on every store, unless leadership moved on meanwhile (an entry of an old term that had
 * not committed is lost, as Raft overwrites it).
 */
export class ReplicatedLog {
  readonly stores: StateStore[];
  index = 0;
  term = 1;
  latencyMs = 0;
  /** Commands committed, in order. */
  readonly committed: StateCommand[] = [];
  /** Proposals that never committed because leadership moved on while they were in flight. */
  readonly lostEntries: StateCommand[] = [];
  /** Runs when the leader proposes a command, before it is on its way. */
  onPropose: ((command: StateCommand) => void) | undefined;
  /** Runs right before a proposed command commits; may apply other commands first. */
  beforeCommit: ((command: StateCommand) => void) | undefined;

  constructor(count = 1) {
    this.stores = Array.from({ length: count }, () => new StateStore({ blockingQueryJitterFraction: 0 }));
  }

  get store(): StateStore {
    return this.stores[0] as StateStore;
  }

  /** Commits a command now, on every store (what an operator or a client write amounts to). */
  apply(command: StateCommand): ApplyResult {
    this.index += 1;
    this.committed.push(command);
    let first: ApplyResult | undefined;
    for (const store of this.stores) {
      const result = store.apply(this.index, command);
      first ??= result;
    }
    return first as ApplyResult;
  }

  /** Like `apply`, for setup: a refused command is a broken test. */
  must(command: StateCommand): number {
    const result = this.apply(command);
    if (!result.ok) throw new Error(`${command.type} was refused: ${result.error}`);
    return result.index;
  }

  /** The server that leads the current term; only it can propose. */
  leader = "s1";

  /**
   * How `server` writes: refused at once unless it leads, and lost (NotLeaderError) when a new
   * term began before the entry committed.
   */
  proposer(server = "s1"): Propose {
    return async (command) => {
      if (this.leader !== server) throw new NotLeaderError(`${server} is not the leader (${this.leader} is)`);
      const term = this.term;
      this.onPropose?.(command);
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      if (this.term !== term) {
        this.lostEntries.push(command);
        throw new NotLeaderError(`leadership moved to term ${this.term}; the entry of term ${term} was lost`);
      }
      this.beforeCommit?.(command);
      const result = this.apply(command);
      return { index: result.index, result };
    };
  }

  /** A new term led by `server`: entries proposed in older terms that have not committed are lost. */
  elect(server: string): void {
    this.term += 1;
    this.leader = server;
  }
}

/** A node whose computed class is what a registering client gets. */
export function clusterNode(id: string, overrides: Partial<Node> = {}, resources: Partial<Node["resources"]> = {}): Node {
  const n = node(id, overrides, resources);
  return { ...n, computedClass: computeNodeClass(n) };
}

/** A group of `count` with one mock task asking for `cpuMhz` and `memoryMb`. */
export function sizedGroup(count: number, cpuMhz: number, memoryMb = 256, overrides: Partial<TaskGroup> = {}, taskOverrides: Partial<Task> = {}): TaskGroup {
  return group("web", count, { tasks: [task("server", taskOverrides, { cpuMhz, memoryMb })], ...overrides });
}

export function serviceJob(id: string, g: TaskGroup, overrides: Partial<Job> = {}): Job {
  return job(id, { taskGroups: [g], ...overrides });
}

/** Registers a job with its registration eval, as the Jobs RPC does; returns the eval id. */
export function registerJob(log: ReplicatedLog, j: Job): string {
  const id = randomUUID();
  log.must({ type: "job.register", job: j, eval: evaluation(id, j.id, { type: j.type, priority: j.priority, namespace: j.namespace, createTimeMs: Date.now(), modifyTimeMs: Date.now() }) });
  return id;
}

export function registerNodes(log: ReplicatedLog, ...nodes: Node[]): void {
  for (const n of nodes) log.must({ type: "node.register", node: n });
}

/** Polls until `check` holds; fails with `what` (and the last state it saw) after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 3_000, describe?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe ? `: ${describe()}` : ""}`);
    await sleep(5);
  }
}

export function isLive(a: Allocation): boolean {
  return a.desiredStatus === "run" && !["complete", "failed", "lost"].includes(a.clientStatus);
}

export function liveAllocs(snap: StateSnapshot, jobId: string, namespace = "default"): Allocation[] {
  return snap.allocsByJob(namespace, jobId).filter(isLive);
}

export function evalsOf(snap: StateSnapshot, jobId: string, namespace = "default"): Evaluation[] {
  return snap.evalsByJob(namespace, jobId);
}

/** A one-line picture of a job's evals and allocations, for failure messages. */
export function describeJob(snap: StateSnapshot, jobId: string): string {
  const evals = evalsOf(snap, jobId).map((e) => `${e.id.slice(0, 6)}:${e.triggeredBy}:${e.status}`).join(",");
  const allocs = snap.allocsByJob("default", jobId).map((a) => `${a.name}@${a.nodeId}:${a.desiredStatus}/${a.clientStatus}`).join(",");
  return `evals [${evals}] allocs [${allocs}]`;
}

const rangeCache = new Map<string, Set<number>>();

function portRanges(spec: string): Set<number> {
  const cached = rangeCache.get(spec);
  if (cached) return cached;
  const out = new Set<number>();
  rangeCache.set(spec, out);
  for (const part of spec.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let p = lo; p <= hi; p++) out.add(p);
  }
  return out;
}

/**
 * Everything wrong with the live allocations of one node, checked independently of the
 * scheduler's own fit code: cpu, memory and disk within capacity minus reserved, no host port
 * taken twice on one address or reserved, no core or device instance given out twice, every
 * device instance present and healthy on the node.
 */
export function nodeViolations(n: Node, allocs: readonly Allocation[]): string[] {
  const out: string[] = [];
  const live = allocs.filter(isLive);
  let cpu = 0;
  let mem = 0;
  let disk = 0;
  const ports = new Map<string, string>();
  const cores = new Map<number, string>();
  const devices = new Map<string, string>();
  const reservedPorts = portRanges(n.reserved.reservedHostPorts);
  const healthy = new Set(n.resources.devices.flatMap((d) => d.instances.filter((i) => i.healthy).map((i) => i.id)));
  for (const a of live) {
    disk += a.allocatedResources.diskMb;
    for (const p of a.allocatedResources.ports) {
      const key = `${p.hostIp}:${p.value}`;
      const holder = ports.get(key);
      if (holder !== undefined) out.push(`port ${key} given to ${holder} and ${a.name}`);
      if (reservedPorts.has(p.value)) out.push(`reserved port ${p.value} given to ${a.name}`);
      ports.set(key, a.name);
    }
    for (const [taskName, tr] of Object.entries(a.allocatedResources.tasks)) {
      cpu += tr.cpuMhz;
      mem += tr.memoryMb;
      for (const c of tr.reservedCores) {
        const holder = cores.get(c);
        if (holder !== undefined) out.push(`core ${c} given to ${holder} and ${a.name}/${taskName}`);
        if (c >= n.resources.cores) out.push(`core ${c} does not exist (node has ${n.resources.cores})`);
        cores.set(c, `${a.name}/${taskName}`);
      }
      for (const d of tr.devices) {
        for (const id of d.deviceIds) {
          const holder = devices.get(id);
          if (holder !== undefined) out.push(`device ${id} given to ${holder} and ${a.name}/${taskName}`);
          if (!healthy.has(id)) out.push(`device ${id} given to ${a.name}/${taskName} is not a healthy instance of the node`);
          devices.set(id, `${a.name}/${taskName}`);
        }
      }
    }
  }
  const cpuCap = n.resources.cpuMhz - n.reserved.cpuMhz;
  const memCap = n.resources.memoryMb - n.reserved.memoryMb;
  const diskCap = n.resources.diskMb - n.reserved.diskMb;
  if (cpu > cpuCap) out.push(`cpu ${cpu} > ${cpuCap} MHz`);
  if (mem > memCap) out.push(`memory ${mem} > ${memCap} MB`);
  if (disk > diskCap) out.push(`disk ${disk} > ${diskCap} MB`);
  return out.map((v) => `${n.id}: ${v}`);
}

/** `nodeViolations` over every node of a snapshot. */
export function clusterViolations(snap: StateSnapshot): string[] {
  return snap.nodes().flatMap((n) => nodeViolations(n, snap.allocsByNode(n.id)));
}

/** Live allocations of a job whose name is taken more than once (a duplicated placement). */
export function duplicateNames(snap: StateSnapshot, jobId: string): string[] {
  const seen = new Map<string, number>();
  for (const a of liveAllocs(snap, jobId)) seen.set(a.name, (seen.get(a.name) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([name, n]) => `${name} x${n}`);
}

/**
 * Client agents reduced to what the leader sees of them: heartbeats to whichever leader is
 * active, and allocation status reports.
 */
export class Clients {
  readonly alive = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly log: ReplicatedLog, private readonly leaders: () => readonly LeaderDuties[], private readonly everyMs = 10) {}

  start(...nodeIds: string[]): this {
    for (const id of nodeIds) this.alive.add(id);
    this.beat();
    this.timer ??= setInterval(() => this.beat(), this.everyMs);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The node's client stops heartbeating (crashed, partitioned away). */
  kill(nodeId: string): void {
    this.alive.delete(nodeId);
  }

  private beat(): void {
    for (const leader of this.leaders()) {
      if (!leader.isActive) continue;
      for (const id of this.alive) leader.heartbeats.reset(id, leader.heartbeats.ttlMs());
    }
  }

  /** Reports allocations running, and healthy for deployments and migrations. */
  runAndMarkHealthy(allocs: readonly Allocation[]): void {
    if (allocs.length === 0) return;
    const now = Date.now();
    this.log.must({
      type: "alloc.clientUpdate",
      updates: allocs.map((a) => ({
        allocId: a.id, clientStatus: "running" as const, clientDescription: "", taskStates: {}, modifyTimeMs: now,
        deploymentStatus: { healthy: true, timestampMs: now, canary: false, modifyIndex: 0 },
      })),
    });
  }
}
