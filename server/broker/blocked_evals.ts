// Blocked evaluations (Nomad's BlockedEvals): evals that could not place everything wait here,
// on the leader only, until capacity that could help them appears; then they go back to the eval
// broker. An eval records which computed node classes the scheduler found eligible or ineligible:
//
//   captured — woken only by capacity on a class it found eligible, or a class it never saw
//   escaped  — its constraints reach past computed classes (e.g. unique attributes), so any
//              capacity change might help: woken by every unblock
//   system   — a system/sysbatch eval waiting on one node: woken by that node only
//
// At most one eval per job is kept (the newest by create index); the others are duplicates the
// leader cancels. An unblock that happened after the scheduler's snapshot but before the eval got
// here would be missed, so the tracker remembers the index of the latest unblock per class (and
// per node) and sends a late eval straight to the broker.

import type { Evaluation } from "../../shared/model/index.js";
import { jobKey } from "./eval_broker.js";
import { defaultBlockedEvalsOptions, silentLogger, type BlockedEvalsOptions, type BrokerLogger } from "./options.js";
import { realTimers, type BrokerTimers } from "./timers.js";

/** The fields of an evaluation the tracker reads. */
export interface BlockableEval {
  readonly id: string;
  readonly namespace: string;
  readonly jobId: string;
  readonly type: string;
  readonly nodeId: string;
  readonly triggeredBy: string;
  readonly createIndex: number;
  readonly snapshotIndex: number;
  readonly classEligibility: Readonly<Record<string, boolean>>;
  readonly escapedComputedClass: boolean;
}

/** Where unblocked evals go: the leader's eval broker. */
export interface EvalSink<E> {
  enqueueAll(evals: Iterable<E>): void;
}

export interface BlockedEvalsModules<E> {
  broker: EvalSink<E>;
  /**
   * Called with evals superseded by a newer blocked eval of the same job; the leader marks them
   * canceled in the state store. Without it they accumulate for `takeDuplicates()`.
   */
  duplicates?: (evals: E[]) => void;
  timers?: BrokerTimers;
  logger?: BrokerLogger;
}

export interface BlockedEvalsStats {
  totalBlocked: number;
  totalCaptured: number;
  totalEscaped: number;
  totalSystem: number;
  /** Blocked because the plan-attempt limit was hit; retried by `unblockFailed()`. */
  totalFailed: number;
  /** Duplicates not yet taken (only when no `duplicates` callback is set). */
  totalDuplicates: number;
  /** Blocked evals by "namespace/job". */
  byJob: Record<string, number>;
}

type Kind = "captured" | "escaped" | "system";

const MAX_PLAN_ATTEMPTS = "max-plan-attempts";

function isNodeBound(e: BlockableEval): boolean {
  return (e.type === "system" || e.type === "sysbatch") && e.nodeId !== "";
}

export class BlockedEvals<E extends BlockableEval = Evaluation> {
  private readonly opts: BlockedEvalsOptions;
  private readonly broker: EvalSink<E>;
  private readonly onDuplicates: ((evals: E[]) => void) | undefined;
  private readonly timers: BrokerTimers;
  private readonly log: BrokerLogger;

  private enabled = false;
  private readonly captured = new Map<string, E>();
  private readonly escaped = new Map<string, E>();
  /** System evals by id; and by node → ids. */
  private readonly system = new Map<string, E>();
  private readonly systemByNode = new Map<string, Set<string>>();
  /** Job → id of its blocked eval. */
  private readonly jobs = new Map<string, string>();
  /** Latest unblock index per computed class, and per node. */
  private readonly classIndexes = new Map<string, number>();
  private readonly nodeIndexes = new Map<string, number>();
  private maxClassIndex = 0;
  private duplicateList: E[] = [];
  private cancelFailedLoop: (() => void) | undefined;

  constructor(opts: Partial<BlockedEvalsOptions>, modules: BlockedEvalsModules<E>) {
    this.opts = { ...defaultBlockedEvalsOptions, ...opts };
    this.broker = modules.broker;
    this.onDuplicates = modules.duplicates;
    this.timers = modules.timers ?? realTimers();
    this.log = modules.logger ?? silentLogger;
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  /** Only the leader tracks blocked evals; disabling forgets them (the next leader re-reads them). */
  setEnabled(enabled: boolean): void {
    if (this.enabled === enabled) return;
    this.enabled = enabled;
    if (enabled) {
      if (this.opts.runFailedLoop) this.scheduleFailedLoop();
    } else {
      this.flush();
    }
  }

  /**
   * Tracks an eval that could not place everything. Returns the evals made redundant by it (an
   * older blocked eval of the job it replaced, or itself if a newer one is already blocked);
   * the same evals go to the `duplicates` callback.
   */
  block(evaluation: E): E[] {
    if (!this.enabled) return [];
    const key = jobKey(evaluation);
    const cancelable: E[] = [];
    const existingId = this.jobs.get(key);
    if (existingId !== undefined) {
      const existing = this.lookup(existingId);
      if (existing && existing.eval.id !== evaluation.id) {
        if (existing.eval.createIndex > evaluation.createIndex) {
          this.reportDuplicates([evaluation]);
          return [evaluation];
        }
        this.remove(existing.eval.id, existing.kind);
        cancelable.push(existing.eval);
      } else if (existing) {
        this.remove(existing.eval.id, existing.kind);
      }
    }

    if (this.missedUnblock(evaluation)) {
      this.log.debug("blocked eval missed an unblock; re-enqueued at once", { evalId: evaluation.id });
      this.broker.enqueueAll([evaluation]);
    } else {
      this.jobs.set(key, evaluation.id);
      if (isNodeBound(evaluation)) {
        this.system.set(evaluation.id, evaluation);
        let ids = this.systemByNode.get(evaluation.nodeId);
        if (!ids) this.systemByNode.set(evaluation.nodeId, (ids = new Set()));
        ids.add(evaluation.id);
      } else if (evaluation.escapedComputedClass) {
        this.escaped.set(evaluation.id, evaluation);
      } else {
        this.captured.set(evaluation.id, evaluation);
      }
    }
    if (cancelable.length > 0) this.reportDuplicates(cancelable);
    return cancelable;
  }

  /**
   * Capacity changed on nodes of `computedClass` at Raft `index` (a node joined or became
   * eligible, allocations stopped): evals that found the class eligible, never saw it, or
   * escaped class checking go back to the broker. Returns them.
   */
  unblock(computedClass: string, index: number): E[] {
    if (!this.enabled) return [];
    if ((this.classIndexes.get(computedClass) ?? 0) < index) this.classIndexes.set(computedClass, index);
    if (index > this.maxClassIndex) this.maxClassIndex = index;
    const out: E[] = [...this.escaped.values()];
    for (const e of this.captured.values()) {
      if (e.classEligibility[computedClass] !== false) out.push(e);
    }
    return this.release(out);
  }

  /** Capacity appeared on one node: the system evals waiting on it go back to the broker. */
  unblockNode(nodeId: string, index: number): E[] {
    if (!this.enabled) return [];
    if ((this.nodeIndexes.get(nodeId) ?? 0) < index) this.nodeIndexes.set(nodeId, index);
    const ids = this.systemByNode.get(nodeId);
    const out: E[] = [];
    for (const id of ids ?? []) {
      const e = this.system.get(id);
      if (e) out.push(e);
    }
    return this.release(out);
  }

  /** Retries evals blocked because the scheduler hit its plan-attempt limit. Run periodically. */
  unblockFailed(): E[] {
    if (!this.enabled) return [];
    const out: E[] = [];
    for (const set of [this.captured, this.escaped, this.system]) {
      for (const e of set.values()) if (e.triggeredBy === MAX_PLAN_ATTEMPTS) out.push(e);
    }
    return this.release(out);
  }

  /** The job's blocked eval is no longer wanted (job stopped, or a newer eval ran). */
  untrack(namespace: string, jobId: string): E | undefined {
    const key = jobKey({ namespace, jobId });
    const id = this.jobs.get(key);
    if (id === undefined) return undefined;
    const found = this.lookup(id);
    if (!found) {
      this.jobs.delete(key);
      return undefined;
    }
    this.remove(id, found.kind);
    return found.eval;
  }

  /** The blocked eval of a job, if any. */
  blockedFor(namespace: string, jobId: string): E | undefined {
    const id = this.jobs.get(jobKey({ namespace, jobId }));
    return id === undefined ? undefined : this.lookup(id)?.eval;
  }

  /** Duplicates collected when no `duplicates` callback is set; drains them. */
  takeDuplicates(): E[] {
    const out = this.duplicateList;
    this.duplicateList = [];
    return out;
  }

  stats(): BlockedEvalsStats {
    const byJob: Record<string, number> = {};
    let totalFailed = 0;
    for (const set of [this.captured, this.escaped, this.system]) {
      for (const e of set.values()) {
        const k = `${e.namespace}/${e.jobId}`;
        byJob[k] = (byJob[k] ?? 0) + 1;
        if (e.triggeredBy === MAX_PLAN_ATTEMPTS) totalFailed++;
      }
    }
    return {
      totalBlocked: this.captured.size + this.escaped.size + this.system.size,
      totalCaptured: this.captured.size,
      totalEscaped: this.escaped.size,
      totalSystem: this.system.size,
      totalFailed,
      totalDuplicates: this.duplicateList.length,
      byJob,
    };
  }

  flush(): void {
    this.captured.clear();
    this.escaped.clear();
    this.system.clear();
    this.systemByNode.clear();
    this.jobs.clear();
    this.classIndexes.clear();
    this.nodeIndexes.clear();
    this.maxClassIndex = 0;
    this.duplicateList = [];
    this.cancelFailedLoop?.();
    this.cancelFailedLoop = undefined;
  }

  // ---- internals ----

  private lookup(id: string): { eval: E; kind: Kind } | undefined {
    const c = this.captured.get(id);
    if (c) return { eval: c, kind: "captured" };
    const x = this.escaped.get(id);
    if (x) return { eval: x, kind: "escaped" };
    const s = this.system.get(id);
    if (s) return { eval: s, kind: "system" };
    return undefined;
  }

  private remove(id: string, kind: Kind): void {
    const e = this.lookup(id)?.eval;
    if (!e) return;
    if (kind === "captured") this.captured.delete(id);
    else if (kind === "escaped") this.escaped.delete(id);
    else {
      this.system.delete(id);
      const ids = this.systemByNode.get(e.nodeId);
      ids?.delete(id);
      if (ids?.size === 0) this.systemByNode.delete(e.nodeId);
    }
    const key = jobKey(e);
    if (this.jobs.get(key) === id) this.jobs.delete(key);
  }

  private release(evals: E[]): E[] {
    for (const e of evals) {
      const found = this.lookup(e.id);
      if (found) this.remove(e.id, found.kind);
    }
    if (evals.length > 0) {
      this.log.debug("unblocked evals", { count: evals.length });
      this.broker.enqueueAll(evals);
    }
    return evals;
  }

  /** Did an unblock that could have helped happen after the eval's scheduler snapshot? */
  private missedUnblock(e: E): boolean {
    if (isNodeBound(e)) return e.snapshotIndex < (this.nodeIndexes.get(e.nodeId) ?? 0);
    if (e.escapedComputedClass) return e.snapshotIndex < this.maxClassIndex;
    for (const [cls, index] of this.classIndexes) {
      if (e.snapshotIndex < index && e.classEligibility[cls] !== false) return true;
    }
    return false;
  }

  private reportDuplicates(evals: E[]): void {
    this.log.debug("duplicate blocked evals", { evalIds: evals.map((e) => e.id) });
    if (this.onDuplicates) this.onDuplicates(evals);
    else this.duplicateList.push(...evals);
  }

  private scheduleFailedLoop(): void {
    this.cancelFailedLoop = this.timers.setTimer(this.opts.unblockFailedIntervalMs, () => {
      this.cancelFailedLoop = undefined;
      if (!this.enabled) return;
      this.unblockFailed();
      this.scheduleFailedLoop();
    });
  }
}
