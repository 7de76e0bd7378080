// What only the leader does (Nomad's establishLeadership): it runs the eval broker, the blocked
// evals, the scheduler workers, the plan applier, the heartbeat timers and the drainer. All of it
// is rebuilt from the state store when a server becomes leader and torn down when it stops.

import type { Evaluation, Node } from "../../shared/model/index.js";
import type { Logger } from "../../shared/log.js";
import { BlockedEvals, EvalBroker } from "../broker/index.js";
import { HeartbeatTimers, type HeartbeatOptions } from "../heartbeat/heartbeats.js";
import { PlanApplier } from "../plan/applier.js";
import type { SchedulerAlgorithm } from "../scheduler/index.js";
import type { ApplyResult, EventBatch, StateCommand, StateStore } from "../state/index.js";
import { Worker } from "../worker/worker.js";
import { DeploymentWatcher } from "./deployments.js";
import { Drainer } from "./drainer.js";
import { DEFAULT_GC_OPTIONS, GarbageCollector, type GcOptions } from "./gc.js";
import { newEval, nodeEvals } from "./evals.js";

export interface LeaderOptions {
  heartbeat: HeartbeatOptions;
  /** Scheduler workers on the leader. */
  numSchedulers: number;
  algorithm: SchedulerAlgorithm;
  /** How often the drainer looks at draining nodes. */
  drainIntervalMs: number;
  /** How often the deployment watcher looks at running deployments. */
  deploymentIntervalMs: number;
  /** Garbage collection thresholds; see GcOptions. */
  gc?: Partial<GcOptions>;
}

export interface LeaderModules {
  store: StateStore;
  propose(command: StateCommand): Promise<{ index: number; result: unknown }>;
  logger: Logger;
}

/** Nomad: an eval that failed `deliveryLimit` times is retried after this long. */
const FAILED_FOLLOWUP_DELAY_MS = 60_000;
const REAP_INTERVAL_MS = 1_000;
const UNBLOCK_FAILED_INTERVAL_MS = 60_000;
const CANCEL_BATCH = 500;
const GC_INTERVAL_MS = 5 * 60_000;

export class LeaderDuties {
  readonly broker = new EvalBroker<Evaluation>();
  readonly blocked: BlockedEvals<Evaluation>;
  readonly applier: PlanApplier;
  readonly heartbeats: HeartbeatTimers;
  private readonly workers: Worker[] = [];
  private drainer: Drainer;
  private deployments: DeploymentWatcher;
  private readonly loops: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private active = false;

  constructor(private readonly opts: LeaderOptions, private readonly modules: LeaderModules) {
    const log = modules.logger;
    this.blocked = new BlockedEvals<Evaluation>({}, {
      broker: this.broker,
      duplicates: (evals) => void this.write({ type: "eval.upsert", evals: evals.map((e) => ({ ...e, status: "canceled", statusDescription: "superseded by a newer blocked evaluation", modifyTimeMs: Date.now() })) }),
      logger: log,
    });
    this.applier = new PlanApplier({ store: modules.store, propose: modules.propose, logger: log.child("plan") });
    this.heartbeats = new HeartbeatTimers(opts.heartbeat, { expired: (nodeId) => this.nodeMissedHeartbeat(nodeId) });
    this.drainer = this.newDrainer();
    this.deployments = this.newDeploymentWatcher();
  }

  private newDrainer(): Drainer {
    return new Drainer({ store: this.modules.store, write: (command) => void this.write(command), logger: this.modules.logger.child("drain") });
  }

  private newDeploymentWatcher(): DeploymentWatcher {
    return new DeploymentWatcher({ store: this.modules.store, write: (command) => void this.write(command), logger: this.modules.logger.child("deployments") });
  }

  get isActive(): boolean {
    return this.active;
  }

  /** Rebuilds the leader's in-memory state from the store and starts its loops. */
  establish(): void {
    if (this.active) return;
    this.active = true;
    const { store, logger } = this.modules;
    this.applier.start();
    // Their memory of what they already asked for belongs to one term: start afresh.
    this.drainer = this.newDrainer();
    this.deployments = this.newDeploymentWatcher();
    this.broker.setEnabled(true);
    this.blocked.setEnabled(true);
    const snap = store.snapshot();
    let pending = 0;
    let blocked = 0;
    for (const ev of snap.evals()) {
      if (ev.status === "pending") {
        this.broker.enqueue(ev);
        pending++;
      } else if (ev.status === "blocked") {
        this.blocked.block(ev);
        blocked++;
      }
    }
    this.unsubscribe = store.onApply((batch) => this.observe(batch));
    // Clients heard from the old leader, not from us: give every live node a full TTL plus the
    // grace before any can count as missed, so a failover never marks healthy nodes down.
    const live = snap.nodes().filter((n) => n.status !== "down");
    for (const node of live) this.heartbeats.reset(node.id, this.failoverTtlMs(live.length));
    for (let i = 0; i < this.opts.numSchedulers; i++) {
      const worker = new Worker({
        broker: this.broker, store, applier: this.applier, propose: this.modules.propose,
        untrackBlocked: (ev) => this.untrackBlocked(ev), algorithm: () => this.opts.algorithm, logger: logger.child("worker"),
      });
      worker.start();
      this.workers.push(worker);
    }
    this.every(REAP_INTERVAL_MS, () => {
      this.reapFailedEvals();
      this.reapCancelableEvals();
    });
    // Unblocking hands the evals to the broker itself.
    this.every(UNBLOCK_FAILED_INTERVAL_MS, () => this.blocked.unblockFailed());
    this.every(this.opts.drainIntervalMs, () => this.drainer.tick());
    this.every(this.opts.deploymentIntervalMs, () => this.deployments.tick());
    const gc = new GarbageCollector({ ...DEFAULT_GC_OPTIONS, ...this.opts.gc }, {
      store, write: (command) => void this.write(command), logger: logger.child("gc"),
    });
    this.every(GC_INTERVAL_MS, () => gc.tick());
    logger.info("leader duties established", { pendingEvals: pending, blockedEvals: blocked, nodes: live.length, workers: this.opts.numSchedulers });
  }

  /** Stops everything the leader runs; the next leader rebuilds it from its own store. */
  async revoke(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    this.unsubscribe?.();
    for (const loop of this.loops.splice(0)) clearInterval(loop);
    this.heartbeats.clearAll();
    this.applier.stop();
    this.broker.setEnabled(false);
    this.blocked.setEnabled(false);
    await Promise.all(this.workers.splice(0).map((w) => w.stop()));
    this.modules.logger.info("leader duties revoked");
  }

  private every(ms: number, fn: () => void): void {
    const timer = setInterval(() => {
      try {
        fn();
      } catch (err) {
        this.modules.logger.error("a leader loop failed", { error: err as Error });
      }
    }, ms);
    timer.unref();
    this.loops.push(timer);
  }

  private failoverTtlMs(nodes: number): number {
    const scaled = Math.max(this.opts.heartbeat.minTtlMs, (nodes / this.opts.heartbeat.maxHeartbeatsPerSecond) * 1000);
    return 2 * scaled;
  }

  /**
   * Writes through Raft; resolves whether it was applied. Failures are logged: after a loss of
   * leadership the next leader redoes the work from its state; callers that took something out
   * of memory first put it back when the write failed while still leading.
   */
  private write(command: StateCommand): Promise<boolean> {
    return this.modules.propose(command).then(
      ({ result }) => {
        const r = result as ApplyResult;
        if (!r.ok) this.modules.logger.warn("a leader write was refused", { type: command.type, error: r.error });
        return r.ok;
      },
      (err: Error) => {
        if (this.active) this.modules.logger.warn("a leader write failed", { type: command.type, error: err.message });
        return false;
      },
    );
  }

  /** Feeds what the log applies to the broker, the blocked evals and the heartbeat timers. */
  private observe(batch: EventBatch): void {
    const snap = this.modules.store.snapshot();
    const freedClasses = new Set<string>();
    const freedNodes = new Set<string>();
    for (const event of batch.events) {
      switch (event.topic) {
        case "Evaluation": {
          const ev = event.payload.evaluation;
          if (event.type === "EvaluationDeleted") break;
          if (ev.status === "pending") this.broker.enqueue(ev);
          else if (ev.status === "blocked") this.blocked.block(ev);
          break;
        }
        case "Node": {
          const node = event.payload.node;
          if (event.type === "NodeDeregistration" || node.status === "down") {
            this.heartbeats.clear(node.id);
            break;
          }
          if (isSchedulable(node)) {
            freedClasses.add(node.computedClass);
            freedNodes.add(node.id);
          }
          break;
        }
        case "Allocation": {
          const alloc = event.payload.allocation;
          const ended = alloc.desiredStatus !== "run" || ["complete", "failed", "lost"].includes(alloc.clientStatus);
          if (!ended) break;
          const node = snap.node(alloc.nodeId);
          if (node && isSchedulable(node)) {
            freedClasses.add(node.computedClass);
            freedNodes.add(node.id);
          }
          break;
        }
        case "Job":
          if (event.type === "JobDeregistered" || event.payload.job.stop) this.cancelBlocked(event.payload.job.namespace, event.payload.job.id);
          break;
        default:
          break;
      }
    }
    for (const cls of freedClasses) this.blocked.unblock(cls, batch.index);
    for (const id of freedNodes) this.blocked.unblockNode(id, batch.index);
  }

  private cancelBlocked(namespace: string, jobId: string): void {
    const ev = this.blocked.untrack(namespace, jobId);
    if (ev) void this.write({ type: "eval.upsert", evals: [{ ...ev, status: "canceled", statusDescription: "the job was stopped", modifyTimeMs: Date.now() }] });
  }

  /** An evaluation placed everything: the job's older blocked eval has nothing left to do. */
  private untrackBlocked(ev: Evaluation): void {
    const blocked = this.blocked.blockedFor(ev.namespace, ev.jobId);
    if (!blocked || blocked.id === ev.id || blocked.createIndex > ev.createIndex) return;
    this.cancelBlocked(ev.namespace, ev.jobId);
  }

  /** Evals that failed too often are marked failed, with a delayed follow-up that tries again. */
  private reapFailedEvals(): void {
    const failed = this.broker.failed();
    if (failed.length === 0) return;
    const nowMs = Date.now();
    const evals: Evaluation[] = [];
    for (const ev of failed) {
      const followup = newEval({ ...ev, id: ev.jobId }, "failed-follow-up", { previousEval: ev.id, waitUntilMs: nowMs + FAILED_FOLLOWUP_DELAY_MS, nodeId: ev.nodeId, jobModifyIndex: ev.jobModifyIndex });
      evals.push({ ...ev, status: "failed", statusDescription: "evaluation reached the delivery limit", nextEval: followup.id, modifyTimeMs: nowMs }, followup);
    }
    this.modules.logger.warn("evaluations failed after repeated delivery", { count: failed.length });
    void this.write({ type: "eval.upsert", evals }).then((ok) => {
      // Not written but still leading: they would stay pending with nobody to run them.
      if (!ok && this.active) this.broker.enqueueAll(failed);
    });
  }

  /**
   * Evals that waited behind another eval of the same job are redundant once it ran: the
   * scheduler already saw the newest state. They are written as canceled (Nomad's
   * reapCancelableEvaluations).
   */
  private reapCancelableEvals(): void {
    const cancelable = this.broker.cancelable(CANCEL_BATCH);
    if (cancelable.length === 0) return;
    const nowMs = Date.now();
    void this.write({
      type: "eval.upsert",
      evals: cancelable.map((ev) => ({ ...ev, status: "canceled", statusDescription: "canceled after more recent eval was processed", modifyTimeMs: nowMs })),
    }).then((ok) => {
      if (!ok && this.active) this.broker.enqueueAll(cancelable);
    });
  }

  private nodeMissedHeartbeat(nodeId: string): void {
    const snap = this.modules.store.snapshot();
    const node = snap.node(nodeId);
    if (!node || node.status === "down") return;
    this.modules.logger.warn("node missed its heartbeat; marking it down", { nodeId, name: node.name });
    void this.write({
      type: "node.status", nodeId, status: "down", statusDescription: "node missed its heartbeat", updatedAtMs: Date.now(),
      evals: nodeEvals(snap, nodeId, "node-update", { liveOnly: true }),
    }).then((ok) => {
      // Try again soon unless the node heartbeated meanwhile (which set a new timer).
      if (!ok && this.active && !this.heartbeats.has(nodeId)) this.heartbeats.reset(nodeId, 0);
    });
  }
}

function isSchedulable(node: Node): boolean {
  return node.status === "ready" && node.schedulingEligibility === "eligible" && node.drainStrategy === undefined;
}
