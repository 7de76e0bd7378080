// Job diffs on the wire (JobsPlanResponse.diff, JobsVersionsResponse.diffs).

import * as pb from "../../proto/index.js";
import type { DiffType, FieldDiff, JobDiff, ObjectDiff, TaskDiff, TaskGroupDiff } from "../model/index.js";
import { enumCodec } from "./convert.js";

export const diffTypeCodec = enumCodec<DiffType, pb.DiffType>("DiffType", {
  None: pb.DiffType.NONE,
  Added: pb.DiffType.ADDED,
  Deleted: pb.DiffType.DELETED,
  Edited: pb.DiffType.EDITED,
});

function fieldDiffToWire(f: FieldDiff): pb.FieldDiff {
  return { type: diffTypeCodec.toWire(f.type), name: f.name, old: f.old, new: f.new, annotations: [...f.annotations] };
}

function fieldDiffFromWire(f: pb.FieldDiff): FieldDiff {
  return { type: diffTypeCodec.fromWire(f.type), name: f.name, old: f.old, new: f.new, annotations: [...f.annotations] };
}

function objectDiffToWire(o: ObjectDiff): pb.ObjectDiff {
  return { type: diffTypeCodec.toWire(o.type), name: o.name, fields: o.fields.map(fieldDiffToWire), objects: o.objects.map(objectDiffToWire) };
}

function objectDiffFromWire(o: pb.ObjectDiff): ObjectDiff {
  return { type: diffTypeCodec.fromWire(o.type), name: o.name, fields: o.fields.map(fieldDiffFromWire), objects: o.objects.map(objectDiffFromWire) };
}

function taskDiffToWire(t: TaskDiff): pb.TaskDiff {
  return {
    type: diffTypeCodec.toWire(t.type), name: t.name, fields: t.fields.map(fieldDiffToWire), objects: t.objects.map(objectDiffToWire),
    annotations: [...t.annotations],
  };
}

function taskDiffFromWire(t: pb.TaskDiff): TaskDiff {
  return {
    type: diffTypeCodec.fromWire(t.type), name: t.name, fields: t.fields.map(fieldDiffFromWire), objects: t.objects.map(objectDiffFromWire),
    annotations: [...t.annotations],
  };
}

function taskGroupDiffToWire(g: TaskGroupDiff): pb.TaskGroupDiff {
  return {
    type: diffTypeCodec.toWire(g.type), name: g.name, fields: g.fields.map(fieldDiffToWire), objects: g.objects.map(objectDiffToWire),
    tasks: g.tasks.map(taskDiffToWire), updates: { ...g.updates },
  };
}

function taskGroupDiffFromWire(g: pb.TaskGroupDiff): TaskGroupDiff {
  return {
    type: diffTypeCodec.fromWire(g.type), name: g.name, fields: g.fields.map(fieldDiffFromWire), objects: g.objects.map(objectDiffFromWire),
    tasks: g.tasks.map(taskDiffFromWire), updates: { ...g.updates },
  };
}

export function jobDiffToWire(d: JobDiff): pb.JobDiff {
  return {
    type: diffTypeCodec.toWire(d.type), id: d.id, fields: d.fields.map(fieldDiffToWire), objects: d.objects.map(objectDiffToWire),
    taskGroups: d.taskGroups.map(taskGroupDiffToWire),
  };
}

export function jobDiffFromWire(d: pb.JobDiff): JobDiff {
  return {
    type: diffTypeCodec.fromWire(d.type), id: d.id, fields: d.fields.map(fieldDiffFromWire), objects: d.objects.map(objectDiffFromWire),
    taskGroups: d.taskGroups.map(taskGroupDiffFromWire),
  };
}
