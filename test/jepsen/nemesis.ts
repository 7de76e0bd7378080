// Faults to inject while the workload runs. A nemesis's start() injects its fault, stop() heals
// it. They work on any cluster with the small surface below, which both the loopback TestCluster
// (test/support/cluster.ts) and a cluster of servers in network namespaces provide.

/** A server process the nemeses can signal. */
export interface FaultableServer {
  readonly address: string;
  readonly process: { kill(signal: NodeJS.Signals): boolean } | undefined;
}

/** What the nemeses and the run use of a cluster. */
export interface FaultableCluster<S extends FaultableServer = FaultableServer> {
  readonly servers: readonly S[];
  readonly addresses: string[];
  waitForLeader(timeoutMs?: number): Promise<S>;
  /** Ends a server's process with `signal` (SIGKILL: at once, losing what it had not written). */
  kill(server: S, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a server again with its data dir. */
  spawn(server: S): void;
}

/** A cluster whose servers can be cut off from each other. */
export interface PartitionableCluster<S extends FaultableServer = FaultableServer> extends FaultableCluster<S> {
  /** Cuts `server` off from the other servers (clients can still reach it). */
  isolate(server: S): Promise<void>;
  /** Ends every partition. */
  heal(): Promise<void>;
}

export interface Nemesis {
  readonly name: string;
  /** Injects the fault. */
  start(): Promise<void>;
  /** Heals it. */
  stop(): Promise<void>;
  /** What the current (or last) fault hit, for the report. */
  readonly target?: string | undefined;
}

/** How long a nemesis waits to find the leader it aims at. */
const FIND_LEADER_MS = 10_000;

/** SIGKILL the leader; restart it (with its data dir) on heal. */
export function killLeader<S extends FaultableServer>(cluster: FaultableCluster<S>): Nemesis {
  let victim: S | undefined;
  return {
    name: "kill-leader",
    get target() {
      return victim?.address;
    },
    async start() {
      victim = await cluster.waitForLeader(FIND_LEADER_MS);
      await cluster.kill(victim, "SIGKILL");
    },
    async stop() {
      const restart = victim;
      victim = undefined;
      if (restart) cluster.spawn(restart);
    },
  };
}

/** SIGSTOP the leader: it stays in the cluster's membership and holds its connections, but says nothing; SIGCONT on heal. */
export function pauseLeader<S extends FaultableServer>(cluster: FaultableCluster<S>): Nemesis {
  let victim: S | undefined;
  return {
    name: "pause-leader",
    get target() {
      return victim?.address;
    },
    async start() {
      const leader = await cluster.waitForLeader(FIND_LEADER_MS);
      if (!leader.process?.kill("SIGSTOP")) throw new Error(`could not pause ${leader.address}`);
      victim = leader;
    },
    async stop() {
      victim?.process?.kill("SIGCONT");
      victim = undefined;
    },
  };
}

/** Cut the leader off from the other servers (a minority of one); heal the network on stop. */
export function isolateLeader<S extends FaultableServer>(cluster: PartitionableCluster<S>): Nemesis {
  let victim: S | undefined;
  return {
    name: "isolate-leader",
    get target() {
      return victim?.address;
    },
    async start() {
      victim = await cluster.waitForLeader(FIND_LEADER_MS);
      await cluster.isolate(victim);
    },
    async stop() {
      victim = undefined;
      await cluster.heal();
    },
  };
}

export function isPartitionable<S extends FaultableServer>(cluster: FaultableCluster<S>): cluster is PartitionableCluster<S> {
  const c = cluster as Partial<PartitionableCluster<S>>;
  return typeof c.isolate === "function" && typeof c.heal === "function";
}

/** Every nemesis the cluster supports, by name. */
export function nemesesFor<S extends FaultableServer>(cluster: FaultableCluster<S>): Map<string, Nemesis> {
  const all = new Map<string, Nemesis>([["kill-leader", killLeader(cluster)], ["pause-leader", pauseLeader(cluster)]]);
  if (isPartitionable(cluster)) all.set("isolate-leader", isolateLeader(cluster));
  return all;
}
