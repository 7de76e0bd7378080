import { type DesiredUpdateCounts, type DiffType, type JobDiff, type Task } from "../../../shared/model/index.js";
/**
 * A task's annotations. A task of a group that comes or goes is created or destroyed with it;
 * otherwise any change to a task replaces its allocations unless the reconciler would update
 * them in place (tasks-updated.ts decides, so plan and scheduler agree). Unchanged: none.
 */
export declare function taskAnnotations(type: DiffType, groupChange: DiffType, old: Task | undefined, next: Task | undefined): string[];
/**
 * A copy of `diff` with each group's `updates` set from the scheduler's counts for it (only
 * non-zero counts; a group without counts gets none), and its Count field annotated "forces
 * create" when it grows or "forces destroy" when it shrinks.
 */
export declare function annotateDiff(diff: JobDiff, desiredUpdates: Readonly<Record<string, DesiredUpdateCounts>>): JobDiff;
