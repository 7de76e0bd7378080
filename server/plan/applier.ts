// The plan applier (Nomad's planApply): the one place where scheduling decisions become state.
// Plans from every worker queue here and are applied one at a time, each checked against the
// newest state first, so two workers can never both fill the last space on a node.

import type { Allocation, Evaluation, Job, Plan, PlanResult } from "../../shared/model/index.js";
import type { Logger } from "../../shared/log.js";
import { PackedAllocMetric, type AllocationInput, type AllocStop, type ApplyResult, type StateCommand, type StateStore } from "../state/index.js";
import { evaluatePlan } from "./evaluate.js";

export type Propose = (command: StateCommand) => Promise<{ index: number; result: unknown }>;

export interface PlanSubmission {
  plan: Plan;
  /** Written with the plan when all of it commits: the evaluation's outcome and follow-ups. */
  evalsIfComplete: Evaluation[];
  /** Still true while the worker holds the evaluation; a plan for a redelivered eval is dropped. */
  stillOwned(): boolean;
}

export interface SubmitResult extends PlanResult {
  /** Whether `evalsIfComplete` were written with the plan. */
  evalsWritten: boolean;
}

export class PlanRejectedError extends Error {}

export interface PlanApplierModules {
  store: StateStore;
  propose: Propose;
  logger: Logger;
}

export interface PlanApplierStats {
  applied: number;
  partiallyRejected: number;
  allocsPlaced: number;
}

function toStop(a: Allocation, desired: "stop" | "evict"): AllocStop {
  return {
    allocId: a.id, desiredStatus: desired, desiredDescription: a.desiredDescription, modifyTimeMs: a.modifyTimeMs,
    ...(a.clientStatus === "lost" || a.clientStatus === "unknown" ? { clientStatus: a.clientStatus, clientDescription: a.clientDescription } : {}),
    ...(a.followupEvalId !== "" ? { followupEvalId: a.followupEvalId } : {}),
  };
}

/** The plan's job travels once per command; allocations of that exact version leave it out. */
function planJob(plan: Plan): Job | undefined {
  for (const allocs of Object.values(plan.nodeAllocation)) for (const a of allocs) if (a.evalId === plan.evalId) return a.job;
  return undefined;
}

export function planCommand(plan: Plan, evals: Evaluation[]): StateCommand {
  const job = planJob(plan);
  // Metrics go into the log packed: most of an allocation's bytes are its score table.
  const allocs: AllocationInput[] = Object.values(plan.nodeAllocation).flat().map((a) => {
    const { job: own, ...rest } = a;
    return { ...rest, ...(own !== job ? { job: own } : {}), metrics: PackedAllocMetric.pack(a.metrics) };
  });
  return {
    type: "alloc.upsert",
    ...(job ? { job } : {}),
    allocs,
    stopped: Object.values(plan.nodeUpdate).flat().map((a) => toStop(a, a.desiredStatus === "evict" ? "evict" : "stop")),
    preempted: Object.values(plan.nodePreemptions).flat().map((a) => toStop(a, "evict")),
    ...(plan.deployment ? { deployment: plan.deployment } : {}),
    deploymentUpdates: plan.deploymentUpdates,
    evals,
  };
}

const count = (m: Record<string, Allocation[]>): number => Object.values(m).reduce((n, a) => n + a.length, 0);

export class PlanApplier {
  private tail: Promise<unknown> = Promise.resolve();
  private stopped = false;
  readonly stats: PlanApplierStats = { applied: 0, partiallyRejected: 0, allocsPlaced: 0 };

  constructor(private readonly modules: PlanApplierModules) {}

  /** Queues a plan; resolves once its accepted part is committed (and applied here). */
  submit(submission: PlanSubmission): Promise<SubmitResult> {
    const run = this.tail.then(() => this.apply(submission));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Takes plans again (a server that leads again after losing leadership). */
  start(): void {
    this.stopped = false;
  }

  stop(): void {
    this.stopped = true;
  }

  private async apply({ plan, evalsIfComplete, stillOwned }: PlanSubmission): Promise<SubmitResult> {
    if (this.stopped) throw new PlanRejectedError("this server stopped leading; the plan was not applied");
    if (!stillOwned()) throw new PlanRejectedError(`evaluation ${plan.evalId} is no longer held by this worker`);
    // Let Raft heartbeats and I/O through between plans (checking one is CPU work).
    await new Promise((r) => setImmediate(r));
    const snap = this.modules.store.snapshot();
    const { accepted, rejected } = evaluatePlan(snap, plan);
    const complete = rejected.size === 0;
    if (!complete) {
      this.stats.partiallyRejected++;
      this.modules.logger.debug("plan partly rejected", { evalId: plan.evalId, nodes: [...rejected].map(([n, why]) => `${n.slice(0, 8)}: ${why}`).join("; ") });
    }
    const evals = complete ? evalsIfComplete : [];
    const empty = count(accepted.nodeAllocation) + count(accepted.nodeUpdate) + count(accepted.nodePreemptions) === 0 &&
      !accepted.deployment && accepted.deploymentUpdates.length === 0 && evals.length === 0;
    let index = snap.index;
    if (!empty) {
      const committed = await this.modules.propose(planCommand(accepted, evals));
      const result = committed.result as ApplyResult;
      if (!result.ok) throw new Error(`the plan of evaluation ${plan.evalId} could not be applied: ${result.error}`);
      index = committed.index;
      this.stats.applied++;
      this.stats.allocsPlaced += count(accepted.nodeAllocation);
    }
    return {
      nodeUpdate: accepted.nodeUpdate, nodeAllocation: accepted.nodeAllocation, nodePreemptions: accepted.nodePreemptions,
      ...(accepted.deployment ? { deployment: accepted.deployment } : {}),
      deploymentUpdates: accepted.deploymentUpdates,
      rejectedNodes: [...rejected.keys()],
      // A refresh must see at least the state the rejection was decided on.
      refreshIndex: complete ? 0 : Math.max(index, snap.index),
      allocIndex: index,
      evalsWritten: complete && evals.length > 0,
    };
  }
}
