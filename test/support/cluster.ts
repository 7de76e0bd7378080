// Real server processes on loopback for integration tests and benchmarks: each server is its
// own `nomadish agent -server` process, so it can be SIGKILLed and restarted with its data dir.

import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import * as pb from "../../proto/index.js";
import { ApiClient } from "../../shared/api/client.js";
import { repoPath } from "../paths.js";

/** Ports handed out in this process: the OS may offer a just-closed port again. */
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await probeFreePort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

function probeFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  index: number;
  address: string;
  dataDir: string;
  logFile: string;
  process: ChildProcess | undefined;
}

/** A client agent process (`nomadish agent -client`) with its own data dir and config. */
export interface ClientProcess {
  name: string;
  dataDir: string;
  configFile: string;
  logFile: string;
  process: ChildProcess | undefined;
}

export interface ClusterOptions {
  servers: number;
  /** Extra flags for every agent. */
  flags?: string[];
  /** Keep the data dirs after stop (to read logs of a failed test). */
  keep?: boolean;
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sends a process a signal and waits for it to exit; nothing to do when there is none. */
export async function signalAndWait(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  await exited;
}

export class TestCluster {
  readonly root: string;
  readonly servers: ServerProcess[] = [];
  readonly clientAgents: ClientProcess[] = [];
  private readonly clients: ApiClient[] = [];

  private constructor(readonly opts: ClusterOptions) {
    this.root = mkdtempSync(path.join(tmpdir(), "nomadish-cluster-"));
  }

  static async start(opts: ClusterOptions): Promise<TestCluster> {
    const cluster = new TestCluster(opts);
    for (let i = 0; i < opts.servers; i++) {
      const port = await freePort();
      cluster.servers.push({
        index: i, address: `127.0.0.1:${port}`, dataDir: path.join(cluster.root, `server${i}`),
        logFile: path.join(cluster.root, `server${i}.log`), process: undefined,
      });
    }
    for (const server of cluster.servers) cluster.spawn(server);
    return cluster;
  }

  /** Starts one more server, with an empty data dir, that finds the cluster through the others. */
  async addServer(): Promise<ServerProcess> {
    const i = this.servers.length;
    const server: ServerProcess = {
      index: i, address: `127.0.0.1:${await freePort()}`, dataDir: path.join(this.root, `server${i}`),
      logFile: path.join(this.root, `server${i}.log`), process: undefined,
    };
    this.servers.push(server);
    this.spawn(server);
    return server;
  }

  get addresses(): string[] {
    return this.servers.map((s) => s.address);
  }

  /** Starts (or restarts) a server process with its data dir. */
  spawn(server: ServerProcess, extraFlags: string[] = []): void {
    const [, port] = server.address.split(":");
    const others = this.servers.filter((s) => s !== server).map((s) => s.address).join(",");
    const args = [
      repoPath("bin", "nomadish.js"), "agent", "-server", "-data-dir", server.dataDir, "-bind", "127.0.0.1", "-port", port as string,
      "-node", `server${server.index}`, "-bootstrap-expect", String(this.servers.length), ...(others ? ["-retry-join", others] : []),
      ...(this.opts.flags ?? []), ...extraFlags,
    ];
    const log = createWriteStream(server.logFile, { flags: "a" });
    // NOMADISH_SERVER_NODE_ARGS passes flags to the servers' Node.js, e.g. "--cpu-prof" to profile them.
    const nodeArgs = (process.env["NOMADISH_SERVER_NODE_ARGS"] ?? "").split(" ").filter((a) => a !== "");
    const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    server.process = child;
    child.once("exit", () => {
      if (server.process === child) server.process = undefined;
    });
  }

  /** A client for every server in the cluster, failing over between them. */
  client(addresses = this.addresses): ApiClient {
    const client = new ApiClient({ addresses, timeoutMs: 10_000 });
    this.clients.push(client);
    return client;
  }

  /** A server's own view of Raft, or undefined when it does not answer. */
  async self(server: ServerProcess): Promise<pb.StatusSelfResponse | undefined> {
    const client = this.client([server.address]);
    try {
      return await client.callAt(0, pb.StatusService.self, {}, 500);
    } catch {
      return undefined;
    } finally {
      client.close();
    }
  }

  /** Waits until the running servers agree on one leader; returns it. */
  async waitForLeader(timeoutMs = 20_000, exclude?: ServerProcess): Promise<ServerProcess> {
    return waitFor("a leader", timeoutMs, async () => {
      const running = this.servers.filter((s) => s.process && s !== exclude);
      const views = await Promise.all(running.map((s) => this.self(s)));
      const leaders = views.map((v) => v?.raft?.leaderId ?? "");
      const leaderView = views.find((v) => v?.member?.leader);
      if (!leaderView?.member || leaders.some((l) => l !== leaderView.member?.id)) return undefined;
      return this.servers.find((s) => s.address === leaderView.member?.address);
    });
  }

  /** SIGKILL: the process dies at once, losing whatever it had not written. */
  kill(server: ServerProcess, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    return signalAndWait(server.process, signal);
  }

  /**
   * Starts a client agent with `config` as its client.hcl (add `client { ... }` settings such as
   * node_class, meta, attributes and resource overrides to stand in for other hardware).
   */
  startClient(name: string, config = ""): ClientProcess {
    const client: ClientProcess = {
      name, dataDir: path.join(this.root, `client-${name}`), configFile: path.join(this.root, `client-${name}.hcl`),
      logFile: path.join(this.root, `client-${name}.log`), process: undefined,
    };
    writeFileSync(client.configFile, config);
    this.clientAgents.push(client);
    this.spawnClient(client);
    return client;
  }

  /** Starts (or restarts) a client process with its data dir. */
  spawnClient(client: ClientProcess): void {
    const args = [
      repoPath("bin", "nomadish.js"), "agent", "-client", "-data-dir", client.dataDir, "-node-name", client.name,
      "-servers", this.addresses.join(","), "-config", client.configFile,
    ];
    const log = createWriteStream(client.logFile, { flags: "a" });
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    client.process = child;
    child.once("exit", () => {
      if (client.process === child) client.process = undefined;
    });
  }

  async killClient(client: ClientProcess, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = client.process;
    if (!child) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await exited;
  }

  /** Deregisters every job and waits (up to 15 s) until no allocation is pending or running. */
  async stopAllJobs(): Promise<void> {
    const api = this.client();
    const write = { namespace: "", region: "" };
    const { jobs } = await api.call(pb.JobsService.list, { prefix: "" }, "read");
    await Promise.all(jobs.map((j) => api.call(pb.JobsService.deregister, { jobId: j.id, purge: false, options: write }, "write")));
    await waitFor("every allocation to stop", 15_000, async () => {
      const { allocations } = await api.call(pb.AllocationsService.list, { prefix: "", nodeId: "" }, "read");
      const live = [pb.AllocClientStatus.PENDING, pb.AllocClientStatus.RUNNING];
      return allocations.every((a) => !live.includes(a.clientStatus)) ? true : undefined;
    });
  }

  /** Waits until the named clients' nodes are registered and ready; returns them by name. */
  async waitForNodes(names: readonly string[], timeoutMs = 20_000): Promise<Map<string, pb.Node>> {
    const api = this.client();
    return waitFor(`nodes ${names.join(", ")} ready`, timeoutMs, async () => {
      const { nodes } = await api.call(pb.NodesService.list, { prefix: "" }, "read");
      const ready = new Map(nodes.filter((n) => n.status === pb.NodeStatus.READY).map((n) => [n.name, n]));
      return names.every((n) => ready.has(n)) ? ready : undefined;
    });
  }

  async stop(): Promise<void> {
    // A client leaves its tasks running when it stops (a restarted client re-attaches to them):
    // stop the jobs first, while the clients can still stop their tasks.
    if (this.clientAgents.some((c) => c.process)) await this.stopAllJobs().catch(() => undefined);
    for (const client of this.clients) client.close();
    await Promise.all(this.clientAgents.map((c) => this.killClient(c, "SIGTERM")));
    await Promise.all(this.servers.map((s) => this.kill(s, "SIGTERM")));
    if (!this.opts.keep && !process.env["NOMADISH_KEEP_CLUSTER"]) rmSync(this.root, { recursive: true, force: true });
  }
}
