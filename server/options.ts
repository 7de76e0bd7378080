// Server agent settings and their defaults: tuned for fast failover on a LAN, scaled for slower
// networks by `raftMultiplier` as in Nomad.

export interface ServerOptions {
  name: string;
  dataDir: string;
  bind: string;
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
};

/** Raft timing at multiplier 1: 10 ms ticks, heartbeats every 50 ms, elections after 150–300 ms. */
export function raftTiming(multiplier: number) {
  return {
    tickMs: 10 * multiplier,
    heartbeatTicks: 5,
    electionTicks: 15,
  };
}
