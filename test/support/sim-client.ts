// A simulated client fleet: thousands of client nodes in one process that register, heartbeat,
// watch their allocations and report them running, as client agents with the mock driver would,
// without running anything. The stand-in for real clients in integration tests and benchmarks
// (Nomad's C1M used simulated clients the same way).
//
// Built to scale to thousands of nodes: one gRPC channel per server address shared by every
// node, one timer for the whole fleet (status reports, heartbeats and reconnects are all driven
// from its tick), and allocations decoded straight from the wire without their job copy.

import { randomUUID } from "node:crypto";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import * as grpc from "@grpc/grpc-js";
import * as pb from "../../proto/index.js";
import { packageVersion } from "../../cli/commands/version.js";
import { ReportStream } from "../../client/report-stream.js";
import { SERVER_CHANNEL_OPTIONS } from "../../shared/api/channel.js";
import { isServiceError } from "../../shared/api/retry.js";
import type {
  AllocClientStatus, AllocClientUpdate, AllocDesiredStatus, DriverInfo, Node, NodeDeviceResource, NodeReservedResources,
  TaskState,
} from "../../shared/model/index.js";
import {
  allocClientStatusCodec, allocClientUpdateToWire, allocDesiredStatusCodec, nodeToWire,
} from "../../shared/wire/index.js";

// ---------------------------------------------------------------------------------------------
// Nodes

export interface SimNodeSpec {
  name: string;
  /** Default "dc1". */
  datacenter?: string;
  /** Default "". */
  nodeClass?: string;
  /** Default "default". */
  nodePool?: string;
  /** Default 4. */
  cores?: number;
  /** Clock of one core; the node offers `cores × mhzPerCore` (Nomad's cpu.totalcompute). Default 2500. */
  mhzPerCore?: number;
  /** Default 8192. */
  memoryMb?: number;
  /** Default 100,000. */
  diskMb?: number;
  /** Default "amd64". */
  arch?: "amd64" | "arm64";
  /** The node's address; default the next free one of 10.0.0.1, 10.0.0.2, … in this process. */
  ip?: string;
  /** Drivers fingerprinted as detected and healthy. Default mock, exec and docker. */
  drivers?: string[];
  /** Devices such as GPUs; see `nvidiaGpus`. */
  devices?: NodeDeviceResource[];
  reserved?: Partial<NodeReservedResources>;
  /** Laid over the fingerprinted attributes (e.g. to stand in for another kernel or OS). */
  attributes?: Record<string, string>;
  meta?: Record<string, string>;
}

export const DEFAULT_SIM_DRIVERS: readonly string[] = ["mock", "exec", "docker"];

let nextIp = 1;
let version: string | undefined;

/** 10.0.0.1, 10.0.0.2, … 10.0.1.0, …: unique within the process. */
function allocateIp(): string {
  const n = nextIp++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** `count` NVIDIA GPUs of one model, as Nomad's nvidia device plugin fingerprints them. */
export function nvidiaGpus(count: number, model = "Tesla T4", memoryMb = 16_384): NodeDeviceResource {
  return {
    vendor: "nvidia",
    type: "gpu",
    name: model,
    instances: Array.from({ length: count }, () => ({ id: `GPU-${randomUUID()}`, healthy: true })),
    attributes: { memory: `${memoryMb} MiB`, cores_clock: "1590 MHz", power: "70 W", driver_version: "535.104.05" },
  };
}

/**
 * A client node as a real client would register it: Nomad's fingerprinted attributes
 * (`cpu.arch`, `cpu.numcores`, `cpu.totalcompute`, `memory.totalbytes`, `kernel.name`, `os.name`,
 * `unique.hostname`, `unique.network.ip-address`, `driver.<name>`, `nomad.version`, …), a fresh
 * id and secret, status ready. Per-node values live under `unique.`, so nodes built from the
 * same spec share a computed class.
 */
export function simNode(spec: SimNodeSpec): Node {
  const cores = spec.cores ?? 4;
  const mhzPerCore = spec.mhzPerCore ?? 2500;
  const memoryMb = spec.memoryMb ?? 8192;
  const diskMb = spec.diskMb ?? 100_000;
  const arch = spec.arch ?? "amd64";
  const ip = spec.ip ?? allocateIp();
  const driverNames = spec.drivers ?? DEFAULT_SIM_DRIVERS;
  const drivers: Record<string, DriverInfo> = {};
  const driverAttributes: Record<string, string> = {};
  for (const name of driverNames) {
    drivers[name] = { detected: true, healthy: true, healthDescription: "Healthy", attributes: {} };
    driverAttributes[`driver.${name}`] = "1";
  }
  return {
    id: randomUUID(),
    secretId: randomUUID(),
    name: spec.name,
    datacenter: spec.datacenter ?? "dc1",
    nodePool: spec.nodePool ?? "default",
    nodeClass: spec.nodeClass ?? "",
    httpAddr: `${ip}:4646`,
    attributes: {
      "cpu.arch": arch,
      "cpu.numcores": String(cores),
      "cpu.frequency": String(mhzPerCore),
      "cpu.totalcompute": String(cores * mhzPerCore),
      "cpu.modelname": arch === "arm64" ? "Neoverse-N1" : "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz",
      "memory.totalbytes": String(memoryMb * 1024 * 1024),
      "kernel.name": "linux",
      "kernel.arch": arch === "arm64" ? "aarch64" : "x86_64",
      "kernel.version": "6.1.0-18",
      "os.name": "debian",
      "os.version": "12",
      "unique.hostname": spec.name,
      "unique.network.ip-address": ip,
      "unique.storage.bytestotal": String(diskMb * 1024 * 1024),
      "nomad.version": (version ??= packageVersion()),
      ...driverAttributes,
      ...spec.attributes,
    },
    meta: { ...spec.meta },
    resources: {
      cpuMhz: cores * mhzPerCore,
      cores,
      memoryMb,
      diskMb,
      networks: [{ mode: "host", device: "eth0", ip, mbits: 1000 }],
      devices: spec.devices ?? [],
    },
    reserved: { cpuMhz: 0, memoryMb: 0, diskMb: 0, reservedHostPorts: "", ...spec.reserved },
    drivers,
    status: "ready",
    statusDescription: "",
    schedulingEligibility: "eligible",
    // Stamped by the servers on registration.
    computedClass: "",
    statusUpdatedAtMs: Date.now(),
    createIndex: 0,
    modifyIndex: 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Watch frames, decoded lean

/** What the fleet reads of an allocation. */
export interface SimAlloc {
  id: string;
  jobId: string;
  name: string;
  taskGroup: string;
  /** The group's task names, from the allocated resources. */
  tasks: string[];
  desiredStatus: AllocDesiredStatus;
  /** The servers' view. */
  clientStatus: AllocClientStatus;
  allocModifyIndex: number;
}

export interface WatchFrame {
  index: number;
  /**
   * Entries of `alloc_modify_indexes`: in a complete frame, how many allocations the node has in
   * all; in a delta, how many changed.
   */
  allocCount: number;
  allocations: SimAlloc[];
  /** Only the changes since the stream's previous frame (the first frame of a stream is complete). */
  delta: boolean;
  /** Delta frames: allocations the node no longer has (garbage-collected on the servers). */
  removedIds: string[];
  /** The encoded frame, to read the allocation ids from when some were garbage-collected. */
  bytes: Uint8Array;
}

/** The task names of an AllocatedResources message: the keys of its `tasks` map (field 1). */
function readTaskNames(r: BinaryReader, length: number): string[] {
  const end = r.pos + length;
  const names: string[] = [];
  while (r.pos < end) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) names.push(readMapKey(r, r.uint32()));
    else r.skip(wireType, field);
  }
  return names;
}

/** The string key (field 1) of a map entry. */
function readMapKey(r: BinaryReader, length: number): string {
  const end = r.pos + length;
  let key = "";
  while (r.pos < end) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) key = r.string();
    else r.skip(wireType, field);
  }
  return key;
}

function readAlloc(r: BinaryReader, length: number): SimAlloc {
  const end = r.pos + length;
  const alloc: SimAlloc = {
    id: "", jobId: "", name: "", taskGroup: "", tasks: [], desiredStatus: "run", clientStatus: "pending", allocModifyIndex: 0,
  };
  let desired: number = pb.AllocDesiredStatus.UNSPECIFIED;
  let client: number = pb.AllocClientStatus.UNSPECIFIED;
  while (r.pos < end) {
    const [field, wireType] = r.tag();
    // Field numbers of nomadish.v1.Allocation; everything else, the job copy above all, is skipped.
    switch (field) {
      case 1: alloc.id = r.string(); break;
      case 4: alloc.name = r.string(); break;
      case 7: alloc.jobId = r.string(); break;
      case 9: alloc.taskGroup = r.string(); break;
      case 10: alloc.tasks = readTaskNames(r, r.uint32()); break;
      case 12: desired = r.int32(); break;
      case 14: client = r.int32(); break;
      case 25: alloc.allocModifyIndex = Number(r.uint64()); break;
      default: r.skip(wireType, field);
    }
  }
  alloc.desiredStatus = allocDesiredStatusCodec.fromWire(desired);
  alloc.clientStatus = client === pb.AllocClientStatus.UNSPECIFIED ? "pending" : allocClientStatusCodec.fromWire(client);
  return alloc;
}

/**
 * Decodes a ClientNodeWatchAllocationsResponse reading only what a simulated client needs:
 * every allocation carries a copy of its job, and decoding a million of those in full would
 * make the fleet, not the servers, the bottleneck of a benchmark.
 */
export function decodeWatchFrame(bytes: Uint8Array): WatchFrame {
  const r = new BinaryReader(bytes);
  const frame: WatchFrame = { index: 0, allocCount: 0, allocations: [], delta: false, removedIds: [], bytes };
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === WireType.Varint) frame.index = Number(r.uint64());
    else if (field === 2 && wireType === WireType.LengthDelimited) {
      r.skip(wireType);
      frame.allocCount++;
    } else if (field === 3 && wireType === WireType.LengthDelimited) frame.allocations.push(readAlloc(r, r.uint32()));
    else if (field === 4 && wireType === WireType.Varint) frame.delta = r.bool();
    else if (field === 5 && wireType === WireType.LengthDelimited) frame.removedIds.push(r.string());
    else r.skip(wireType, field);
  }
  return frame;
}

/** The ids in a frame's `alloc_modify_indexes`: in a complete frame, every allocation the node still has. */
export function watchFrameAllocIds(bytes: Uint8Array): Set<string> {
  const r = new BinaryReader(bytes);
  const ids = new Set<string>();
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 2 && wireType === WireType.LengthDelimited) ids.add(readMapKey(r, r.uint32()));
    else r.skip(wireType, field);
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Status reports

/** What a client reports for an allocation whose tasks are all in the given condition. */
export function simAllocUpdate(allocId: string, tasks: readonly string[], status: AllocClientStatus, nowMs: number): AllocClientUpdate {
  const running = status === "running";
  const failed = status === "failed";
  const event = running
    ? { type: "Started", timeMs: nowMs, message: "Task started by client", details: {}, failsTask: false }
    : failed
      ? { type: "Driver Failure", timeMs: nowMs, message: "simulated failure", details: {}, failsTask: true }
      : { type: "Terminated", timeMs: nowMs, message: "Exit Code: 0", details: {}, exitCode: 0, failsTask: false };
  const taskStates: Record<string, TaskState> = {};
  for (const task of tasks) {
    taskStates[task] = {
      state: running ? "running" : "dead", failed, restarts: 0, lastRestartMs: 0, startedAtMs: nowMs,
      finishedAtMs: running ? 0 : nowMs, events: [event],
    };
  }
  return {
    allocId,
    clientStatus: status,
    clientDescription: running ? "Tasks are running" : failed ? "Failed tasks" : "All tasks have completed",
    taskStates,
    ...(running || failed ? { deploymentStatus: { healthy: running, timestampMs: nowMs, canary: false, modifyIndex: 0 } } : {}),
    modifyTimeMs: nowMs,
  };
}

// ---------------------------------------------------------------------------------------------
// The fleet

export interface SimFleetOptions {
  /** Report each allocation "complete" this long after reporting it running (batch-like work). */
  runForMs?: number;
  /** Report allocations "failed" instead of running: all of them, or those the predicate picks. */
  failAllocs?: boolean | ((alloc: SimAlloc) => boolean);
  /** How long status reports collect before a node sends them, and the fleet's tick. Default 50. */
  flushIntervalMs?: number;
  /** Status reports in flight across the whole fleet. Default 256. */
  maxInflightUpdates?: number;
  /** Registrations in flight across the whole fleet. Default 64. */
  registerConcurrency?: number;
  /** Deadline of each unary call. Default 10 s. */
  requestTimeoutMs?: number;
  /**
   * A watch from index 0 gets its first frame at once; one silent this long is opened again on
   * the next server (a server may have failed it without telling the client). Default 10 s.
   */
  firstFrameTimeoutMs?: number;
  /** How long `start` waits for every node to register. Default 120 s. */
  registerTimeoutMs?: number;
  /** Called with a line for every unexpected error (counted in `stats().errors` regardless). */
  log?: (line: string) => void;
}

export interface SimFleetStats {
  nodes: number;
  registered: number;
  /** Nodes heartbeating and watching (not stopped with `stopHeartbeats`). */
  alive: number;
  watching: number;
  /** Allocations the servers placed on the fleet (desired "run" when first seen). */
  seen: number;
  /** Allocations whose latest report the servers acknowledged, by the status reported. */
  running: number;
  complete: number;
  failed: number;
  /** Status reports the servers acknowledged, and the requests that carried them. */
  acked: number;
  updateRequests: number;
  heartbeats: number;
  watchFrames: number;
  /** Failed calls by "<rpc> <grpc status>". */
  errors: Record<string, number>;
}

/** What the fleet knows about one of a node's allocations. */
interface TrackedAlloc {
  tasks: readonly string[];
  /** What the simulated tasks are doing, i.e. what the servers should hear. */
  status: AllocClientStatus | undefined;
  /** The last status the servers acknowledged. */
  reported: AllocClientStatus | undefined;
}

/** One simulated client. */
class SimClient {
  server: number;
  alive = true;
  registered = false;
  registerInFlight = false;
  registerRetryAt = 0;
  ttlMs = 10_000;
  nextHeartbeatAt = Infinity;
  heartbeatInFlight = false;
  watch: grpc.ClientReadableStream<WatchFrame> | undefined;
  watchIndex = 0;
  watchRetryAt = 0;
  /** A watch from index 0 answers at once; one that stays silent this long is opened again elsewhere. */
  firstFrameDeadline = Infinity;
  readonly allocs = new Map<string, TrackedAlloc>();
  /** Reports waiting for the next flush, by allocation id. */
  readonly pending = new Map<string, AllocClientUpdate>();
  updateInFlight = false;
  updateRetryAt = 0;
  /** The node's stream of status reports, to the server it was opened to (the leader then). */
  reports: { server: number; stream: ReportStream } | undefined;

  constructor(readonly node: Node, server: number) {
    this.server = server;
  }
}

const UNRECOVERABLE = new Set<number>([grpc.status.UNIMPLEMENTED, grpc.status.INVALID_ARGUMENT, grpc.status.PERMISSION_DENIED]);
/** Reports per UpdateAllocations request; a node with more sends them over several flushes. */
const MAX_UPDATES_PER_REQUEST = 1000;

function jittered(ttlMs: number): number {
  return ttlMs * (0.4 + 0.2 * Math.random());
}

function codeName(err: unknown): string {
  return isServiceError(err) ? (grpc.status[err.code] ?? String(err.code)) : "ERROR";
}

export class SimFleet {
  private readonly channels: grpc.Client[];
  /** Channel index by server address, servers learned from the leader's address included. */
  private readonly channelOf = new Map<string, number>();
  /**
   * The channel of the leader as the servers last named it: registrations, heartbeats and status
   * reports go there, so followers need not forward them. Undefined (rotate through the servers)
   * until known, during elections, and after a call to it failed.
   */
  private leader: number | undefined;
  private readonly clients: SimClient[];
  private readonly byName = new Map<string, SimClient>();
  private readonly byId = new Map<string, SimClient>();
  /** Nodes with reports to send, in the order they got them (round-robin under the in-flight cap). */
  private readonly dirty = new Set<SimClient>();
  /** Allocations to report complete later (runForMs), in time order. */
  private completions: { client: SimClient; allocId: string; atMs: number }[] = [];
  private completionsHead = 0;
  private readonly taskLists = new Map<string, readonly string[]>();
  private readonly waiters = new Set<() => void>();
  private readonly counts = { seen: 0, running: 0, complete: 0, failed: 0, acked: 0, updateRequests: 0, heartbeats: 0, watchFrames: 0 };
  private readonly errors = new Map<string, number>();
  private registered = 0;
  private inflightUpdates = 0;
  private inflightRegistrations = 0;
  private fatal: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly opts: Required<Omit<SimFleetOptions, "runForMs" | "log">> & Pick<SimFleetOptions, "runForMs" | "log">;

  private constructor(readonly addresses: readonly string[], nodes: Node[], opts: SimFleetOptions) {
    if (addresses.length === 0) throw new Error("SimFleet needs at least one server address");
    this.opts = {
      failAllocs: false, flushIntervalMs: 50, maxInflightUpdates: 256, registerConcurrency: 64, requestTimeoutMs: 10_000,
      registerTimeoutMs: 120_000, firstFrameTimeoutMs: 10_000, ...opts,
    };
    // One channel per server for the whole fleet; frames with many allocations exceed gRPC's 4 MB default.
    this.channels = addresses.map((a) => this.newChannel(a));
    addresses.forEach((a, i) => this.channelOf.set(a, i));
    // Spread the nodes over the servers round-robin: any server takes client calls.
    this.clients = nodes.map((node, i) => new SimClient(node, i % addresses.length));
    for (const c of this.clients) {
      if (this.byName.has(c.node.name)) throw new Error(`two simulated nodes are named ${c.node.name}`);
      this.byName.set(c.node.name, c);
      this.byId.set(c.node.id, c);
    }
  }

  /**
   * Registers every node (spread over `addresses`), then keeps them heartbeating, watching and
   * reporting until `stop`. Resolves once every node is registered.
   */
  static async start(addresses: readonly string[], specs: readonly SimNodeSpec[], opts: SimFleetOptions = {}): Promise<SimFleet> {
    const fleet = new SimFleet(addresses, specs.map(simNode), opts);
    fleet.timer = setInterval(() => fleet.tick(), fleet.opts.flushIntervalMs);
    try {
      await fleet.waitFor(`${specs.length} nodes registered`, () => fleet.registered === fleet.clients.length, fleet.opts.registerTimeoutMs);
    } catch (err) {
      await fleet.stop();
      throw err;
    }
    return fleet;
  }

  /** The registered node of that name. */
  node(name: string): Node {
    return this.client(name).node;
  }

  get nodes(): Node[] {
    return this.clients.map((c) => c.node);
  }

  /** The allocations a node has heard of (by node id), with the status it last reported. */
  allocsOf(nodeId: string): Map<string, AllocClientStatus | undefined> {
    const c = this.byId.get(nodeId);
    return new Map([...(c?.allocs ?? [])].map(([id, t]) => [id, t.reported]));
  }

  /** A dead client: it stops heartbeating, watching and reporting. */
  stopHeartbeats(name: string): void {
    const c = this.client(name);
    c.alive = false;
    c.nextHeartbeatAt = Infinity;
    c.pending.clear();
    this.dirty.delete(c);
    this.closeWatch(c);
    c.reports?.stream.close();
    c.reports = undefined;
  }

  /** Brings a node stopped with `stopHeartbeats` back: it heartbeats at once and watches again. */
  resumeHeartbeats(name: string): void {
    const c = this.client(name);
    c.alive = true;
    c.nextHeartbeatAt = 0;
    c.watchRetryAt = 0;
  }

  /** Allocations the servers placed on the fleet so far. */
  allocsSeen(): number {
    return this.counts.seen;
  }

  /** Allocations the servers have acknowledged as running. */
  allocsRunning(): number {
    return this.counts.running;
  }

  /** Status reports the servers have acknowledged. */
  acked(): number {
    return this.counts.acked;
  }

  stats(): SimFleetStats {
    return {
      nodes: this.clients.length,
      registered: this.registered,
      alive: this.clients.filter((c) => c.alive).length,
      watching: this.clients.filter((c) => c.watch !== undefined).length,
      ...this.counts,
      errors: Object.fromEntries(this.errors),
    };
  }

  waitForRunning(n: number, timeoutMs: number): Promise<void> {
    return this.waitFor(`${n} allocations running`, () => this.counts.running >= n, timeoutMs);
  }

  waitForSeen(n: number, timeoutMs: number): Promise<void> {
    return this.waitFor(`${n} allocations placed`, () => this.counts.seen >= n, timeoutMs);
  }

  /** Resolves when `done()` holds (checked whenever the fleet hears from the servers). */
  waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.fatal || done() || this.stopped) {
          this.waiters.delete(check);
          clearTimeout(timer);
          if (this.fatal) reject(this.fatal);
          else if (done()) resolve();
          else reject(new Error(`the fleet stopped while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(this.stats())}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    for (const c of this.clients) {
      this.closeWatch(c);
      c.reports?.stream.close();
    }
    for (const check of [...this.waiters]) check();
    for (const channel of this.channels) channel.close();
  }

  // -------------------------------------------------------------------------------------------

  private client(name: string): SimClient {
    const c = this.byName.get(name);
    if (!c) throw new Error(`no simulated node named ${name}`);
    return c;
  }

  /** The fleet's one timer: due completions, registrations, heartbeats, reconnects, then reports. */
  private tick(): void {
    if (this.stopped) return;
    const now = Date.now();
    this.completeDue(now);
    for (const c of this.clients) {
      if (!c.alive) continue;
      if (!c.registered) {
        if (!c.registerInFlight && c.registerRetryAt <= now && this.inflightRegistrations < this.opts.registerConcurrency) this.register(c);
        continue;
      }
      if (!c.heartbeatInFlight && c.nextHeartbeatAt <= now) this.heartbeat(c);
      if (c.watch === undefined && c.watchRetryAt <= now) this.openWatch(c);
      else if (c.watch !== undefined && c.firstFrameDeadline < now) {
        // A silent stream: e.g. a server that ended it with an error the client never got.
        this.closeWatch(c);
        this.errors.set("WatchAllocations silent", (this.errors.get("WatchAllocations silent") ?? 0) + 1);
        c.server = (c.server + 1) % this.channels.length;
        c.watchRetryAt = now + 200 + Math.random() * 800;
      }
    }
    for (const c of this.dirty) {
      if (this.inflightUpdates >= this.opts.maxInflightUpdates) break;
      if (c.updateInFlight || c.updateRetryAt > now || !c.registered) continue;
      this.dirty.delete(c);
      this.sendUpdates(c);
    }
  }

  private newChannel(address: string): grpc.Client {
    // Frames with many allocations exceed gRPC's 4 MB default.
    return new grpc.Client(address, grpc.credentials.createInsecure(), {
      ...SERVER_CHANNEL_OPTIONS, "grpc.max_receive_message_length": 256 << 20,
    });
  }

  /** A call to the leader if known (else the node's server); a failure there forgets the leader. */
  private unary<Req, Res>(c: SimClient, method: grpc.MethodDefinition<Req, Res>, request: Req): Promise<Res> {
    const server = this.leader ?? c.server;
    const channel = this.channels[server] as grpc.Client;
    return new Promise((resolve, reject) => {
      channel.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, new grpc.Metadata(),
        { deadline: Date.now() + this.opts.requestTimeoutMs }, (err, res) => {
          if (err) {
            if (this.leader === server) this.leader = undefined;
            reject(err);
            return;
          }
          const leaderAddress = (res as { leaderAddress?: unknown } | undefined)?.leaderAddress;
          if (typeof leaderAddress === "string") this.learnLeader(leaderAddress);
          resolve(res as Res);
        });
    });
  }

  /** A status report: on the node's stream to the leader when one is known, as a client agent sends it; else a call. */
  private sendReport(c: SimClient, request: pb.ClientNodeUpdateAllocationsRequest): Promise<pb.ClientNodeUpdateAllocationsResponse> {
    const leader = this.leader;
    if (leader === undefined) return this.unary(c, pb.ClientNodeService.updateAllocations, request);
    if (c.reports?.server !== leader) {
      c.reports?.stream.close();
      c.reports = { server: leader, stream: new ReportStream(this.channels[leader] as grpc.Client, this.opts.requestTimeoutMs) };
    }
    return c.reports.stream.send(request).catch((err: unknown) => {
      if (this.leader === leader) this.leader = undefined;
      throw err;
    });
  }

  /** Where the leader is, from a server's answer; "" (an election): rotate through the servers. */
  private learnLeader(address: string): void {
    if (address === "" || this.stopped) {
      this.leader = undefined;
      return;
    }
    let index = this.channelOf.get(address);
    if (index === undefined) {
      index = this.channels.push(this.newChannel(address)) - 1;
      this.channelOf.set(address, index);
    }
    this.leader = index;
  }

  /** The leader the fleet sends its unary calls to, if it knows one (for tests). */
  get leaderAddress(): string | undefined {
    if (this.leader === undefined) return undefined;
    for (const [address, index] of this.channelOf) if (index === this.leader) return address;
    return undefined;
  }

  /** Counts a failed call; moves the node to the next server unless the failure is about the node. */
  private failed(c: SimClient, rpc: string, err: unknown): void {
    const key = `${rpc} ${codeName(err)}`;
    const count = (this.errors.get(key) ?? 0) + 1;
    this.errors.set(key, count);
    if (count === 1 || count % 1000 === 0) this.opts.log?.(`${c.node.name}: ${rpc} failed (${count}×): ${(err as Error).message}`);
    if (!isServiceError(err)) return;
    if (err.code === grpc.status.NOT_FOUND) {
      // The servers do not know the node (state lost, or garbage-collected): register again.
      this.setRegistered(c, false);
    } else if (UNRECOVERABLE.has(err.code) && !this.fatal) {
      this.fatal = new Error(`${rpc} for ${c.node.name} failed: ${grpc.status[err.code]}: ${err.details}`);
      for (const check of [...this.waiters]) check();
    } else {
      c.server = (c.server + 1) % this.channels.length;
    }
  }

  private register(c: SimClient): void {
    c.registerInFlight = true;
    this.inflightRegistrations++;
    c.node.statusUpdatedAtMs = Date.now();
    this.unary(c, pb.ClientNodeService.register, { node: nodeToWire(c.node, { secret: "include" }) })
      .then((res) => {
        this.setRegistered(c, true);
        if (res.heartbeatTtlMs > 0) c.ttlMs = res.heartbeatTtlMs;
        c.nextHeartbeatAt = Date.now() + jittered(c.ttlMs);
        this.notify();
      })
      .catch((err: unknown) => {
        this.failed(c, "Register", err);
        c.registerRetryAt = Date.now() + 500 + Math.random() * 500;
      })
      .finally(() => {
        c.registerInFlight = false;
        this.inflightRegistrations--;
      });
  }

  private setRegistered(c: SimClient, registered: boolean): void {
    if (c.registered !== registered) this.registered += registered ? 1 : -1;
    c.registered = registered;
  }

  private heartbeat(c: SimClient): void {
    c.heartbeatInFlight = true;
    const node = c.node;
    this.unary(c, pb.ClientNodeService.heartbeat, { nodeId: node.id, secretId: node.secretId, status: pb.NodeStatus.READY })
      .then((res) => {
        this.counts.heartbeats++;
        if (res.heartbeatTtlMs > 0) c.ttlMs = res.heartbeatTtlMs;
        if (c.alive) c.nextHeartbeatAt = Date.now() + jittered(c.ttlMs);
      })
      .catch((err: unknown) => {
        this.failed(c, "Heartbeat", err);
        // Try again on the next server, well within the TTL but without piling onto servers
        // that are struggling (Nomad clients wait 15 s plus a stagger).
        if (c.alive) c.nextHeartbeatAt = Date.now() + Math.min(c.ttlMs / 4, 5_000) * (0.5 + Math.random());
      })
      .finally(() => {
        c.heartbeatInFlight = false;
      });
  }

  private openWatch(c: SimClient): void {
    const method = pb.ClientNodeService.watchAllocations;
    const call = (this.channels[c.server] as grpc.Client).makeServerStreamRequest(
      method.path, method.requestSerialize, decodeWatchFrame,
      { nodeId: c.node.id, secretId: c.node.secretId, minIndex: c.watchIndex }, new grpc.Metadata(), {},
    );
    c.watch = call;
    c.firstFrameDeadline = c.watchIndex === 0 ? Date.now() + this.opts.firstFrameTimeoutMs : Infinity;
    // Resume from the last frame's index, on another server unless the node itself was the problem.
    const broken = (err: unknown) => {
      if (c.watch !== call) return;
      c.watch = undefined;
      if (this.stopped || !c.alive) return;
      if (err !== undefined) {
        this.failed(c, "WatchAllocations", err);
      } else {
        this.errors.set("WatchAllocations ended", (this.errors.get("WatchAllocations ended") ?? 0) + 1);
        c.server = (c.server + 1) % this.channels.length;
      }
      c.watchRetryAt = Date.now() + 200 + Math.random() * 800;
    };
    // The stream's first frame is complete; the deltas after it apply to what the node tracks.
    let complete = false;
    call.on("data", (frame: WatchFrame) => {
      if (c.watch !== call) return;
      if (frame.delta && !complete) {
        broken(Object.assign(new Error("a delta frame before the complete one"), { code: grpc.status.INTERNAL, details: "a delta frame before the complete one" }));
        call.cancel();
        return;
      }
      complete = true;
      this.onFrame(c, frame);
    });
    call.on("error", (err: unknown) => broken(err));
    call.on("end", () => broken(undefined));
  }

  private closeWatch(c: SimClient): void {
    const call = c.watch;
    c.watch = undefined;
    c.firstFrameDeadline = Infinity;
    call?.cancel();
  }

  // -------------------------------------------------------------------------------------------
  // Allocations

  private onFrame(c: SimClient, frame: WatchFrame): void {
    this.counts.watchFrames++;
    c.firstFrameDeadline = Infinity;
    if (frame.index > c.watchIndex) c.watchIndex = frame.index;
    for (const alloc of frame.allocations) {
      let tracked = c.allocs.get(alloc.id);
      if (tracked === undefined) {
        tracked = { tasks: this.internTasks(alloc.tasks), status: undefined, reported: undefined };
        c.allocs.set(alloc.id, tracked);
        if (alloc.desiredStatus === "run") this.counts.seen++;
      }
      const next = this.nextStatus(alloc, tracked);
      if (next !== undefined) this.report(c, alloc.id, tracked, next);
    }
    if (frame.delta) {
      for (const id of frame.removedIds) this.forget(c, id);
    } else if (frame.allocCount !== c.allocs.size) {
      // A complete frame listing other allocations than the node tracks: some were garbage-collected.
      const present = watchFrameAllocIds(frame.bytes);
      for (const id of [...c.allocs.keys()]) if (!present.has(id)) this.forget(c, id);
    }
    this.notify();
  }

  /** An allocation the servers no longer have. */
  private forget(c: SimClient, id: string): void {
    const tracked = c.allocs.get(id);
    if (tracked === undefined) return;
    c.allocs.delete(id);
    c.pending.delete(id);
    this.adjust(tracked.reported, -1);
  }

  /** What the simulated tasks do about an allocation as the servers now see it; undefined: nothing new. */
  private nextStatus(alloc: SimAlloc, tracked: TrackedAlloc): AllocClientStatus | undefined {
    if (alloc.desiredStatus !== "run") {
      // Stopped or evicted: tasks that are (or were about to be) running are killed and complete.
      return tracked.status === undefined || tracked.status === "running" || tracked.status === "pending" ? "complete" : undefined;
    }
    if (tracked.status !== undefined) return undefined;
    if (alloc.clientStatus === "complete" || alloc.clientStatus === "failed" || alloc.clientStatus === "lost") {
      // Finished before this client heard of it (e.g. before a restart of the fleet): nothing to run.
      tracked.status = alloc.clientStatus;
      tracked.reported = alloc.clientStatus;
      return undefined;
    }
    const { failAllocs } = this.opts;
    return (typeof failAllocs === "function" ? failAllocs(alloc) : failAllocs) ? "failed" : "running";
  }

  private report(c: SimClient, allocId: string, tracked: TrackedAlloc, status: AllocClientStatus): void {
    const now = Date.now();
    tracked.status = status;
    c.pending.set(allocId, simAllocUpdate(allocId, tracked.tasks, status, now));
    this.dirty.add(c);
    if (status === "running" && this.opts.runForMs !== undefined) {
      this.completions.push({ client: c, allocId, atMs: now + this.opts.runForMs });
    }
  }

  /** runForMs: allocations whose work is done report complete (the queue is in time order). */
  private completeDue(now: number): void {
    while (this.completionsHead < this.completions.length) {
      const due = this.completions[this.completionsHead] as (typeof this.completions)[number];
      if (due.atMs > now) break;
      this.completionsHead++;
      const tracked = due.client.allocs.get(due.allocId);
      if (due.client.alive && tracked?.status === "running") this.report(due.client, due.allocId, tracked, "complete");
    }
    if (this.completionsHead > 1024 && this.completionsHead * 2 > this.completions.length) {
      this.completions = this.completions.slice(this.completionsHead);
      this.completionsHead = 0;
    }
  }

  private sendUpdates(c: SimClient): void {
    const updates: AllocClientUpdate[] = [];
    for (const [id, update] of c.pending) {
      updates.push(update);
      c.pending.delete(id);
      if (updates.length >= MAX_UPDATES_PER_REQUEST) break;
    }
    c.updateInFlight = true;
    this.inflightUpdates++;
    const request = { nodeId: c.node.id, secretId: c.node.secretId, updates: updates.map(allocClientUpdateToWire) };
    this.sendReport(c, request)
      .then(() => {
        this.counts.updateRequests++;
        this.counts.acked += updates.length;
        for (const u of updates) {
          const tracked = c.allocs.get(u.allocId);
          if (tracked === undefined) continue;
          this.adjust(tracked.reported, -1);
          tracked.reported = u.clientStatus;
          this.adjust(tracked.reported, +1);
        }
      })
      .catch((err: unknown) => {
        this.failed(c, "UpdateAllocations", err);
        // Send them again, unless a newer report for the same allocation is already waiting.
        for (const u of updates) if (!c.pending.has(u.allocId) && c.allocs.has(u.allocId)) c.pending.set(u.allocId, u);
        c.updateRetryAt = Date.now() + 250 + Math.random() * 500;
      })
      .finally(() => {
        c.updateInFlight = false;
        this.inflightUpdates--;
        if (c.pending.size > 0 && c.alive && !this.stopped) this.dirty.add(c);
        this.notify();
      });
  }

  private adjust(status: AllocClientStatus | undefined, by: number): void {
    if (status === "running") this.counts.running += by;
    else if (status === "complete") this.counts.complete += by;
    else if (status === "failed") this.counts.failed += by;
  }

  /** Allocations of one group share their task-name list. */
  private internTasks(tasks: string[]): readonly string[] {
    const key = tasks.join("\u0000");
    let shared = this.taskLists.get(key);
    if (shared === undefined) {
      shared = tasks;
      this.taskLists.set(key, shared);
    }
    return shared;
  }

  private notify(): void {
    for (const check of [...this.waiters]) check();
  }
}
