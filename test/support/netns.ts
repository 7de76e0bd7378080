// Servers on their own network hosts, for partition tests: each server runs in its own Linux
// network namespace, joined to the others by veths on a bridge that lives in a namespace of its
// own. The test process (the "host") has an address on the same subnet, so it reaches every
// server whatever the partition. Partitions are iptables DROP rules on the servers' INPUT chains:
// packets between two cut servers vanish in both directions, as on a real broken network (a
// connect hangs, streams stall), while the host's packets still pass.
//
// Names: namespaces are `nomadish-<owner pid>-<tag>-{br,s0,s1,…}`, so namespaces left by a
// crashed run are recognised (their owner is dead) and removed by the next start. The host's
// veth is `nomadish<n>` for the subnet 198.18.<n>.0/24: creating it claims the subnet, since two
// links cannot share a name, so clusters started at the same time never share a subnet.

import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import * as pb from "../../proto/index.js";
import { ApiClient } from "../../shared/api/client.js";
import { repoPath } from "../paths.js";
import { signalAndWait, waitFor, type ServerProcess } from "./cluster.js";

const execFileAsync = promisify(execFile);

const NAMESPACE_PATTERN = /^nomadish-(\d+)-([0-9a-f]+)-(br|s\d+)$/;
const SERVER_PORT = 4647;
/** First host number of the servers on their subnet (the host is .1). */
const FIRST_SERVER_HOST = 10;

/** Runs a command; a failure carries the command and its stderr. */
async function run(command: string, args: readonly string[]): Promise<string> {
  try {
    return (await execFileAsync(command, args)).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(" ")}: ${e.stderr?.trim() || e.message}`);
  }
}

const ip = (...args: string[]): Promise<string> => run("ip", args);
/** iptables inside a namespace; -w waits for the xtables lock that parallel runs may hold. */
const iptables = (namespace: string, ...args: string[]): Promise<string> => run("ip", ["netns", "exec", namespace, "iptables", "-w", ...args]);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Why partition tests cannot run here, or undefined when they can (root, `ip netns`, iptables inside a namespace). */
export async function netnsUnavailableReason(): Promise<string | undefined> {
  if (process.platform !== "linux") return `network namespaces need Linux, not ${process.platform}`;
  if (process.getuid?.() !== 0) return "network namespaces need root (run the tests as root)";
  const probe = `nomadish-${process.pid}-${randomBytes(3).toString("hex")}-br`;
  try {
    await ip("netns", "add", probe);
  } catch (err) {
    return `cannot create a network namespace (is iproute2 installed?): ${(err as Error).message}`;
  }
  try {
    await iptables(probe, "-S", "INPUT");
    return undefined;
  } catch (err) {
    return `iptables does not work inside a network namespace (install Debian's iptables package): ${(err as Error).message}`;
  } finally {
    await ip("netns", "del", probe).catch(() => undefined);
  }
}

/** True when this machine can run partition tests: root, `ip netns` and iptables. */
export async function netnsAvailable(): Promise<boolean> {
  return (await netnsUnavailableReason()) === undefined;
}

/** Kills what still runs in a namespace. Only ever called on this project's own test namespaces. */
async function killProcessesIn(namespace: string): Promise<void> {
  const pids = (await ip("netns", "pids", namespace).catch(() => "")).split("\n").filter((p) => p !== "").map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** Removes the namespaces of test networks whose owning process is dead (a crashed earlier run). */
export async function removeStaleNamespaces(): Promise<string[]> {
  const names = (await ip("netns", "list")).split("\n").map((line) => line.split(" ")[0] ?? "");
  const stale = names.filter((name) => {
    const owner = NAMESPACE_PATTERN.exec(name)?.[1];
    return owner !== undefined && !isAlive(Number(owner));
  });
  for (const name of stale) {
    await killProcessesIn(name);
    // Deleting the bridge's namespace also frees the host veth (its peer lives there).
    await ip("netns", "del", name).catch(() => undefined);
  }
  return stale;
}

/**
 * A private network of `hosts` namespaces on a bridge, plus the test process's own address on it.
 * Hosts are numbered 0…hosts-1; `cut`, `partition` and `heal` change who hears whom.
 */
export class NetnsNetwork {
  /** 198.18.<subnet>.0/24 */
  subnet = 0;
  hostLink = "";
  readonly namespaces: string[];
  readonly bridgeNamespace: string;
  private destroyed = false;

  private constructor(readonly hosts: number, readonly prefix: string) {
    this.bridgeNamespace = `${prefix}-br`;
    this.namespaces = Array.from({ length: hosts }, (_, i) => `${prefix}-s${i}`);
  }

  static async create(hosts: number): Promise<NetnsNetwork> {
    const reason = await netnsUnavailableReason();
    if (reason) throw new Error(`network namespaces are not available: ${reason}`);
    await removeStaleNamespaces();
    const network = new NetnsNetwork(hosts, `nomadish-${process.pid}-${randomBytes(3).toString("hex")}`);
    try {
      await network.build();
    } catch (err) {
      await network.destroy();
      throw err;
    }
    return network;
  }

  /** The address of host `i` (a server) on the private network. */
  address(i: number): string {
    return `198.18.${this.subnet}.${FIRST_SERVER_HOST + i}`;
  }

  /** The test process's own address on the private network. */
  get hostAddress(): string {
    return `198.18.${this.subnet}.1`;
  }

  private async build(): Promise<void> {
    const bridge = this.bridgeNamespace;
    await ip("netns", "add", bridge);
    await ip("-n", bridge, "link", "add", "br0", "type", "bridge");
    await ip("-n", bridge, "link", "set", "br0", "up");
    await this.claimSubnet();
    await ip("addr", "add", `${this.hostAddress}/24`, "dev", this.hostLink);
    await ip("link", "set", this.hostLink, "up");
    await ip("-n", bridge, "link", "set", "host", "master", "br0", "up");
    await Promise.all(this.namespaces.map(async (ns, i) => {
      await ip("netns", "add", ns);
      await ip("-n", bridge, "link", "add", `s${i}`, "type", "veth", "peer", "name", "eth0", "netns", ns);
      await ip("-n", bridge, "link", "set", `s${i}`, "master", "br0", "up");
      await ip("-n", ns, "addr", "add", `${this.address(i)}/24`, "dev", "eth0");
      await ip("-n", ns, "link", "set", "eth0", "up");
      // gRPC servers and clients inside also talk to themselves over loopback.
      await ip("-n", ns, "link", "set", "lo", "up");
    }));
  }

  /** Creates the host veth named after a free subnet: the name is the claim. */
  private async claimSubnet(): Promise<void> {
    const inUse = new Set([...(await ip("-4", "-o", "addr", "show")).matchAll(/ 198\.18\.(\d+)\./g)].map((m) => Number(m[1])));
    // 198.18.0.0/24 is left to hand-made setups.
    const start = randomInt(254);
    for (let k = 0; k < 254; k++) {
      const subnet = 1 + ((start + k) % 254);
      if (inUse.has(subnet)) continue;
      const link = `nomadish${subnet}`;
      try {
        await ip("link", "add", link, "type", "veth", "peer", "name", "host", "netns", this.bridgeNamespace);
      } catch (err) {
        if (/File exists/.test((err as Error).message)) continue;
        throw err;
      }
      this.subnet = subnet;
      this.hostLink = link;
      return;
    }
    throw new Error("no free 198.18.<n>.0/24 subnet for a test network");
  }

  /** The two hosts of each pair stop hearing each other, both ways. */
  async cut(pairs: readonly (readonly [number, number])[]): Promise<void> {
    const dropsFrom = new Map<number, Set<number>>();
    for (const [a, b] of pairs) {
      if (a === b) continue;
      dropsFrom.set(a, (dropsFrom.get(a) ?? new Set()).add(b));
      dropsFrom.set(b, (dropsFrom.get(b) ?? new Set()).add(a));
    }
    await Promise.all([...dropsFrom].map(async ([host, peers]) => {
      const namespace = this.namespaces[host];
      if (namespace === undefined) throw new Error(`no host ${host} in this network`);
      for (const peer of peers) await iptables(namespace, "-A", "INPUT", "-s", this.address(peer), "-j", "DROP");
    }));
  }

  /**
   * Hosts in different groups cannot talk; within a group they can. A host named in no group is
   * alone. Replaces any earlier partition.
   */
  async partition(groups: readonly (readonly number[])[]): Promise<void> {
    const groupOf = new Map<number, number>();
    groups.forEach((group, g) => group.forEach((host) => groupOf.set(host, g)));
    const pairs: [number, number][] = [];
    for (let a = 0; a < this.hosts; a++) {
      for (let b = a + 1; b < this.hosts; b++) {
        const ga = groupOf.get(a);
        if (ga === undefined || ga !== groupOf.get(b)) pairs.push([a, b]);
      }
    }
    await this.heal();
    await this.cut(pairs);
  }

  /** Cuts host `i` off from every other host; the test process still reaches it. */
  async isolate(i: number): Promise<void> {
    await this.partition([[i], Array.from({ length: this.hosts }, (_, h) => h).filter((h) => h !== i)]);
  }

  /** Everyone hears everyone again. */
  async heal(): Promise<void> {
    await Promise.all(this.namespaces.map((ns) => iptables(ns, "-F", "INPUT")));
  }

  /** Runs `command` inside host `i`'s namespace. */
  spawnIn(i: number, command: string, args: readonly string[]): ChildProcess {
    const namespace = this.namespaces[i];
    if (namespace === undefined) throw new Error(`no host ${i} in this network`);
    // `ip netns exec` execs the command itself, so the child's pid is the command's.
    return spawn("ip", ["netns", "exec", namespace, command, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  }

  /** Removes the links and namespaces; anything still running inside is killed. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    const all = [...this.namespaces, this.bridgeNamespace];
    await Promise.all(all.map((ns) => killProcessesIn(ns)));
    // Namespaces are torn down lazily by the kernel; deleting the host veth frees the subnet now.
    if (this.hostLink) await ip("link", "del", this.hostLink).catch(() => undefined);
    await Promise.all(all.map((ns) => ip("netns", "del", ns).catch(() => undefined)));
  }

  /** Last-resort cleanup when the test process exits without stop(): synchronous by necessity. */
  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.hostLink) {
      try {
        execFileSync("ip", ["link", "del", this.hostLink], { stdio: "ignore" });
      } catch {
        // Already gone.
      }
    }
    for (const ns of [...this.namespaces, this.bridgeNamespace]) {
      try {
        execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
      } catch {
        // Already gone.
      }
    }
  }
}

export interface NetnsClusterOptions {
  servers: number;
  /** Extra flags for every server agent. */
  flags?: string[];
  /** Keep the data dirs after stop (to read logs of a failed test). */
  keep?: boolean;
}

/**
 * Server processes, each on its own host of a NetnsNetwork: the same surface as TestCluster, plus
 * partitions between servers.
 */
export class NetnsCluster {
  readonly root: string;
  readonly servers: ServerProcess[] = [];
  private readonly clients: ApiClient[] = [];
  private readonly onExit = (): void => this.stopSync();

  private constructor(readonly opts: NetnsClusterOptions, readonly network: NetnsNetwork) {
    this.root = mkdtempSync(path.join(tmpdir(), "nomadish-netns-"));
    process.once("exit", this.onExit);
  }

  static async start(opts: NetnsClusterOptions): Promise<NetnsCluster> {
    const network = await NetnsNetwork.create(opts.servers);
    const cluster = new NetnsCluster(opts, network);
    for (let i = 0; i < opts.servers; i++) {
      cluster.servers.push({
        index: i, address: `${network.address(i)}:${SERVER_PORT}`, dataDir: path.join(cluster.root, `server${i}`),
        logFile: path.join(cluster.root, `server${i}.log`), process: undefined,
      });
    }
    for (const server of cluster.servers) cluster.spawn(server);
    return cluster;
  }

  get addresses(): string[] {
    return this.servers.map((s) => s.address);
  }

  /** Starts (or restarts) a server process with its data dir, inside its namespace. */
  spawn(server: ServerProcess, extraFlags: string[] = []): void {
    const others = this.servers.filter((s) => s !== server).map((s) => s.address).join(",");
    const args = [
      repoPath("bin", "nomadish.js"), "agent", "-server", "-data-dir", server.dataDir,
      "-bind", this.network.address(server.index), "-port", String(SERVER_PORT),
      "-node", `server${server.index}`, "-bootstrap-expect", String(this.servers.length), ...(others ? ["-retry-join", others] : []),
      ...(this.opts.flags ?? []), ...extraFlags,
    ];
    const nodeArgs = (process.env["NOMADISH_SERVER_NODE_ARGS"] ?? "").split(" ").filter((a) => a !== "");
    const log = createWriteStream(server.logFile, { flags: "a" });
    const child = this.network.spawnIn(server.index, process.execPath, [...nodeArgs, ...args]);
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    server.process = child;
    child.once("exit", () => {
      if (server.process === child) server.process = undefined;
    });
  }

  /** A client for the given servers (all by default), failing over between them. */
  client(addresses = this.addresses, timeoutMs = 10_000): ApiClient {
    const client = new ApiClient({ addresses, timeoutMs });
    this.clients.push(client);
    return client;
  }

  /** A server's own view of Raft, or undefined when it does not answer. */
  async self(server: ServerProcess): Promise<pb.StatusSelfResponse | undefined> {
    const client = new ApiClient({ addresses: [server.address], timeoutMs: 500 });
    try {
      return await client.callAt(0, pb.StatusService.self, {});
    } catch {
      return undefined;
    } finally {
      client.close();
    }
  }

  /** Waits until the running servers (less `exclude`) agree on one leader among them; returns it. */
  async waitForLeader(timeoutMs = 20_000, exclude?: ServerProcess | readonly ServerProcess[]): Promise<ServerProcess> {
    const excluded = new Set(exclude === undefined ? [] : "index" in exclude ? [exclude] : exclude);
    return waitFor("a leader", timeoutMs, async () => {
      const running = this.servers.filter((s) => s.process && !excluded.has(s));
      const views = await Promise.all(running.map((s) => this.self(s)));
      const leaderView = views.find((v) => v?.member?.leader);
      const leaderId = leaderView?.member?.id;
      if (!leaderId || views.some((v) => v?.raft?.leaderId !== leaderId)) return undefined;
      return running.find((s) => s.address === leaderView.member?.address);
    });
  }

  /**
   * Waits until every server answers with the same applied index, term, last log entry and
   * leader: they all hold the same log and have applied all of it. Returns their Raft views.
   */
  async waitForAgreement(timeoutMs = 20_000): Promise<pb.RaftStatus[]> {
    return waitFor("every server at the same applied index, term, last log entry and leader", timeoutMs, async () => {
      const rafts = (await Promise.all(this.servers.map((s) => this.self(s)))).map((v) => v?.raft);
      const [first] = rafts;
      if (!first || first.leaderId === "") return undefined;
      const same = (r: pb.RaftStatus | undefined): r is pb.RaftStatus => r !== undefined && r.appliedIndex === first.appliedIndex
        && r.term === first.term && r.lastLogIndex === first.lastLogIndex && r.lastLogTerm === first.lastLogTerm && r.leaderId === first.leaderId;
      return rafts.every(same) ? rafts.filter(same) : undefined;
    });
  }

  /** Signals a server and waits for it to exit (SIGKILL by default: it loses what it had not written). */
  kill(server: ServerProcess, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    return signalAndWait(server.process, signal);
  }

  /** Cuts `server` off from every other server, both ways; the test process still reaches it. */
  isolate(server: ServerProcess): Promise<void> {
    return this.network.isolate(server.index);
  }

  /** Servers in different groups cannot talk; a server in no group is alone. Replaces any earlier partition. */
  partition(groups: readonly (readonly ServerProcess[])[]): Promise<void> {
    return this.network.partition(groups.map((group) => group.map((s) => s.index)));
  }

  /** Every server hears every other again. */
  heal(): Promise<void> {
    return this.network.heal();
  }

  async stop(): Promise<void> {
    process.removeListener("exit", this.onExit);
    for (const client of this.clients) client.close();
    await Promise.all(this.servers.map(async (server) => {
      const child = server.process;
      if (!child) return;
      // A server that does not stop in time on SIGTERM is killed.
      const forced = setTimeout(() => child.kill("SIGKILL"), 5000);
      await this.kill(server, "SIGTERM");
      clearTimeout(forced);
    }));
    await this.network.destroy();
    if (!this.opts.keep && !process.env["NOMADISH_KEEP_CLUSTER"]) rmSync(this.root, { recursive: true, force: true });
  }

  /** The test process is exiting without stop(): kill the servers and remove the network. */
  private stopSync(): void {
    for (const server of this.servers) server.process?.kill("SIGKILL");
    this.network.destroySync();
  }
}
