// The schedulers: pure functions from an evaluation and a state snapshot to a plan. The worker
// that calls them submits the plan, writes the evaluations they return and retries on conflicts.

import { processGeneric } from "./generic.js";
import { processSystem } from "./system.js";
import type { SchedulerInput, SchedulerResult } from "./types.js";

export { processGeneric, taintedNodes } from "./generic.js";
export { ALLOC_NODE_INELIGIBLE, ALLOC_NODE_INFEASIBLE, processSystem } from "./system.js";
export type { SchedulerInput, SchedulerResult, SchedulerSnapshot } from "./types.js";

/** Runs the scheduler for the evaluation's job type. */
export function processEval(input: SchedulerInput): SchedulerResult {
  switch (input.eval.type) {
    case "system":
    case "sysbatch":
      return processSystem(input);
    case "service":
    case "batch":
      return processGeneric(input);
  }
}
