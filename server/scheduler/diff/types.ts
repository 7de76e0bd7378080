// The diff's types live in shared/model (the CLI prints them and shared/wire converts them);
// they are re-exported here so the scheduler's diff has one import surface.

export type {
  DesiredUpdateCounts, DiffType, FieldDiff, JobDiff, ObjectDiff, TaskDiff, TaskGroupDiff,
} from "../../../shared/model/index.js";

export interface DiffOptions {
  /** Also list unchanged fields (type None) of changed blocks, for `job plan -verbose`. */
  contextual?: boolean;
}
