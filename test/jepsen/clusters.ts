// The clusters a linearizability run can use, each with the faults it supports: three servers on
// loopback (kill and pause the leader), or three servers in their own network namespaces (the
// same, plus partitions) when this machine can make them (Linux, root, iptables).

import { TestCluster, type ServerProcess } from "../support/cluster.js";
import { NetnsCluster, netnsUnavailableReason } from "../support/netns.js";
import { partitionFaults } from "../support/partition-nemesis.js";
import { isolateLeader, killLeader, pauseLeader, type Nemesis, type PartitionableCluster, type FaultableCluster } from "./nemesis.js";
import { seededRandom } from "./random.js";

export type ClusterKind = "loopback" | "netns";

export interface JepsenCluster {
  kind: ClusterKind;
  cluster: FaultableCluster<ServerProcess>;
  /** Every fault this cluster supports, in the order the schedule cycles through them. */
  nemeses: Nemesis[];
  /** Heals whatever is still injected and stops the servers. */
  stop(): Promise<void>;
}

/** "netns" when this machine can run servers in network namespaces, else "loopback" and why not. */
export async function bestClusterKind(): Promise<{ kind: ClusterKind; reason?: string }> {
  const reason = await netnsUnavailableReason();
  return reason === undefined ? { kind: "netns" } : { kind: "loopback", reason };
}

export async function startJepsenCluster(kind: ClusterKind, seed: number, flags: string[] = []): Promise<JepsenCluster> {
  if (kind === "loopback") {
    const cluster = await TestCluster.start({ servers: 3, flags });
    return { kind, cluster, nemeses: [killLeader(cluster), pauseLeader(cluster)], stop: () => stopAll(cluster, async () => {}, () => cluster.stop()) };
  }
  const cluster = await NetnsCluster.start({ servers: 3, flags });
  const partitionable: PartitionableCluster<ServerProcess> = cluster;
  const partitions = partitionFaults(cluster, seededRandom(seed + 1));
  const nemeses: Nemesis[] = [killLeader(cluster), isolateLeader(partitionable), pauseLeader(cluster), ...partitions.values()];
  return { kind, cluster, nemeses, stop: () => stopAll(cluster, () => cluster.heal(), () => cluster.stop()) };
}

/** A paused server would not hear the SIGTERM that stops it, and a partition outlives its servers. */
async function stopAll(cluster: FaultableCluster<ServerProcess>, heal: () => Promise<void>, stop: () => Promise<void>): Promise<void> {
  for (const server of cluster.servers) server.process?.kill("SIGCONT");
  await heal().catch(() => undefined);
  await stop();
}
