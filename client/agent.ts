// The client agent: one process per node. It fingerprints the machine, registers with the
// servers and heartbeats within the TTL they give, follows its allocations and runs each in an
// allocation runner, reports their status in batches, and keeps its state in LevelDB so that a
// restart re-attaches to running tasks instead of starting them again.

import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { advertisedHost } from "../shared/advertise.js";
import * as grpc from "@grpc/grpc-js";
import * as pb from "../proto/index.js";
import type { Allocation, AllocClientUpdate, Node, TaskState } from "../shared/model/index.js";
import type { Logger } from "../shared/log.js";
import { allocClientUpdateToWire, nodeToWire } from "../shared/wire/index.js";
import type { Driver, TaskHandle } from "./drivers/driver.js";
import { fingerprintChanged, fingerprintNode, type NodeIdentity } from "./fingerprint/index.js";
import type { ClientOptions } from "./options.js";
import { clientApi, type RunnerLookup } from "./rpc.js";
import { grpcCode, ServerPool } from "./servers.js";
import { ClientStateDb } from "./state/db.js";
import { UpdateQueue } from "./updates.js";
import { AllocWatch, type WatchFrame } from "./watch.js";

/** What the agent needs of an allocation runner (client/allocrunner). */
export interface AllocRunnerLike {
  readonly id: string;
  /** The allocation as last updated by the servers. */
  readonly alloc: Allocation;
  /** Starts the tasks of a new allocation. */
  run(): void;
  /** After a client restart: re-attaches to tasks still running (handles by task name). */
  recover(handles: Record<string, TaskHandle>, taskStates: Record<string, TaskState>): Promise<void>;
  /** The servers changed the allocation (stop, in-place update). */
  update(alloc: Allocation): void;
  restart(task: string | undefined, allTasks: boolean): Promise<void>;
  /** Stops every task (if any still runs) and removes the allocation's directory. */
  destroy(): Promise<void>;
  /** The allocation's tasks all ended; the allocation can be garbage-collected. */
  isTerminal(): boolean;
  /** When it became terminal (ms since epoch), 0 while it runs. */
  terminalSinceMs(): number;
  readonly logDir: string;
}

export interface RunnerHooks {
  report(update: AllocClientUpdate): void;
  saveHandle(task: string, handle: TaskHandle | undefined): Promise<void>;
}

export interface ClientAgentModules {
  drivers: Driver[];
  /** Builds the runner of one allocation. */
  makeRunner(alloc: Allocation, node: Node, allocDir: string, hooks: RunnerHooks): AllocRunnerLike;
  logger: Logger;
  version: string;
}

const UPDATE_FLUSH_MS = 200;
const REGISTER_RETRY_MS = 1_000;
const GC_INTERVAL_MS = 10_000;

async function listen(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
}

export class ClientAgent {
  private node!: Node;
  private identity!: NodeIdentity;
  private readonly runners = new Map<string, AllocRunnerLike>();
  /** Allocations being cleaned up; stop() waits for them before closing the database. */
  private readonly removals = new Set<Promise<void>>();
  private readonly servers: ServerPool;
  private readonly updates: UpdateQueue;
  private readonly watch: AllocWatch;
  private readonly grpcServer = new grpc.Server();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private loops: NodeJS.Timeout[] = [];
  private registered = false;
  private registering: Promise<void> | undefined;
  private stopped = false;

  private constructor(readonly opts: ClientOptions, private readonly db: ClientStateDb, private readonly modules: ClientAgentModules) {
    this.servers = new ServerPool(opts.servers);
    this.updates = new UpdateQueue((updates) => this.sendUpdates(updates), UPDATE_FLUSH_MS);
    this.watch = new AllocWatch({
      servers: this.servers,
      credentials: () => ({ nodeId: this.identity.id, secretId: this.identity.secretId }),
      onFrame: (frame) => this.onFrame(frame),
      onUnknownNode: () => void this.register(true),
      logger: modules.logger.child("watch"),
    });
  }

  static async start(opts: ClientOptions, modules: ClientAgentModules): Promise<ClientAgent> {
    mkdirSync(path.join(opts.dataDir, "alloc"), { recursive: true });
    const db = await ClientStateDb.open(path.join(opts.dataDir, "client"));
    const agent = new ClientAgent(opts, db, modules);
    try {
      await agent.init();
    } catch (err) {
      await db.close();
      throw err;
    }
    return agent;
  }

  get nodeId(): string {
    return this.identity.id;
  }

  private get log(): Logger {
    return this.modules.logger;
  }

  private async init(): Promise<void> {
    this.identity = (await this.db.identity()) ?? { id: randomUUID(), secretId: randomUUID() };
    await this.db.setIdentity(this.identity);
    const lookup: RunnerLookup = {
      runner: (allocId) => this.runners.get(allocId),
    };
    this.grpcServer.addService(pb.ClientLogsService, clientApi.logs(lookup, this.log));
    this.grpcServer.addService(pb.ClientAllocationsService, clientApi.allocations(lookup, this.log));
    const port = await listen(this.grpcServer, `${this.opts.bind}:${this.opts.port}`);
    const httpAddr = `${advertisedHost(this.opts.bind, this.opts.advertise)}:${port}`;
    this.node = await fingerprintNode(this.opts, this.identity, this.modules.drivers, this.modules.version, httpAddr);
    this.log.info("client started", { nodeId: this.identity.id, name: this.opts.name, address: httpAddr, drivers: Object.entries(this.node.drivers).filter(([, d]) => d.detected).map(([n]) => n).join(",") });
    await this.restore();
    this.updates.start();
    void this.register();
    this.every(this.opts.fingerprintIntervalMs, () => void this.refingerprint());
    this.every(GC_INTERVAL_MS, () => void this.collectGarbage());
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.loops.push(t);
  }

  /** Allocations this client ran before it restarted: re-attach to their tasks. */
  private async restore(): Promise<void> {
    const stored = await this.db.allocs();
    for (const { alloc, taskStates } of stored) {
      const runner = this.newRunner(alloc);
      const handles = await this.db.handles(alloc.id);
      await runner.recover(handles, taskStates);
    }
    if (stored.length > 0) this.log.info("restored allocations", { count: stored.length });
  }

  private newRunner(alloc: Allocation): AllocRunnerLike {
    const runner: AllocRunnerLike = this.modules.makeRunner(alloc, this.node, path.join(this.opts.dataDir, "alloc", alloc.id), {
      report: (update) => {
        this.updates.push(update);
        // The runner's allocation, not the first one: in-place updates must survive a restart too.
        void this.db.putAlloc({ alloc: runner.alloc, taskStates: update.taskStates })
          .catch((err: Error) => this.log.error("could not save an allocation's state", { allocId: alloc.id, error: err.message }));
      },
      // Returned, so the task runner can order the durable write before it goes on.
      saveHandle: (task, handle) => this.db.putHandle(alloc.id, task, handle)
        .catch((err: Error) => this.log.error("could not save a task handle", { allocId: alloc.id, task, error: err.message })),
    });
    this.runners.set(alloc.id, runner);
    return runner;
  }

  // --- servers ---------------------------------------------------------------------------------

  /** One registration at a time: the heartbeat, the watch and re-fingerprinting all ask for one. */
  private register(forgotten = false): Promise<void> {
    this.registering ??= this.registerOnce(forgotten).finally(() => {
      this.registering = undefined;
    });
    return this.registering;
  }

  /** `forgotten`: the servers did not know the node, so what the watch saw is void too. */
  private async registerOnce(forgotten: boolean): Promise<void> {
    while (!this.stopped) {
      try {
        const res = await this.servers.callLeader(pb.ClientNodeService.register, { node: nodeToWire({ ...this.node, status: "ready" }, { secret: "include" }) });
        this.servers.learn(res.servers.map((s) => s.address));
        this.servers.learnLeader(res.leaderAddress);
        if (!this.registered) this.log.info("registered with the servers", { nodeId: this.identity.id, ttlMs: res.heartbeatTtlMs });
        this.scheduleHeartbeat(res.heartbeatTtlMs);
        if (!this.registered) this.watch.start();
        else if (forgotten) this.watch.reset();
        this.registered = true;
        return;
      } catch (err) {
        this.log.warn("could not register; retrying", { error: (err as Error).message });
        await new Promise((r) => setTimeout(r, REGISTER_RETRY_MS).unref());
      }
    }
  }

  /** Heartbeat at about half the TTL, so one lost heartbeat still leaves time for the next. */
  private scheduleHeartbeat(ttlMs: number): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    if (this.stopped) return;
    const delay = ttlMs * (0.4 + 0.1 * Math.random());
    this.heartbeatTimer = setTimeout(() => void this.heartbeat(ttlMs), delay);
  }

  private async heartbeat(lastTtlMs: number): Promise<void> {
    try {
      const res = await this.servers.callLeader(pb.ClientNodeService.heartbeat, { nodeId: this.identity.id, secretId: this.identity.secretId, status: pb.NodeStatus.READY });
      this.servers.learn(res.servers.map((s) => s.address));
      this.servers.learnLeader(res.leaderAddress);
      this.scheduleHeartbeat(res.heartbeatTtlMs);
    } catch (err) {
      if (grpcCode(err) === grpc.status.NOT_FOUND) {
        this.log.warn("the servers do not know this node; registering again");
        await this.register(true);
        return;
      }
      this.log.warn("heartbeat failed; trying again", { error: (err as Error).message });
      this.scheduleHeartbeat(Math.min(lastTtlMs, 2_000));
    }
  }

  private async sendUpdates(updates: AllocClientUpdate[]): Promise<void> {
    await this.servers.report({
      nodeId: this.identity.id, secretId: this.identity.secretId, updates: updates.map(allocClientUpdateToWire),
    });
  }

  private async refingerprint(): Promise<void> {
    const next = await fingerprintNode(this.opts, this.identity, this.modules.drivers, this.modules.version, this.node.httpAddr);
    if (!fingerprintChanged(this.node, next)) return;
    this.node = next;
    this.log.info("the node's fingerprint changed; registering again");
    await this.register();
  }

  // --- allocations -----------------------------------------------------------------------------

  private onFrame(frame: WatchFrame): void {
    for (const alloc of frame.changed) {
      const runner = this.runners.get(alloc.id);
      if (runner) {
        runner.update(alloc);
      } else if (alloc.desiredStatus === "run" && !["complete", "failed", "lost"].includes(alloc.clientStatus)) {
        // An allocation that already ended (here, before it was garbage-collected) never runs again.
        void this.db.putAlloc({ alloc, taskStates: {} })
          .catch((err: Error) => this.log.error("could not save an allocation", { allocId: alloc.id, error: err.message }));
        this.newRunner(alloc).run();
      }
    }
    // Allocations the servers no longer list were garbage-collected there: clean them up here too.
    for (const [id, runner] of this.runners) {
      if (!frame.assigned.has(id)) void this.remove(id, runner);
    }
  }

  private async remove(id: string, runner: AllocRunnerLike): Promise<void> {
    this.runners.delete(id);
    const removing = (async () => {
      await runner.destroy().catch((err: Error) => this.log.warn("could not clean up an allocation", { allocId: id, error: err.message }));
      await this.db.deleteAlloc(id).catch((err: Error) => this.log.warn("could not forget an allocation", { allocId: id, error: err.message }));
    })();
    this.removals.add(removing);
    await removing.finally(() => this.removals.delete(removing));
  }

  /** Keeps at most gcMaxAllocs terminal allocations, none older than gcAllocAgeMs. */
  private async collectGarbage(): Promise<void> {
    const nowMs = Date.now();
    const terminal = [...this.runners.values()].filter((r) => r.isTerminal()).sort((a, b) => a.terminalSinceMs() - b.terminalSinceMs());
    const excess = terminal.length - this.opts.gcMaxAllocs;
    for (const [i, runner] of terminal.entries()) {
      if (i < excess || nowMs - runner.terminalSinceMs() > this.opts.gcAllocAgeMs) await this.remove(runner.id, runner);
    }
  }

  /**
   * Stops the agent. Tasks keep running (like Nomad, a client restart must not restart them);
   * pending reports are sent first.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    for (const t of this.loops) clearInterval(t);
    this.watch.stop();
    await this.updates.flush().catch(() => undefined);
    this.updates.stop();
    this.servers.close();
    await Promise.all([...this.removals]);
    await Promise.all(this.modules.drivers.map((d) => d.close?.().catch(() => undefined)));
    await new Promise<void>((resolve) => this.grpcServer.tryShutdown(() => resolve()));
    await this.db.close();
  }
}
