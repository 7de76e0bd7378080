export { diffJobs } from "./diff.js";
export { annotateDiff, taskAnnotations } from "./annotate.js";
export type { DesiredUpdateCounts, DiffOptions, DiffType, FieldDiff, JobDiff, ObjectDiff, TaskDiff, TaskGroupDiff } from "./types.js";
