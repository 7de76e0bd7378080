// The evaluation monitor's words: what changed between two looks at an evaluation, and how it
// ended (exit 2 when placements failed).

import test from "ava";
import type { CommandIO } from "../../cli/command.js";
import { allocDrainChange } from "../../cli/drain-monitor.js";
import { changeLines, emptyView, MonitorOutput, reportOutcome, viewOf } from "../../cli/monitor.js";
import { evaluation } from "../support/model.js";
import { metric, stub, T0 } from "./fixtures.js";

process.env["TZ"] = "UTC";

function capture(): { io: CommandIO; out: () => string } {
  let text = "";
  return { io: { stdout: (s) => (text += s), stderr: (s) => (text += s), cwd: "/", env: {} }, out: () => text };
}

const EVAL = "816822c5-0000-0000-0000-000000000000";

test("a first look reports the trigger, the allocations created and the status change", (t) => {
  const ev = evaluation(EVAL, "web", { status: "complete", createIndex: 10 });
  const allocs = [
    stub("9e054006-1111", { evalId: EVAL, name: "web.web[1]", createIndex: 12, nodeId: "186e6985-aaaa" }),
    stub("aee7667c-2222", { evalId: EVAL, name: "web.web[0]", createIndex: 12, nodeId: "9edfa19f-bbbb" }),
    stub("0ther000-3333", { evalId: "another", name: "web.web[2]" }),
  ];
  t.deepEqual(changeLines(emptyView(), viewOf(ev, allocs)), [
    'Evaluation triggered by job "web"',
    'Allocation "aee7667c" created: node "9edfa19f", group "web"',
    'Allocation "9e054006" created: node "186e6985", group "web"',
    'Evaluation status changed: "pending" -> "complete"',
  ]);
});

test("allocations older than the evaluation were modified; later looks report client status changes", (t) => {
  const ev = evaluation(EVAL, "web", { status: "pending", createIndex: 20 });
  const before = viewOf(ev, [stub("9e054006-1111", { evalId: EVAL, createIndex: 12, clientStatus: "pending" })]);
  t.deepEqual(changeLines(emptyView(), before), ['Evaluation triggered by job "web"', 'Allocation "9e054006" modified: node "f7476465", group "web"']);
  const after = viewOf({ ...ev, status: "complete" }, [stub("9e054006-1111", { evalId: EVAL, createIndex: 12, clientStatus: "running" })]);
  t.deepEqual(changeLines(before, after), [
    'Allocation "9e054006" status changed: "pending" -> "running" (Tasks are running)',
    'Evaluation status changed: "pending" -> "complete"',
  ]);
});

test("a complete evaluation finishes with exit 0", (t) => {
  const { io, out } = capture();
  const code = reportOutcome(evaluation(EVAL, "web", { status: "complete" }), new MonitorOutput(io, () => T0));
  t.is(code, 0);
  t.is(out(), '==> 2024-05-10T14:05:56Z: Evaluation "816822c5" finished with status "complete"\n');
});

test("placement failures are listed per task group with the blocked evaluation, exit 2", (t) => {
  const { io, out } = capture();
  const ev = evaluation(EVAL, "web", {
    status: "complete", blockedEval: "2e8a9b34-0000",
    failedTgAllocs: { web: metric({ coalescedFailures: 1, nodesFiltered: 3, constraintFiltered: { "${attr.cpu.arch} = arm64": 3 } }) },
  });
  t.is(reportOutcome(ev, new MonitorOutput(io, () => T0)), 2);
  t.is(out(), [
    '==> 2024-05-10T14:05:56Z: Evaluation "816822c5" finished with status "complete" but failed to place all allocations:',
    '    2024-05-10T14:05:56Z: Task Group "web" (failed to place 2 allocations):',
    '      * Constraint "${attr.cpu.arch} = arm64": 3 nodes excluded by filter',
    '    2024-05-10T14:05:56Z: Evaluation "2e8a9b34" waiting for additional capacity to place remainder',
    "",
  ].join("\n"));
});

test("an evaluation that failed for another reason exits 1 and says why", (t) => {
  const { io, out } = capture();
  const ev = evaluation(EVAL, "web", { status: "failed", statusDescription: "maximum attempts reached (5)" });
  t.is(reportOutcome(ev, new MonitorOutput(io, () => T0), true), 1);
  t.is(out(), `==> 2024-05-10T14:05:56Z: Evaluation "${EVAL}" finished with status "failed": maximum attempts reached (5)\n`);
});

test("the drain monitor reports status changes and allocations being stopped", (t) => {
  const running = stub("a1");
  t.is(allocDrainChange(undefined, running), "");
  t.is(allocDrainChange(running, { ...running, desiredStatus: "stop" }), "draining");
  t.is(allocDrainChange({ ...running, desiredStatus: "stop" }, { ...running, desiredStatus: "stop", clientStatus: "complete" }), "status running -> complete");
  t.is(allocDrainChange(running, running), "");
});
