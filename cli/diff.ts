// A job diff as `job plan` and `job history -p` print it: Nomad's formatJobDiff, markers
// (`+`, `-`, `+/-`) and names aligned so the values line up, without colour.

import * as pb from "../proto/index.js";

function marker(type: pb.DiffType): string {
  switch (type) {
    case pb.DiffType.ADDED: return "+ ";
    case pb.DiffType.DELETED: return "- ";
    case pb.DiffType.EDITED: return "+/- ";
    default: return "";
  }
}

const spaces = (n: number) => " ".repeat(Math.max(0, n));

/** The widest field name and the widest marker among fields and objects, for alignment. */
function longestPrefixes(fields: readonly pb.FieldDiff[], objects: readonly pb.ObjectDiff[]): { field: number; marker: number } {
  let field = 0;
  let mark = 0;
  for (const f of fields) {
    field = Math.max(field, f.name.length);
    mark = Math.max(mark, marker(f.type).length);
  }
  for (const o of objects) mark = Math.max(mark, marker(o.type).length);
  return { field, marker: mark };
}

function formatField(diff: pb.FieldDiff, start: number, keyPad: number, valuePad: number): string {
  const quote = (s: string) => JSON.stringify(s);
  const value = diff.type === pb.DiffType.DELETED ? quote(diff.old)
    : diff.type === pb.DiffType.EDITED ? `${quote(diff.old)} => ${quote(diff.new)}`
    : quote(diff.new);
  const annotations = diff.annotations.length > 0 ? ` (${diff.annotations.join(", ")})` : "";
  return `${spaces(start)}${marker(diff.type)}${spaces(keyPad)}${diff.name}: ${spaces(valuePad)}${value}${annotations}`;
}

function formatObject(diff: pb.ObjectDiff, start: number, keyPad: number): string {
  const mark = marker(diff.type);
  const head = `${spaces(start)}${mark}${spaces(keyPad)}${diff.name} {\n`;
  const longest = longestPrefixes(diff.fields, diff.objects);
  const body = alignedFieldsAndObjects(diff.fields, diff.objects, start + keyPad + 2, longest.field, longest.marker);
  return `${head}${body}\n${spaces(start + mark.length + keyPad)}}`;
}

function alignedFieldsAndObjects(
  fields: readonly pb.FieldDiff[], objects: readonly pb.ObjectDiff[], start: number, longestField: number, longestMarker: number,
): string {
  const lines = [
    ...fields.map((f) => formatField(f, start, longestMarker - marker(f.type).length, longestField - f.name.length)),
    ...objects.map((o) => formatObject(o, start, longestMarker - marker(o.type).length)),
  ];
  return lines.join("\n");
}

function formatTask(task: pb.TaskDiff, start: number, taskPad: number, verbose: boolean): string {
  let out = `${spaces(start)}${marker(task.type)}${spaces(taskPad)}Task: ${JSON.stringify(task.name)}`;
  if (task.annotations.length > 0) out += ` (${task.annotations.join(", ")})`;
  // An added or removed task is one line unless -verbose; an unchanged one always is.
  if (task.type === pb.DiffType.NONE || task.type === pb.DiffType.UNSPECIFIED) return out;
  if ((task.type === pb.DiffType.ADDED || task.type === pb.DiffType.DELETED) && !verbose) return out;
  const longest = longestPrefixes(task.fields, task.objects);
  return `${out}\n${alignedFieldsAndObjects(task.fields, task.objects, start + 2, longest.field, longest.marker)}`;
}

/** `(1 create, 2 ignore)`: how many allocations each kind of update touches, by kind name. */
function formatUpdates(updates: Readonly<Record<string, number>>): string {
  const kinds = Object.keys(updates).sort((a, b) => a.localeCompare(b));
  return kinds.length === 0 ? "" : ` (${kinds.map((k) => `${updates[k]} ${k}`).join(", ")})`;
}

function formatTaskGroup(group: pb.TaskGroupDiff, groupPad: number, verbose: boolean): string {
  let out = `${marker(group.type)}${spaces(groupPad)}Task Group: ${JSON.stringify(group.name)}${formatUpdates(group.updates)}\n`;
  const longest = longestPrefixes(group.fields, group.objects);
  const longestMarker = Math.max(longest.marker, ...group.tasks.map((t) => marker(t.type).length));
  if (group.type === pb.DiffType.EDITED || verbose) {
    const body = alignedFieldsAndObjects(group.fields, group.objects, groupPad + 2, longest.field, longestMarker);
    if (body !== "") out += `${body}\n`;
  }
  for (const task of group.tasks) out += `${formatTask(task, groupPad + 2, longestMarker - marker(task.type).length, verbose)}\n`;
  return out;
}

/** The whole diff, trimmed, e.g. `+/- Job: "web"` then its fields, groups and tasks. */
export function formatJobDiff(job: pb.JobDiff, verbose = false): string {
  let out = `${marker(job.type)}Job: ${JSON.stringify(job.id)}\n`;
  const longest = longestPrefixes(job.fields, job.objects);
  const longestMarker = Math.max(longest.marker, ...job.taskGroups.map((g) => marker(g.type).length));
  // The job's own fields only when it changed (or -verbose); groups always.
  if (job.type === pb.DiffType.EDITED || verbose) {
    const body = alignedFieldsAndObjects(job.fields, job.objects, 0, longest.field, longestMarker);
    if (body !== "") out += `${body}\n`;
  }
  for (const group of job.taskGroups) out += `${formatTaskGroup(group, longestMarker - marker(group.type).length, verbose)}\n`;
  return out.trim();
}

/** Whether the diff changes anything at all. */
export function isEmptyDiff(job: pb.JobDiff | undefined): boolean {
  return job === undefined || job.type === pb.DiffType.NONE || job.type === pb.DiffType.UNSPECIFIED;
}
