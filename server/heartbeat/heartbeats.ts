// Heartbeat timers (Nomad's nodeHeartbeater): the leader keeps one timer per live client node.
// A heartbeat resets it; when it fires the node missed its TTL and is marked down, which makes
// the scheduler replace its allocations.

export interface HeartbeatOptions {
  /** The shortest TTL handed to clients (Nomad's min_heartbeat_ttl: 10 s). */
  minTtlMs: number;
  /** Cluster-wide heartbeat rate the TTL is scaled to keep under (Nomad: 50/s). */
  maxHeartbeatsPerSecond: number;
  /** Extra time past the TTL before a node counts as missed (Nomad's heartbeat_grace: 10 s). */
  graceMs: number;
}

export const DEFAULT_HEARTBEAT_OPTIONS: HeartbeatOptions = { minTtlMs: 10_000, maxHeartbeatsPerSecond: 50, graceMs: 10_000 };

export interface HeartbeatModules {
  /** The node missed its heartbeat. */
  expired(nodeId: string): void;
  random?: () => number;
}

export class HeartbeatTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly random: () => number;

  constructor(private readonly opts: HeartbeatOptions, private readonly modules: HeartbeatModules) {
    this.random = modules.random ?? Math.random;
  }

  /**
   * The TTL for the next heartbeat: long enough that all nodes together stay under the rate
   * limit, plus a random stagger so heartbeats do not arrive in waves.
   */
  ttlMs(): number {
    const scaled = Math.max(this.opts.minTtlMs, (this.timers.size / this.opts.maxHeartbeatsPerSecond) * 1000);
    return Math.round(scaled + scaled * this.random());
  }

  /** The node heartbeated (or registered): it has `ttlMs` plus the grace to do so again. */
  reset(nodeId: string, ttlMs: number): void {
    const existing = this.timers.get(nodeId);
    const timer = setTimeout(() => {
      this.timers.delete(nodeId);
      this.modules.expired(nodeId);
    }, ttlMs + this.opts.graceMs);
    timer.unref();
    if (existing) clearTimeout(existing);
    this.timers.set(nodeId, timer);
  }

  clear(nodeId: string): void {
    const timer = this.timers.get(nodeId);
    if (timer) clearTimeout(timer);
    this.timers.delete(nodeId);
  }

  clearAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  has(nodeId: string): boolean {
    return this.timers.has(nodeId);
  }

  get size(): number {
    return this.timers.size;
  }
}
