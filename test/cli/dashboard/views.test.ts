// The dashboard's pages as text, straight from a fixture model: no terminal involved.

import test from "ava";
import { useColor } from "../../../cli/dashboard/command.js";
import { bar, colorize, clusterPage, evalsPage, eventsPage, filterRows, headerText, jobPage, jobsPage, nodesPage, allocPage, placementSummary, seconds, tableLines } from "../../../cli/dashboard/views.js";
import { metric } from "../fixtures.js";
import { evaluation } from "../../support/model.js";
import { fixtureModel, leaderlessModel, T0 } from "./fixtures.js";

const text = (lines: readonly string[]) => lines.join("\n");

test("bars show the used fraction in ten cells and a percentage", (t) => {
  t.is(bar(52, 100), "[#####     ]  52%");
  t.is(bar(0, 0), "[          ]   0%");
  t.is(bar(150, 100, 4), "[####] 150%");
  t.is(seconds(1234), "1.2s");
  t.is(seconds(80), "80ms");
});

test("tables align columns and cut lines to the width", (t) => {
  t.deepEqual(tableLines([["ID", "Status"], ["web", "running"]], 80), ["ID   Status", "web  running"]);
  t.is(tableLines([["x".repeat(30)]], 10)[0], `${"x".repeat(9)}~`);
});

test("the jobs list shows type, status and running/desired per group, each row opening the job", (t) => {
  const page = jobsPage({ model: fixtureModel(), nowMs: T0, width: 80 });
  t.regex(page.head.at(-1) ?? "", /^ID\s+Type\s+Priority\s+Status\s+Groups/);
  t.is(page.rows.length, 2);
  t.regex(page.rows[0]?.text ?? "", /^report\s+batch\s+50\s+pending\s+report 0\/1$/);
  t.regex(page.rows[1]?.text ?? "", /^web\s+service\s+50\s+running\s+web 2\/3$/);
  t.deepEqual(page.rows[1]?.target, { view: "job", jobId: "web" });
});

test("a job shows its groups' counts and its allocations, each opening the allocation", (t) => {
  const page = jobPage({ model: fixtureModel(), nowMs: T0, width: 100 }, "web");
  const head = text(page.head);
  t.regex(head, /Version\s+= 2/);
  t.regex(head, /web\s+3\s+2\s+1\s+0\s+0\s+0/);
  t.regex(head, /Allocations \(3\)/);
  t.is(page.rows.length, 3);
  t.regex(page.rows[0]?.text ?? "", /^a3333333\s+node-2\s+web\s+2\s+run\s+pending/);
  t.deepEqual(page.rows[0]?.target, { view: "alloc", allocId: "a3333333-0000-0000-0000-000000000000" });
  t.regex(jobPage({ model: fixtureModel(), nowMs: T0, width: 80 }, "gone").empty, /is gone/);
});

test("an allocation shows its tasks with resources and their events newest first", (t) => {
  const page = allocPage({ model: fixtureModel(), nowMs: T0 + 60_000, width: 100 }, "a1111111-0000-0000-0000-000000000000");
  t.regex(text(page.head), /server\s+running\s+false\s+0\s+500 MHz\s+256 MiB/);
  t.deepEqual(page.rows.map((r) => r.text.split(/\s{2,}/)[2]), ["Started", "Received"]);
});

test("nodes show status, eligibility, drain, class and cpu/memory bars", (t) => {
  const page = nodesPage({ model: fixtureModel(), nowMs: T0, width: 100 });
  // node-1 runs two allocations of 500 MHz / 256 MiB out of 4000 MHz / 8192 MiB.
  t.regex(page.rows[0]?.text ?? "", /^node-1\s+ready\s+eligible\s+no\s+-\s+dc1\s+\[###       \]  25%\s+\[#         \]   6%$/);
  t.regex(page.rows[1]?.text ?? "", /^node-2\s+ready\s+ineligible\s+no\s+gpu/);
  const wide = nodesPage({ model: fixtureModel(), nowMs: T0, width: 200 });
  t.regex(wide.rows[0]?.text ?? "", /1000\/4000 MHz.*512\/8192 MiB/);
});

test("the cluster view lists every server with its Raft numbers and lag behind the leader", (t) => {
  const page = clusterPage({ model: fixtureModel(), nowMs: T0, width: 120 });
  t.regex(page.head[0] ?? "", /^Leader: server-1 \(127\.0\.0\.1:4647\), term 3/);
  t.regex(page.head.at(-1) ?? "", /Name\s+Address\s+Role\s+Term\s+Last Log\s+Commit\s+Applied\s+Lag\s+Last Contact/);
  t.regex(page.rows[0]?.text ?? "", /^server-1\s+127\.0\.0\.1:4647\s+leader\s+3\s+120\s+120\s+120\s+0\s+-$/);
  t.regex(page.rows[1]?.text ?? "", /^server-2\s+127\.0\.0\.1:4648\s+follower\s+3\s+117\s+117\s+116\s+3\s+40 ms$/);
});

test("the cluster view shows NO LEADER with a running timer, and the failover time after", (t) => {
  const model = leaderlessModel(T0);
  const page = clusterPage({ model, nowMs: T0, width: 120 });
  t.regex(page.head[0] ?? "", /^NO LEADER 1\.3s \(election in progress, term 4\)/);
  t.regex(page.rows[0]?.text ?? "", /unreachable/);
  t.regex(clusterPage({ model, nowMs: T0 + 700, width: 120 }).head[0] ?? "", /^NO LEADER 2\.0s/);
  t.regex(headerText(model, T0, false).text, /NO LEADER 1\.3s/);
  model.applyPoll([{ address: "127.0.0.1:4648", ok: true, report: { ...model.servers[1]!.report!, role: "leader" } }], T0 + 200);
  const after = clusterPage({ model, nowMs: T0 + 300, width: 120 });
  t.regex(after.head[0] ?? "", /^Leader: server-2/);
  t.is(after.head[1], "Last failover took 1500 ms");
});

test("evaluations show trigger, status and a placement failure summary", (t) => {
  const page = evalsPage({ model: fixtureModel(), nowMs: T0, width: 120 });
  t.regex(page.rows[0]?.text ?? "", /^e2222222\s+report\s+blocked\s+job-register\s+report: 2 unplaced \(memory exhausted on 2\)$/);
  t.regex(page.rows[1]?.text ?? "", /^e1111111\s+web\s+complete\s+job-register\s+-$/);
  t.is(placementSummary(evaluation("e", "j", { failedTgAllocs: { g: metric({ nodesEvaluated: 0 }) } })), "g: 1 unplaced (no eligible nodes)");
});

test("the event timeline lists the newest first", (t) => {
  const model = fixtureModel();
  model.applyEvents(140, [{ topic: "Node", type: "NodeDrain", key: "node-1", index: 140 }], T0);
  const page = eventsPage({ model, nowMs: T0, width: 100 });
  t.deepEqual(page.rows.map((r) => r.text.split(/\s+/)[2]), ["NodeDrain", "JobRegistered"]);
  t.deepEqual(page.rows[0]?.target, { view: "node", nodeId: "node-1" });
});

test("filters keep rows containing the text, ignoring case", (t) => {
  const rows = jobsPage({ model: fixtureModel(), nowMs: T0, width: 80 }).rows;
  t.deepEqual(filterRows(rows, "BATCH").map((r) => r.target), [{ view: "job", jobId: "report" }]);
  t.is(filterRows(rows, "").length, 2);
});

test("the header names the leader and shows STALE when no server answers", (t) => {
  const model = fixtureModel(T0);
  t.regex(headerText(model, T0, true).text, /^nomadish \| cluster c1a5e3d0 \| leader server-1 term 3 \| servers 3\/3 \| read-only$/);
  const stale = headerText(model, T0 + 5_000, false);
  t.regex(stale.text, /STALE$/);
  t.true(stale.alert);
});

test("colorize escapes tag braces and colours status words only when asked", (t) => {
  t.is(colorize("web {x} running failed", false), "web {open}x{close} running failed");
  t.is(colorize("web running failed", true), "web {green-fg}running{/green-fg} {red-fg}failed{/red-fg}");
  t.is(colorize("not-running pre-candidate", true), "not-running {yellow-fg}pre-candidate{/yellow-fg}");
});

test("useColor: a terminal without -no-color or NO_COLOR", (t) => {
  t.true(useColor(true, false, {}));
  t.true(useColor(true, false, { NO_COLOR: "" }));
  t.false(useColor(false, false, {}));
  t.false(useColor(true, true, {}));
  t.false(useColor(true, false, { NO_COLOR: "1" }));
});

test("a job lists its versions, newest first, the loaded ones and those that arrive as events", (t) => {
  const model = fixtureModel();
  model.loadSnapshot({
    index: 200, jobs: [...model.jobs.values()], nodes: [...model.nodes.values()], allocations: [...model.allocations.values()],
    evaluations: [...model.evaluations.values()],
    versions: new Map([["web", [{ version: 2, submitTimeMs: T0 - 60_000, stop: false }, { version: 1, submitTimeMs: T0 - 120_000, stop: false }]]]),
  }, T0 - 50);
  const web = model.jobs.get("web");
  if (!web) throw new Error("no job");
  model.applyEvents(201, [{ topic: "Job", type: "JobRegistered", key: "web", index: 201, job: { ...web, version: 3, submitTimeMs: T0 - 1_000 } }], T0 - 10);
  const head = text(jobPage({ model, nowMs: T0, width: 100 }, "web").head);
  const rows = head.split("\n").filter((l) => /^\d\s/.test(l));
  t.deepEqual(rows.map((l) => l.split(/\s+/)[0]), ["3", "2", "1"]);
  t.regex(head, /Versions\n\s*Version\s+Submitted\s+State\n3\s+.*current/);
});
