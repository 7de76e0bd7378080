// The end of every scheduler run: the evaluation's outcome and, when placements failed, the
// blocked evaluation that retries them.

import type { Deployment, Evaluation, Job, Plan } from "../../../shared/model/index.js";
import { emptyDesiredUpdates, type DesiredUpdates } from "../reconcile/index.js";
import type { PlacementEngine } from "../stack.js";
import { newEvaluation, type FailedPlacements } from "./build.js";
import type { SchedulerInput, SchedulerResult } from "./types.js";

export interface Outcome {
  failures: FailedPlacements;
  queued: Record<string, number>;
  followupEvals: Evaluation[];
  engine: PlacementEngine;
  /** Whether failed placements wait in a blocked evaluation (service and batch jobs). */
  blockOnFailure: boolean;
  createdDeployment?: Deployment;
  /** The reconciler's counts; counted from the plan when left out (the system scheduler). */
  desiredTGUpdates?: Record<string, DesiredUpdates>;
}

/** Per task group: what the plan places, stops and updates. */
function countPlan(plan: Plan): Record<string, DesiredUpdates> {
  const out: Record<string, DesiredUpdates> = {};
  const group = (name: string): DesiredUpdates => (out[name] ??= emptyDesiredUpdates());
  for (const allocs of Object.values(plan.nodeAllocation)) {
    for (const a of allocs) {
      const g = group(a.taskGroup);
      if (a.createIndex > 0) g.inPlaceUpdate++;
      else if (a.previousAllocation !== "") g.destructiveUpdate++;
      else g.place++;
    }
  }
  for (const allocs of Object.values(plan.nodeUpdate)) for (const a of allocs) group(a.taskGroup).stop++;
  for (const g of Object.values(out)) g.stop = Math.max(0, g.stop - g.destructiveUpdate);
  return out;
}

export function finishEval(input: SchedulerInput, job: Job | undefined, plan: Plan, out: Outcome): SchedulerResult {
  const { eval: ev, nowMs } = input;
  const evalUpdate: Evaluation = {
    ...ev,
    status: "complete",
    statusDescription: "",
    failedTgAllocs: out.failures.byGroup,
    queuedAllocations: out.queued,
    snapshotIndex: input.snapshot.index,
    modifyTimeMs: nowMs,
  };
  const result: SchedulerResult = { plan, evalUpdate, reblock: false, followupEvals: out.followupEvals, desiredTGUpdates: out.desiredTGUpdates ?? countPlan(plan) };
  if (out.createdDeployment) result.createdDeployment = out.createdDeployment;
  if (!out.failures.any || !out.blockOnFailure) return result;

  const classEligibility = out.engine.classEligibility();
  const escapedComputedClass = out.engine.escapedComputedClass();
  if (ev.status === "blocked") {
    // Already a blocked evaluation: it goes back to waiting, knowing more about the classes.
    result.reblock = true;
    evalUpdate.status = "blocked";
    evalUpdate.classEligibility = classEligibility;
    evalUpdate.escapedComputedClass = escapedComputedClass;
    return result;
  }
  const blocked = newEvaluation(input, job, "queued-allocs", {
    status: "blocked",
    statusDescription: "created to place remaining allocations",
    classEligibility,
    escapedComputedClass,
  });
  evalUpdate.blockedEval = blocked.id;
  result.blockedEval = blocked;
  return result;
}
