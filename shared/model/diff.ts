// What changed between two versions of a job, as `job plan` and `job history -p` show it (Nomad's
// JobDiff). Values are text, field names are Nomad's ("Count", "Driver", "MemoryMB", "Meta[team]"),
// and every level says whether it was added, deleted, edited or left alone. The scheduler computes
// these (server/scheduler/diff); the CLI prints them.

export type DiffType = "None" | "Added" | "Deleted" | "Edited";

/** One scalar field. `old` is "" for an added field, `new` is "" for a deleted one. */
export interface FieldDiff {
  type: DiffType;
  name: string;
  old: string;
  new: string;
  /** e.g. "forces create" on a Count that grows. */
  annotations: string[];
}

/** A nested block, e.g. "RestartPolicy", "Constraint", "Config", "Resources". */
export interface ObjectDiff {
  type: DiffType;
  name: string;
  fields: FieldDiff[];
  objects: ObjectDiff[];
}

export interface TaskDiff {
  type: DiffType;
  name: string;
  fields: FieldDiff[];
  objects: ObjectDiff[];
  /** What the change does to running allocations, e.g. "forces create/destroy update". */
  annotations: string[];
}

export interface TaskGroupDiff {
  type: DiffType;
  name: string;
  fields: FieldDiff[];
  objects: ObjectDiff[];
  tasks: TaskDiff[];
  /** How many allocations each kind of update touches, e.g. {"create/destroy update": 2}; only non-zero counts. */
  updates: Record<string, number>;
}

export interface JobDiff {
  type: DiffType;
  id: string;
  fields: FieldDiff[];
  objects: ObjectDiff[];
  taskGroups: TaskGroupDiff[];
}

// Annotations on tasks and fields (Nomad's scheduler/annotate.go).
export const ANNOTATION_FORCES_CREATE = "forces create";
export const ANNOTATION_FORCES_DESTROY = "forces destroy";
export const ANNOTATION_FORCES_INPLACE_UPDATE = "forces in-place update";
export const ANNOTATION_FORCES_DESTRUCTIVE_UPDATE = "forces create/destroy update";

// Keys of TaskGroupDiff.updates.
export const UPDATE_TYPE_CREATE = "create";
export const UPDATE_TYPE_DESTROY = "destroy";
export const UPDATE_TYPE_MIGRATE = "migrate";
export const UPDATE_TYPE_CANARY = "canary";
export const UPDATE_TYPE_INPLACE_UPDATE = "in-place update";
export const UPDATE_TYPE_DESTRUCTIVE_UPDATE = "create/destroy update";
export const UPDATE_TYPE_IGNORE = "ignore";

/**
 * The scheduler's per-group counts that a diff is annotated with: a subset of both the
 * reconciler's DesiredUpdates and the wire message of that name.
 */
export interface DesiredUpdateCounts {
  place: number;
  stop: number;
  migrate: number;
  inPlaceUpdate: number;
  destructiveUpdate: number;
  canary: number;
  ignore: number;
}
