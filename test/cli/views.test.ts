// The tables and key = value blocks of `job status`, `alloc status`, `node status` and
// `eval status`, from fixture domain objects.

import test from "ava";
import { allocKeyValues, allocListTable } from "../../cli/views/allocs.js";
import { evalKeyValues, evalListTable, failedPlacementsText } from "../../cli/views/evals.js";
import { jobKeyValues, jobListTable, jobVersionText, placementFailureSection, summaryTable } from "../../cli/views/jobs.js";
import { allocatedResourcesTable, drainText, nodeListTable } from "../../cli/views/nodes.js";
import { taskSections, taskSummaryTable } from "../../cli/views/tasks.js";
import { jobListStub } from "../../shared/model/index.js";
import { evaluation, job, node } from "../support/model.js";
import { alloc, metric, stub, T0 } from "./fixtures.js";

// Timestamps print in local time, as Nomad's do; pin the zone so the expectations hold anywhere.
process.env["TZ"] = "UTC";

test("the job list is sorted by id; stopped jobs and periodic parents say so", (t) => {
  const jobs = [
    jobListStub(job("web", { status: "running", submitTimeMs: T0 })),
    jobListStub(job("backup", { type: "batch", status: "running", submitTimeMs: T0, periodic: { enabled: true, specs: ["@daily"], specType: "cron", prohibitOverlap: false, timeZone: "" } })),
    jobListStub(job("old", { status: "dead", stop: true, priority: 70, submitTimeMs: T0 })),
  ];
  t.is(jobListTable(jobs), [
    "ID      Type            Priority  Status          Submit Date",
    "backup  batch/periodic  50        running         2024-05-10T14:05:56Z",
    "old     service         70        dead (stopped)  2024-05-10T14:05:56Z",
    "web     service         50        running         2024-05-10T14:05:56Z",
    "",
  ].join("\n"));
  t.is(jobListTable([]), "No running jobs\n");
});

test("job status: key = value block and the summary table by task group", (t) => {
  t.is(jobKeyValues(job("web", { status: "running", submitTimeMs: T0, datacenters: ["dc1", "dc2"] })), [
    "ID            = web",
    "Name          = web",
    "Submit Date   = 2024-05-10T14:05:56Z",
    "Type          = service",
    "Priority      = 50",
    "Datacenters   = dc1,dc2",
    "Namespace     = default",
    "Node Pool     = default",
    "Status        = running",
    "Periodic      = false",
    "Parameterized = false",
    "",
  ].join("\n"));
  const counts = { queued: 0, starting: 0, running: 0, failed: 0, complete: 0, lost: 0, unknown: 0 };
  const summary = {
    jobId: "web", namespace: "default", createIndex: 1, modifyIndex: 2,
    summary: { web: { ...counts, running: 3 }, cache: { ...counts, queued: 2, running: 1, failed: 1 } },
  };
  t.is(summaryTable(summary), [
    "Task Group  Queued  Starting  Running  Failed  Complete  Lost  Unknown",
    "cache       2       0         1        1       0         0     0",
    "web         0       0         3        0       0         0     0",
    "",
  ].join("\n"));
});

test("allocation tables: short ids and ages, or full ids, eval, node name and times with -verbose", (t) => {
  const allocs = [
    stub("11111111-aaaa-bbbb-cccc-000000000001", { name: "web.web[1]", createIndex: 10 }),
    stub("22222222-aaaa-bbbb-cccc-000000000002", { name: "web.web[0]", createIndex: 20, clientStatus: "pending", createTimeMs: T0 + 60_000 }),
  ];
  t.is(allocListTable(allocs, { verbose: false, nowMs: T0 + 3_725_000 }), [
    "ID        Node ID   Task Group  Version  Desired  Status   Created   Modified",
    "22222222  f7476465  web         2        run      pending  1h1m ago  1h1m ago",
    "11111111  f7476465  web         2        run      running  1h2m ago  1h1m ago",
    "",
  ].join("\n"));
  const verbose = allocListTable(allocs.slice(1), { verbose: true, nowMs: T0 });
  t.is(verbose.split("\n")[0], "ID                                    Eval ID                               Node ID                               Node Name  Task Group  Version  Desired  Status   Created               Modified");
  t.regex(verbose, /^22222222-aaaa-bbbb-cccc-000000000002 {2}e1a2b3c4-0000-0000-0000-000000000000 {2}f7476465-4d6e-c0de-26d0-e383c49be941 {2}node-1 {5}web {9}2 {8}run {6}pending {2}2024-05-10T14:06:56Z {2}2024-05-10T14:07:01Z$/m);
  t.is(allocListTable([], { verbose: false, nowMs: T0 }), "No allocations placed\n");
});

test("alloc status: key = value block, then each task with resources, counters and events newest first", (t) => {
  const a = alloc("0a1d2a25-7f0a-4d3c-9a8e-1b2c3d4e5f60", {
    allocatedResources: {
      tasks: { server: { cpuMhz: 500, reservedCores: [], memoryMb: 256, memoryMaxMb: 0, devices: [] } }, diskMb: 300,
      ports: [{ label: "http", value: 24563, to: 8080, hostIp: "10.0.0.1" }, { label: "admin", value: 24564, to: 0, hostIp: "10.0.0.1" }],
    },
  });
  t.is(allocKeyValues(a, { verbose: false, nowMs: T0 + 125_000 }) + taskSections(a), `ID                  = 0a1d2a25-7f0a-4d3c-9a8e-1b2c3d4e5f60
Eval ID             = e1a2b3c4
Name                = web.web[0]
Node ID             = f7476465
Node Name           = node-1
Job ID              = web
Job Version         = 2
Client Status       = running
Client Description  = Tasks are running
Desired Status      = run
Desired Description = <none>
Created             = 2m5s ago
Modified            = 1m ago

Task "server" is "running"
Task Resources:
CPU      Memory   Disk     Addresses
500 MHz  256 MiB  300 MiB  http: 10.0.0.1:24563
                           admin: 10.0.0.1:24564

Task Events:
Started At     = 2024-05-10T14:05:56Z
Finished At    = N/A
Total Restarts = 0
Last Restart   = N/A

Recent Events:
Time                  Type      Description
2024-05-10T14:05:56Z  Started   Task started by client
2024-05-10T14:05:54Z  Received  Task received by client
`);
  t.is(taskSummaryTable(a), "Name    State    Last Event  Time                  Lifecycle\nserver  running  Started     2024-05-10T14:05:56Z  main\n");
});

test("alloc status -verbose adds the placement counters", (t) => {
  const a = alloc("0a1d2a25-7f0a-4d3c-9a8e-1b2c3d4e5f60", { metrics: metric({ nodesEvaluated: 4, nodesFiltered: 1, allocationTimeMs: 0.0358 }) });
  const text = allocKeyValues(a, { verbose: true, nowMs: T0 });
  t.regex(text, /^Eval ID {13}= e1a2b3c4-0000-0000-0000-000000000000$/m);
  t.regex(text, /^Created {13}= 2024-05-10T14:05:56Z$/m);
  t.regex(text, /^Evaluated Nodes {5}= 4\nFiltered Nodes {6}= 1\nExhausted Nodes {5}= 0\nAllocation Time {5}= 35\.8µs\nFailures {12}= 0$/m);
});

test("node list and the allocated resources of a node: used/total after reservations", (t) => {
  const n1 = node("f7476465-4d6e-c0de-26d0-e383c49be941", { name: "n1" });
  const n2 = node("0b2c3d4e-0000-0000-0000-000000000000", {
    name: "n2", nodeClass: "edge", schedulingEligibility: "ineligible",
    drainStrategy: { deadlineMs: 3_600_000, ignoreSystemJobs: true, forceDeadlineMs: T0, startedAtMs: T0 - 60_000 },
  });
  t.is(nodeListTable([n1, n2], false), [
    "ID        Node Pool  DC   Name  Class   Drain  Eligibility  Status",
    "0b2c3d4e  default    dc1  n2    edge    true   ineligible   ready",
    "f7476465  default    dc1  n1    <none>  false  eligible     ready",
    "",
  ].join("\n"));
  t.is(drainText(n1), "false");
  t.is(drainText(n2), "true; 2024-05-10T14:05:56Z deadline; ignoring system jobs");
  const reservedNode = node("n3", { reserved: { cpuMhz: 1000, memoryMb: 1024, diskMb: 10_000, reservedHostPorts: "" } });
  const allocs = [alloc("a1"), alloc("a2"), alloc("a3", { desiredStatus: "stop", clientStatus: "complete" })];
  t.is(allocatedResourcesTable(reservedNode, allocs), "CPU            Memory           Disk\n1000/3000 MHz  512 MiB/7.0 GiB  600 MiB/88 GiB\n");
});

test("eval status: the evaluation, then its failed placements and the blocked evaluation", (t) => {
  const ev = evaluation("5744eb15-0000-0000-0000-000000000000", "web", {
    status: "complete", blockedEval: "2e8a9b34-0000-0000-0000-000000000000", createTimeMs: T0, modifyTimeMs: T0,
    failedTgAllocs: { web: metric({ coalescedFailures: 1, nodesExhausted: 3, dimensionExhausted: { memory: 3 } }) },
  });
  t.is(evalKeyValues(ev, { verbose: false, nowMs: T0 + 30_000 }) + failedPlacementsText(ev, false), `ID                 = 5744eb15
Create Time        = 30s ago
Modify Time        = 30s ago
Status             = complete
Status Description = complete
Type               = service
TriggeredBy        = job-register
Job ID             = web
Namespace          = default
Priority           = 50
Placement Failures = true
Previous Eval      = <none>
Next Eval          = <none>
Blocked Eval       = 2e8a9b34

Failed Placements
Task Group "web" (failed to place 2 allocations):
  * Resources exhausted on 3 nodes
  * Dimension "memory" exhausted on 3 nodes

Evaluation "2e8a9b34" waiting for additional capacity to place remainder
`);
  t.is(failedPlacementsText(evaluation("e"), false), "");
});

test("eval list: newest first, a blocked evaluation is still in progress", (t) => {
  const evals = [
    evaluation("aaaaaaaa-1", "web", { status: "complete", createIndex: 5 }),
    evaluation("bbbbbbbb-2", "web", { status: "blocked", triggeredBy: "queued-allocs", createIndex: 9 }),
    evaluation("cccccccc-3", "", { status: "complete", triggeredBy: "node-update", nodeId: "f7476465-4d6e", createIndex: 7, failedTgAllocs: { web: metric() } }),
  ];
  t.is(evalListTable(evals, false), [
    "ID        Priority  Triggered By   Job ID  Namespace  Node ID   Status    Placement Failures",
    "bbbbbbbb  50        queued-allocs  web     default    <none>    blocked   N/A - In Progress",
    "cccccccc  50        node-update    <none>  default    f7476465  complete  true",
    "aaaaaaaa  50        job-register   web     default    <none>    complete  false",
    "",
  ].join("\n"));
  t.is(evalListTable([], false), "No evals found\n");
});

test("job status shows why placements failed only while an evaluation is blocked", (t) => {
  const failed = evaluation("e1", "web", { status: "complete", createIndex: 5, failedTgAllocs: { web: metric({ constraintFiltered: { "${attr.cpu.arch} = arm64": 3 } }) } });
  const blocked = evaluation("e2", "web", { status: "blocked", createIndex: 6 });
  t.is(placementFailureSection([failed, blocked]), '\nPlacement Failure\nTask Group "web":\n  * Constraint "${attr.cpu.arch} = arm64": 3 nodes excluded by filter\n');
  t.is(placementFailureSection([failed]), "");
});

test("job history: one block per version, the diff under it with -p", (t) => {
  t.is(jobVersionText(job("web", { version: 1, submitTimeMs: T0 }), true, '+/- Job: "web"\n+/- Task Group: "web"'), [
    "Version     = 1",
    "Stable      = true",
    "Submit Date = 2024-05-10T14:05:56Z",
    "Diff        =",
    '+/- Job: "web"',
    '+/- Task Group: "web"',
    "",
  ].join("\n"));
});
