// Job diffs as `job plan` and `job history -p` print them, aligned like Nomad's.

import test from "ava";
import * as pb from "../../proto/index.js";
import { formatJobDiff } from "../../cli/diff.js";

const { ADDED, DELETED, EDITED, NONE } = pb.DiffType;

function field(type: pb.DiffType, name: string, old: string, value: string, annotations: string[] = []): pb.FieldDiff {
  return { type, name, old, new: value, annotations };
}

function taskDiff(type: pb.DiffType, name: string, extra: Partial<pb.TaskDiff> = {}): pb.TaskDiff {
  return { type, name, fields: [], objects: [], annotations: [], ...extra };
}

function groupDiff(type: pb.DiffType, name: string, extra: Partial<pb.TaskGroupDiff> = {}): pb.TaskGroupDiff {
  return { type, name, fields: [], objects: [], tasks: [], updates: {}, ...extra };
}

function jobDiff(type: pb.DiffType, taskGroups: pb.TaskGroupDiff[], extra: Partial<pb.JobDiff> = {}): pb.JobDiff {
  return { type, id: "web", fields: [], objects: [], taskGroups, ...extra };
}

test("a count change shows the group's updates and the edited field", (t) => {
  const diff = jobDiff(EDITED, [groupDiff(EDITED, "web", {
    fields: [field(EDITED, "Count", "2", "3", ["forces create"])],
    tasks: [taskDiff(NONE, "server")],
    updates: { ignore: 2, create: 1 },
  })]);
  t.is(formatJobDiff(diff), [
    '+/- Job: "web"',
    '+/- Task Group: "web" (1 create, 2 ignore)',
    '  +/- Count: "2" => "3" (forces create)',
    '      Task: "server"',
  ].join("\n"));
});

test("a new job is one line per group and task unless -verbose", (t) => {
  const diff = jobDiff(ADDED, [groupDiff(ADDED, "web", {
    fields: [field(ADDED, "Count", "", "3")],
    tasks: [taskDiff(ADDED, "server", { annotations: ["forces create"], fields: [field(ADDED, "Driver", "", "docker")] })],
    updates: { create: 3 },
  })], { fields: [field(ADDED, "Type", "", "service")] });
  t.is(formatJobDiff(diff), [
    '+ Job: "web"',
    '+ Task Group: "web" (3 create)',
    '  + Task: "server" (forces create)',
  ].join("\n"));
  t.is(formatJobDiff(diff, true), [
    '+ Job: "web"',
    '+ Type: "service"',
    '+ Task Group: "web" (3 create)',
    '  + Count: "3"',
    '  + Task: "server" (forces create)',
    '    + Driver: "docker"',
  ].join("\n"));
});

test("nested blocks align their values and close under their marker", (t) => {
  const config: pb.ObjectDiff = {
    type: EDITED, name: "Config", objects: [],
    fields: [field(EDITED, "image", "redis:3.2", "redis:4.0"), field(NONE, "port_map[0][db]", "6379", "6379")],
  };
  const diff = jobDiff(EDITED, [groupDiff(EDITED, "cache", {
    tasks: [taskDiff(EDITED, "redis", { annotations: ["forces create/destroy update"], objects: [config] })],
    updates: { "create/destroy update": 1 },
  })]);
  t.is(formatJobDiff(diff), [
    '+/- Job: "web"',
    '+/- Task Group: "cache" (1 create/destroy update)',
    '  +/- Task: "redis" (forces create/destroy update)',
    "    +/- Config {",
    '      +/- image:           "redis:3.2" => "redis:4.0"',
    '          port_map[0][db]: "6379"',
    "        }",
  ].join("\n"));
});

test("removed groups and edited job fields line up with the widest marker; groups are set apart", (t) => {
  const diff = jobDiff(EDITED, [
    groupDiff(DELETED, "old", { tasks: [taskDiff(DELETED, "t")], updates: { destroy: 1 } }),
    groupDiff(NONE, "same", { tasks: [taskDiff(NONE, "s")] }),
  ], { fields: [field(EDITED, "Priority", "50", "70"), field(ADDED, "Region", "", "eu")] });
  t.is(formatJobDiff(diff), [
    '+/- Job: "web"',
    '+/- Priority: "50" => "70"',
    '+   Region:   "eu"',
    '-   Task Group: "old" (1 destroy)',
    '    - Task: "t"',
    "",
    '    Task Group: "same"',
    '      Task: "s"',
  ].join("\n"));
});
