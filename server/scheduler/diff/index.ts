// Job diffs for `job plan` and `job history -p`. Pure: two job versions in, a JobDiff out.
export { diffJobs } from "./diff.js";
export { annotateDiff, taskAnnotations } from "./annotate.js";
export type { DesiredUpdateCounts, DiffOptions, DiffType, FieldDiff, JobDiff, ObjectDiff, TaskDiff, TaskGroupDiff } from "./types.js";
