// The plan applier (Nomad's planApply): the one place where scheduling decisions become state.
// Plans from every worker queue here and are checked one at a time against the newest state plus
// the plans still committing, so two workers can never both fill the last space on a node.

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

/** How many plans may be proposed and not yet committed at once. */
const MAX_PLANS_IN_FLIGHT = 4;

interface InFlight {
  plan: Plan;
  /** Nothing but new allocations: later plans can be checked with it counted as placed. */
  placesOnly: boolean;
  committed: Promise<unknown>;
}

function placesOnly(plan: Plan): boolean {
  return count(plan.nodeUpdate) + count(plan.nodePreemptions) === 0 &&
    Object.values(plan.nodeAllocation).every((allocs) => allocs.every((a) => a.createIndex === 0));
}

/**
 * Plans are checked and proposed one at a time, in order. A plan's Raft commit is not waited for
 * before the next one is checked and proposed (Nomad pipelines its plan applier too): the next
 * one is checked against the state plus the placements still being committed, which is safe
 * because the log commits in order, so no later plan commits without the earlier ones. Plans
 * that stop or update allocations are not pipelined: the next plan waits for their commit.
 */
export class PlanApplier {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly inFlight = new Set<InFlight>();
  private stopped = false;
  readonly stats: PlanApplierStats = { applied: 0, partiallyRejected: 0, allocsPlaced: 0 };

  constructor(private readonly modules: PlanApplierModules) {}

  /** Queues a plan; resolves once its accepted part is committed (and applied here). */
  submit(submission: PlanSubmission): Promise<SubmitResult> {
    const proposed = this.tail.then(() => this.propose(submission));
    this.tail = proposed.catch(() => undefined);
    return proposed.then((wait) => wait());
  }

  /** Takes plans again (a server that leads again after losing leadership). */
  start(): void {
    this.stopped = false;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Checks the plan and proposes what fits; returns how to wait for its commit. */
  private async propose({ plan, evalsIfComplete, stillOwned }: PlanSubmission): Promise<() => Promise<SubmitResult>> {
    // Let Raft heartbeats and I/O through between plans (checking one is CPU work).
    await new Promise((r) => setImmediate(r));
    while ([...this.inFlight].some((f) => !f.placesOnly) || this.inFlight.size >= MAX_PLANS_IN_FLIGHT) {
      await Promise.race([...this.inFlight].map((f) => f.committed));
    }
    if (this.stopped) throw new PlanRejectedError("this server stopped leading; the plan was not applied");
    if (!stillOwned()) throw new PlanRejectedError(`evaluation ${plan.evalId} is no longer held by this worker`);
    const snap = this.modules.store.snapshot();
    const { accepted, rejected } = evaluatePlan(snap, plan, [...this.inFlight].map((f) => f.plan));
    const complete = rejected.size === 0;
    if (!complete) {
      this.stats.partiallyRejected++;
      this.modules.logger.debug("plan partly rejected", { evalId: plan.evalId, nodes: [...rejected].map(([n, why]) => `${n.slice(0, 8)}: ${why}`).join("; ") });
    }
    const evals = complete ? evalsIfComplete : [];
    const empty = count(accepted.nodeAllocation) + count(accepted.nodeUpdate) + count(accepted.nodePreemptions) === 0 &&
      !accepted.deployment && accepted.deploymentUpdates.length === 0 && evals.length === 0;
    const result = (index: number): SubmitResult => ({
      nodeUpdate: accepted.nodeUpdate, nodeAllocation: accepted.nodeAllocation, nodePreemptions: accepted.nodePreemptions,
      ...(accepted.deployment ? { deployment: accepted.deployment } : {}),
      deploymentUpdates: accepted.deploymentUpdates,
      rejectedNodes: [...rejected.keys()],
      // A refresh must see at least the state the rejection was decided on.
      refreshIndex: complete ? 0 : Math.max(index, snap.index),
      allocIndex: index,
      evalsWritten: complete && evals.length > 0,
    });
    if (empty) {
      // Refused for placements still committing: the worker's refresh must see them, or it plans
      // the same placements against the same state again.
      const committing = complete ? [] : [...this.inFlight].map((f) => f.committed);
      if (committing.length === 0) return async () => result(snap.index);
      return async () => {
        await Promise.all(committing);
        return result(this.modules.store.snapshot().index);
      };
    }
    const committing = this.modules.propose(planCommand(accepted, evals));
    const entry: InFlight = { plan: accepted, placesOnly: placesOnly(accepted), committed: committing.catch(() => undefined) };
    this.inFlight.add(entry);
    void entry.committed.then(() => this.inFlight.delete(entry));
    return async () => {
      const committed = await committing;
      const applied = committed.result as ApplyResult;
      if (!applied.ok) throw new Error(`the plan of evaluation ${plan.evalId} could not be applied: ${applied.error}`);
      this.stats.applied++;
      this.stats.allocsPlaced += count(accepted.nodeAllocation);
      return result(committed.index);
    };
  }
}
