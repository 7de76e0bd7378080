// Garbage collection on the leader (Nomad's core scheduler, simplified): evaluations that ended
// long ago go, with their allocations once those have ended on the client too; stopped jobs with
// nothing left running are purged; nodes down for long are forgotten. Without it the state (and
// every client's allocation list) only grows.

import type { Allocation } from "../../shared/model/index.js";
import type { Logger } from "../../shared/log.js";
import { isEvalTerminal, type StateCommand, type StateStore } from "../state/index.js";

export interface GcOptions {
  /** Nomad's eval_gc_threshold. */
  evalAgeMs: number;
  /** Nomad's job_gc_threshold. */
  jobAgeMs: number;
  /** Nomad's node_gc_threshold. */
  nodeAgeMs: number;
  /** At most this many evaluations per pass, so one Raft entry stays small. */
  batch: number;
}

export const DEFAULT_GC_OPTIONS: GcOptions = { evalAgeMs: 60 * 60_000, jobAgeMs: 4 * 60 * 60_000, nodeAgeMs: 24 * 60 * 60_000, batch: 1_000 };

const ENDED = new Set(["complete", "failed", "lost"]);

/** Ended on the client and not wanted by the servers, or never going to run. */
function collectable(a: Allocation): boolean {
  return ENDED.has(a.clientStatus) && (a.desiredStatus !== "run" || a.job.type === "batch" || a.job.type === "sysbatch" || a.clientStatus === "lost");
}

export class GarbageCollector {
  constructor(private readonly opts: GcOptions, private readonly modules: { store: StateStore; write(command: StateCommand): void; logger: Logger }) {}

  tick(nowMs = Date.now()): void {
    const snap = this.modules.store.snapshot();
    const evalIds: string[] = [];
    const allocIds: string[] = [];
    for (const ev of snap.evals()) {
      if (evalIds.length >= this.opts.batch) break;
      if (!isEvalTerminal(ev) || nowMs - ev.modifyTimeMs < this.opts.evalAgeMs) continue;
      const allocs = snap.allocsByEval(ev.id);
      // A batch job's finished allocations are its result: keep them while the job is around.
      const job = snap.job(ev.namespace, ev.jobId);
      if (!allocs.every(collectable) || (job && !job.stop && (job.type === "batch" || job.type === "sysbatch") && allocs.length > 0)) continue;
      evalIds.push(ev.id);
      allocIds.push(...allocs.map((a) => a.id));
    }
    if (evalIds.length > 0) {
      this.modules.logger.info("garbage-collecting evaluations", { evals: evalIds.length, allocs: allocIds.length });
      this.modules.write({ type: "eval.delete", evalIds, allocIds });
    }
    for (const job of snap.jobs("*")) {
      if (!job.stop || nowMs - job.submitTimeMs < this.opts.jobAgeMs) continue;
      if (snap.allocsByJob(job.namespace, job.id).some((a) => !collectable(a))) continue;
      if (snap.evalsByJob(job.namespace, job.id).some((e) => !isEvalTerminal(e))) continue;
      this.modules.write({ type: "job.deregister", namespace: job.namespace, jobId: job.id, purge: true });
    }
    const gone = snap.nodes().filter((n) => n.status === "down" && nowMs - n.statusUpdatedAtMs >= this.opts.nodeAgeMs && snap.allocsByNode(n.id).every(collectable));
    if (gone.length > 0) this.modules.write({ type: "node.deregister", nodeIds: gone.map((n) => n.id) });
  }
}
