// Concurrent clients on a few job ids: each loop has its own ApiClient over all servers and issues
// one operation at a time — register (a fresh token), deregister with purge, or read — recording
// each one. A loop whose operation ended unknown carries on as a new process, as in Jepsen: the
// old process may still have that operation in flight.

import { ApiClient } from "../../shared/api/client.js";
import type { HistoryRecorder, Operation } from "./history.js";
import { JobOps } from "./job-ops.js";
import { seededRandom, type Random } from "./random.js";

export interface WorkloadOptions {
  addresses: string[];
  clients: number;
  /** Job ids in play: few, so that operations on one id overlap often. */
  keys: number;
  seed: number;
  /** Deadline of one attempt at one server. */
  attemptTimeoutMs?: number;
  /** Stale reads instead of linearizable ones: a deliberate weakening, to see the check catch it. */
  staleReads?: boolean;
}

const ATTEMPT_TIMEOUT_MS = 6_000;

export const jobKey = (i: number) => `jepsen-${i}`;

/** Reads are half the mix: they are what catches stale or lost state. */
const MIX = ["read", "read", "read", "read", "read", "register", "register", "register", "deregister", "deregister"] as const;

export class Workload {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly apis: ApiClient[] = [];

  constructor(private readonly opts: WorkloadOptions, private readonly recorder: HistoryRecorder) {}

  get keys(): string[] {
    return Array.from({ length: this.opts.keys }, (_, i) => jobKey(i));
  }

  start(): void {
    this.running = true;
    for (let i = 0; i < this.opts.clients; i++) {
      const api = new ApiClient({ addresses: this.opts.addresses, timeoutMs: this.opts.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS });
      this.apis.push(api);
      this.loops.push(this.loop(i, api, seededRandom(this.opts.seed * 1_000 + i)));
    }
  }

  private async loop(client: number, api: ApiClient, rng: Random): Promise<void> {
    const ops = new JobOps(api, this.recorder, {
      attemptTimeoutMs: this.opts.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS, firstServer: client, staleReads: this.opts.staleReads ?? false,
    });
    let process = client;
    let written = 0;
    while (this.running) {
      const key = rng.pick(this.keys);
      let op: Operation;
      switch (rng.pick(MIX)) {
        case "read":
          op = await ops.read(process, key);
          break;
        case "register":
          op = await ops.register(process, key, `p${process}.${written++}`);
          break;
        case "deregister":
          op = await ops.deregister(process, key);
          break;
      }
      if (op.outcome === "unknown") process += this.opts.clients;
    }
  }

  /** Lets every loop finish the operation it is in (each has a deadline), then closes the clients. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    for (const api of this.apis) api.close();
  }
}

/**
 * After the faults are healed: one read of every job id, retried until the cluster answers, so
 * that writes whose outcome was unknown are pinned down by a last observation.
 */
export async function finalReads(addresses: string[], recorder: HistoryRecorder, keys: readonly string[], deadlineMs: number, process: number): Promise<Operation[]> {
  const api = new ApiClient({ addresses, timeoutMs: ATTEMPT_TIMEOUT_MS });
  const ops = new JobOps(api, recorder, { attemptTimeoutMs: ATTEMPT_TIMEOUT_MS });
  const until = Date.now() + deadlineMs;
  const reads: Operation[] = [];
  try {
    for (const key of keys) {
      for (;;) {
        const op = await ops.read(process, key);
        if (op.outcome === "ok") {
          reads.push(op);
          break;
        }
        if (Date.now() > until) throw new Error(`the cluster did not answer a read of ${key} within ${deadlineMs} ms after the faults were healed`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    api.close();
  }
  return reads;
}
