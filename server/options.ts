// Server agent settings and their defaults: tuned for fast failover on a LAN, scaled for slower
// networks by `raftMultiplier` as in Nomad.

import type { SchedulerAlgorithm } from "./scheduler/index.js";

export interface ServerOptions {
  name: string;
  dataDir: string;
  bind: string;
  /** The address other servers and clients reach this one on; by default the bind address. */
  advertise?: string;
  port: number;
  region: string;
  datacenter: string;
  /** Form a new cluster once this many servers know of each other. */
  bootstrapExpect: number;
  /** Other servers' host:port to find the cluster through. */
  retryJoin: string[];
  /** Multiplies every Raft timeout: 1 for a LAN, larger for slow or distant networks. */
  raftMultiplier: number;
  /** How long a request waits for a leader during an election before giving up. */
  leaderHoldMs: number;
  /** The shortest heartbeat TTL given to clients (Nomad's min_heartbeat_ttl). */
  minHeartbeatTtlMs: number;
  /** Time past a missed TTL before a node is marked down (Nomad's heartbeat_grace). */
  heartbeatGraceMs: number;
  /** Scheduler workers the leader runs. */
  numSchedulers: number;
  /** binpack fills nodes up; spread spreads allocations evenly (Nomad's scheduler algorithm). */
  schedulerAlgorithm: SchedulerAlgorithm;
}

export const DEFAULT_SERVER_OPTIONS = {
  region: "global",
  datacenter: "dc1",
  bootstrapExpect: 1,
  retryJoin: [] as string[],
  raftMultiplier: 1,
  leaderHoldMs: 5000,
  port: 4647,
  bind: "127.0.0.1",
  minHeartbeatTtlMs: 10_000,
  heartbeatGraceMs: 10_000,
  // Scheduling is CPU work on one thread; a second worker overlaps planning with plan commits.
  numSchedulers: 2,
  schedulerAlgorithm: "binpack" as SchedulerAlgorithm,
};

/**
 * Raft timing at multiplier 1: 10 ms ticks, heartbeats every 20 ms, elections after 150–300 ms.
 * Heartbeats come at a small fraction of the election timeout (Nomad's Raft sends them at a
 * tenth of it): a leader whose event loop was held up (by a full garbage collection of a large
 * heap) then reaches its followers again right after, not up to a heartbeat interval later. At a
 * third of the timeout, that interval was often what turned such a pause into an election.
 */
export function raftTiming(multiplier: number) {
  return {
    tickMs: 10 * multiplier,
    heartbeatTicks: 2,
    electionTicks: 15,
  };
}
