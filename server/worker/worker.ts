// A scheduler worker (Nomad's Worker): takes an evaluation from the broker, runs the scheduler
// for it on a snapshot at least as new as the evaluation, hands the plan to the plan applier,
// and re-plans on fresher state when part of the plan was rejected.

import { randomUUID } from "node:crypto";
import type { Evaluation } from "../../shared/model/index.js";
import type { Logger } from "../../shared/log.js";
import type { Delivery, EvalBroker } from "../broker/index.js";
import type { SchedulerAlgorithm } from "../scheduler/index.js";
import { processEval, type SchedulerResult } from "../scheduler/schedulers/index.js";
import type { StateCommand, StateStore } from "../state/index.js";
import type { PlanSubmission, SubmitResult } from "../plan/applier.js";
import { isPlanEmpty } from "../../shared/model/index.js";
import { timeOrderedId } from "../../shared/ids.js";

/** Nomad's limits on re-planning one evaluation before it is failed and retried later. */
const PLAN_ATTEMPTS: Record<string, number> = { service: 5, system: 5, batch: 2, sysbatch: 2 };
/** How long a worker waits for its server's state to catch up with an evaluation. */
const SNAPSHOT_WAIT_MS = 5_000;
/** Placements per scheduler run: enough to plan efficiently, few enough to keep Raft answering. */
const PLACEMENTS_PER_SLICE = 250;
export const SCHEDULER_QUEUES = ["service", "batch", "system", "sysbatch"] as const;

export interface WorkerModules {
  broker: EvalBroker<Evaluation>;
  store: StateStore;
  /** The plan applier (any object that takes plans the same way, in tests). */
  applier: { submit(submission: PlanSubmission): Promise<SubmitResult> };
  propose(command: StateCommand): Promise<{ index: number; result: unknown }>;
  /** The job's blocked eval is made obsolete by an evaluation that placed everything. */
  untrackBlocked(evaluation: Evaluation): void;
  algorithm(): SchedulerAlgorithm;
  /** Node usage shared by the leader's workers across evaluations. */
  logger: Logger;
}

export interface WorkerStats {
  processed: number;
  failed: number;
}

export class Worker {
  private readonly abort = new AbortController();
  private done: Promise<void> | undefined;
  readonly stats: WorkerStats = { processed: 0, failed: 0 };

  constructor(private readonly modules: WorkerModules) {}

  start(): void {
    this.done ??= this.run();
  }

  /** Stops taking work; resolves when the evaluation in hand is finished or given back. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private async run(): Promise<void> {
    const { broker, logger } = this.modules;
    while (!this.abort.signal.aborted) {
      const delivery = await broker.dequeue(SCHEDULER_QUEUES, 1_000, this.abort.signal);
      if (!delivery) continue;
      try {
        await this.process(delivery);
        broker.ack(delivery.eval.id, delivery.token);
        this.stats.processed++;
      } catch (err) {
        this.stats.failed++;
        if (!this.abort.signal.aborted) logger.warn("scheduling an evaluation failed; it will be retried", { evalId: delivery.eval.id, error: (err as Error).message });
        try {
          broker.nack(delivery.eval.id, delivery.token);
        } catch {
          // No longer outstanding (redelivered, or the broker was disabled): nothing to give back.
        }
      }
    }
  }

  private async process({ eval: ev, token }: Delivery<Evaluation>): Promise<void> {
    const { store, broker, applier } = this.modules;
    const stillOwned = () => broker.outstanding(ev.id) === token;
    let snapshot = await store.snapshotMinIndex(Math.max(ev.modifyIndex, ev.snapshotIndex), SNAPSHOT_WAIT_MS, this.abort.signal);
    const limit = PLAN_ATTEMPTS[ev.type] ?? 2;
    let result: SchedulerResult | undefined;
    for (let attempt = 1; ; attempt++) {
      // Planning is CPU work on the server's only thread: let Raft heartbeats and I/O through first.
      await new Promise((r) => setImmediate(r));
      result = processEval({
        eval: ev, snapshot, nowMs: Date.now(), newId: timeOrderedId, config: { algorithm: this.modules.algorithm(), maxPlacements: PLACEMENTS_PER_SLICE },
        clock: () => performance.now(),
      });
      const evals = outcomeEvals(result);
      if (isPlanEmpty(result.plan)) {
        await this.writeEvals(evals);
        break;
      }
      broker.pauseNackTimeout(ev.id, token);
      const submitted = await applier.submit({ plan: result.plan, evalsIfComplete: evals, stillOwned }).finally(() => {
        if (stillOwned()) broker.resumeNackTimeout(ev.id, token);
      });
      if (submitted.rejectedNodes.length === 0) {
        if (!submitted.evalsWritten) await this.writeEvals(evals);
        break;
      }
      if (attempt >= limit) {
        await this.writeEvals(maxAttemptsEvals(ev, result, randomUUID(), snapshot.index));
        return;
      }
      snapshot = await store.snapshotMinIndex(submitted.refreshIndex, SNAPSHOT_WAIT_MS, this.abort.signal);
    }
    const failed = Object.keys(result.evalUpdate.failedTgAllocs).length > 0;
    if (!failed && !result.reblock) this.modules.untrackBlocked(ev);
  }

  private async writeEvals(evals: Evaluation[]): Promise<void> {
    if (evals.length === 0) return;
    await this.modules.propose({ type: "eval.upsert", evals });
  }
}

/** The processed evaluation, the blocked one it leaves behind, and delayed follow-ups. */
function outcomeEvals(result: SchedulerResult): Evaluation[] {
  return [result.evalUpdate, ...(result.blockedEval ? [result.blockedEval] : []), ...result.followupEvals];
}

/**
 * Nomad's answer to a plan rejected too often: the evaluation fails, and a blocked one triggered
 * by "max-plan-attempts" retries it later (the leader's unblockFailed loop).
 */
function maxAttemptsEvals(ev: Evaluation, result: SchedulerResult, blockedId: string, snapshotIndex: number): Evaluation[] {
  const nowMs = Date.now();
  const blocked: Evaluation = {
    ...ev, id: blockedId, status: "blocked", triggeredBy: "max-plan-attempts", statusDescription: "created due to placement conflicts",
    previousEval: ev.id, nextEval: "", blockedEval: "", failedTgAllocs: {}, waitUntilMs: 0,
    classEligibility: {}, escapedComputedClass: true, snapshotIndex, createIndex: 0, modifyIndex: 0, createTimeMs: nowMs, modifyTimeMs: nowMs,
  };
  const failed: Evaluation = {
    ...result.evalUpdate, status: "failed", statusDescription: "evaluation reached the maximum number of plan attempts", blockedEval: blockedId, modifyTimeMs: nowMs,
  };
  return [failed, blocked];
}
