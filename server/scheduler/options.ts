// Options of the placement engine and their defaults (Nomad's values unless noted).

import { DEFAULT_DYNAMIC_PORT_MAX, DEFAULT_DYNAMIC_PORT_MIN } from "../../shared/model/index.js";

/** `binpack` fills nodes up (fewer, fuller nodes); `spread` prefers emptier nodes. */
export type SchedulerAlgorithm = "binpack" | "spread";

/** The operator-settable scheduler configuration that placement reads. */
export interface SchedulerConfig {
  algorithm: SchedulerAlgorithm;
}

export interface PlacementOptions {
  /** The evaluation being processed; it seeds the node shuffle and the dynamic port picks. */
  evalId: string;
  algorithm: SchedulerAlgorithm;
  dynamicPortMin: number;
  dynamicPortMax: number;
  /** How many of the best-scoring nodes an AllocMetric keeps in `scoreMetaData`. */
  scoreMetaTopN: number;
  /** Batch jobs rank this many feasible nodes; service jobs max(this, ceil(log2 N)). */
  minLimit: number;
  /** With affinities or spreads, rank at least this many nodes (or the group's count if larger) so they can take effect. */
  spreadAffinityLimit: number;
  /** Nodes whose final score is at or below this are passed over while better ones may follow… */
  skipScoreThreshold: number;
  /** …but at most this many of them per placement. */
  maxSkip: number;
  /** Cache class-only feasibility results per node class. Turning it off changes speed, never results. */
  classCaching: boolean;
}

export const defaultPlacementOptions: Omit<PlacementOptions, "evalId"> = {
  algorithm: "binpack",
  dynamicPortMin: DEFAULT_DYNAMIC_PORT_MIN,
  dynamicPortMax: DEFAULT_DYNAMIC_PORT_MAX,
  scoreMetaTopN: 5,
  minLimit: 2,
  spreadAffinityLimit: 100,
  skipScoreThreshold: 0,
  maxSkip: 3,
  classCaching: true,
};
