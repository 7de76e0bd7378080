// The scheduler's placement engine: given a read-only view of the cluster, a job, one of its
// task groups and the plan so far, choose a node and the resources the allocation gets there —
// or explain, in an AllocMetric, why no node can take it. Pure: no I/O, no clock, no global
// randomness (the evaluation id seeds every random choice).

import type { Job, TaskGroup } from "../../shared/model/index.js";
import type { SchedulerConfig } from "./options.js";
import { PlacementEngine, type PlacementModules } from "./stack.js";
import type { Placement, PlacementState, PlanView, SelectOptions } from "./types.js";

export { PlacementEngine, type PlacementEngineOptions, type PlacementModules } from "./stack.js";
export { defaultPlacementOptions, type PlacementOptions, type SchedulerAlgorithm, type SchedulerConfig } from "./options.js";
export { PlacementInputError } from "./errors.js";
export { EMPTY_PLAN, type NoNode, type Placement, type PlacedNode, type PlacementState, type PlanView, type SelectOptions } from "./types.js";
export { computeNodeClass } from "./class.js";
export { allocsFit, DIMENSION, fitGroup, isTerminal, nodeCapacity, parsePortRanges, usageFits } from "./resources.js";
export { candidateNodes, globMatch, isSchedulable } from "./feasible.js";
export { scoreFit } from "./rank.js";
export { hashString, SeededRng, shuffle, type Rng } from "./rng.js";
export { checkAttributeConstraint, checkConstraint, OperatorCache } from "./operators.js";
export { compareVersions, parseVersion, parseVersionConstraint, satisfies } from "./version.js";
export { compareAttributes, parseAttribute, type AttributeValue } from "./units.js";
export { constraintString, resolveNodeTarget } from "./target.js";

export interface SelectContext {
  /** Seeds the node order and port picks. */
  evalId: string;
  plan?: PlanView;
  config?: SchedulerConfig;
  clock?: PlacementModules["clock"];
}

/**
 * One placement, without keeping an engine. A scheduler placing several allocations in one
 * evaluation should keep a `PlacementEngine` instead, so its caches and node order carry over.
 */
export function selectNode(state: PlacementState, ctx: SelectContext, job: Job, group: TaskGroup, options: SelectOptions = {}): Placement {
  const engine = new PlacementEngine(
    { evalId: ctx.evalId, ...(ctx.config ? { algorithm: ctx.config.algorithm } : {}) },
    { state, ...(ctx.clock ? { clock: ctx.clock } : {}) },
  );
  return engine.select(job, group, ctx.plan, options);
}
export { annotateDiff, diffJobs, type DiffOptions } from "./diff/index.js";
