export type { DesiredUpdateCounts, DiffType, FieldDiff, JobDiff, ObjectDiff, TaskDiff, TaskGroupDiff, } from "../../../shared/model/index.js";
export interface DiffOptions {
    /** Also list unchanged fields (type None) of changed blocks, for `job plan -verbose`. */
    contextual?: boolean;
}
