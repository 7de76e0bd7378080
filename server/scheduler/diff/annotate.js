// What a diff means for running allocations (Nomad's scheduler/annotate.go): task annotations say
// whether a change replaces allocations or updates them in place; `annotateDiff` adds the
// scheduler's counts per group once a plan exists.
import { ANNOTATION_FORCES_CREATE, ANNOTATION_FORCES_DESTROY, ANNOTATION_FORCES_DESTRUCTIVE_UPDATE, ANNOTATION_FORCES_INPLACE_UPDATE, UPDATE_TYPE_CANARY, UPDATE_TYPE_CREATE, UPDATE_TYPE_DESTROY, UPDATE_TYPE_DESTRUCTIVE_UPDATE, UPDATE_TYPE_IGNORE, UPDATE_TYPE_INPLACE_UPDATE, UPDATE_TYPE_MIGRATE, } from "../../../shared/model/index.js";
import { taskChange } from "../reconcile/tasks-updated.js";
/**
 * A task's annotations. A task of a group that comes or goes is created or destroyed with it;
 * otherwise any change to a task replaces its allocations unless the reconciler would update
 * them in place (tasks-updated.ts decides, so plan and scheduler agree). Unchanged: none.
 */
export function taskAnnotations(type, groupChange, old, next) {
    if (type === "None")
        return [];
    if (groupChange === "Added")
        return [ANNOTATION_FORCES_CREATE];
    if (groupChange === "Deleted")
        return [ANNOTATION_FORCES_DESTROY];
    // A task added to or removed from a group that stays replaces the group's allocations.
    if (old === undefined || next === undefined || taskChange(old, next) !== undefined)
        return [ANNOTATION_FORCES_DESTRUCTIVE_UPDATE];
    return [ANNOTATION_FORCES_INPLACE_UPDATE];
}
/** The TaskGroupDiff.updates key for each count, in Nomad's order. */
const UPDATE_KEYS = [
    ["ignore", UPDATE_TYPE_IGNORE],
    ["place", UPDATE_TYPE_CREATE],
    ["migrate", UPDATE_TYPE_MIGRATE],
    ["stop", UPDATE_TYPE_DESTROY],
    ["canary", UPDATE_TYPE_CANARY],
    ["inPlaceUpdate", UPDATE_TYPE_INPLACE_UPDATE],
    ["destructiveUpdate", UPDATE_TYPE_DESTRUCTIVE_UPDATE],
];
/**
 * A copy of `diff` with each group's `updates` set from the scheduler's counts for it (only
 * non-zero counts; a group without counts gets none), and its Count field annotated "forces
 * create" when it grows or "forces destroy" when it shrinks.
 */
export function annotateDiff(diff, desiredUpdates) {
    return {
        ...diff,
        taskGroups: diff.taskGroups.map((g) => annotateGroup(g, desiredUpdates[g.name])),
    };
}
function annotateGroup(group, counts) {
    const updates = {};
    for (const [field, key] of UPDATE_KEYS) {
        const n = counts?.[field] ?? 0;
        if (n !== 0)
            updates[key] = n;
    }
    return { ...group, fields: group.fields.map((f) => (f.name === "Count" ? annotateCount(f) : f)), updates };
}
function annotateCount(field) {
    const before = field.old === "" ? 0 : Number(field.old);
    const after = field.new === "" ? 0 : Number(field.new);
    const annotations = after > before ? [ANNOTATION_FORCES_CREATE] : after < before ? [ANNOTATION_FORCES_DESTROY] : [];
    return { ...field, annotations };
}
//# sourceMappingURL=annotate.js.map