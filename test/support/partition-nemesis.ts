// Partition faults for linearizability runs, in the shape of test/jepsen's nemeses (a name, the
// target of the current fault, start() injects it, stop() heals): one random server cut off from
// the rest, or a random minority split from the majority. With three servers both cut off one
// server, leader or not; with five, the split also makes two-against-three partitions. Choices
// come from the run's seeded random source, so a seed replays the same faults.

import type { ServerProcess } from "./cluster.js";
import type { NetnsCluster } from "./netns.js";

/** What the faults need of a seeded random source (test/jepsen's Random fits). */
export interface NemesisRandom {
  /** A whole number in [0, n). */
  int(n: number): number;
}

export interface PartitionFault {
  readonly name: string;
  /** The current (or last) partition as addresses, e.g. "a | b,c", for a run's report. */
  readonly target: string | undefined;
  /** The current (or last) partition's groups of servers. */
  readonly groups: readonly (readonly ServerProcess[])[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

function describe(groups: readonly (readonly ServerProcess[])[]): string {
  return groups.map((group) => group.map((s) => s.address).join(",")).join(" | ");
}

/** A fault that cuts the cluster into the groups `choose` returns, and heals on stop. */
function partitionFault(name: string, cluster: NetnsCluster, choose: () => ServerProcess[][]): PartitionFault {
  let groups: ServerProcess[][] = [];
  return {
    name,
    get target() {
      return groups.length > 0 ? describe(groups) : undefined;
    },
    get groups() {
      return groups;
    },
    async start() {
      groups = choose();
      await cluster.partition(groups);
    },
    async stop() {
      await cluster.heal();
    },
  };
}

/** The servers in a random order (Fisher–Yates). */
function shuffled(servers: readonly ServerProcess[], random: NemesisRandom): ServerProcess[] {
  const order = [...servers];
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [order[i], order[j]] = [order[j] as ServerProcess, order[i] as ServerProcess];
  }
  return order;
}

/** Cuts one server, picked at random, off from all the others. */
export function isolateRandomServer(cluster: NetnsCluster, random: NemesisRandom): PartitionFault {
  return partitionFault("isolate-random", cluster, () => {
    const [alone, ...rest] = shuffled(cluster.servers, random);
    return alone ? [[alone], rest] : [rest];
  });
}

/** Splits a random minority (1 to ⌊(n−1)/2⌋ servers) from the majority. */
export function splitMinority(cluster: NetnsCluster, random: NemesisRandom): PartitionFault {
  return partitionFault("split-minority", cluster, () => {
    const order = shuffled(cluster.servers, random);
    const size = 1 + random.int(Math.max(1, Math.floor((order.length - 1) / 2)));
    return [order.slice(0, size), order.slice(size)];
  });
}

/** Every partition fault this module offers, by name (test/jepsen adds its own isolate-leader). */
export function partitionFaults(cluster: NetnsCluster, random: NemesisRandom): Map<string, PartitionFault> {
  return new Map([isolateRandomServer(cluster, random), splitMinority(cluster, random)].map((f) => [f.name, f]));
}
