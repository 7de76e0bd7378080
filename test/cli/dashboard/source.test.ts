// The data source against a real one-server cluster: it finds the leader by polling, loads the
// lists, follows the event stream to a newly registered job, and stops cleanly. Plus the wire
// conversions it relies on.

import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { main } from "../../../cli/main.js";
import { DashboardModel } from "../../../cli/dashboard/model.js";
import { DashboardSource, modelEventFromWire, raftReportFromWire } from "../../../cli/dashboard/source.js";
import * as pb from "../../../proto/index.js";
import { TestCluster, waitFor } from "../../support/cluster.js";

test("Status.Self becomes a Raft report and an event keeps its topic and payload", (t) => {
  const report = raftReportFromWire({
    member: { id: "s1", name: "one", address: "a:1", region: "", datacenter: "", version: "", status: "alive", leader: true, voter: true },
    raft: { state: pb.RaftState.LEADER, term: 7, leaderId: "s1", leaderAddress: "a:1", commitIndex: 9, appliedIndex: 8, lastLogIndex: 10, lastLogTerm: 7, lastSnapshotIndex: 0, lastContactMs: 0 },
    uptimeMs: 1, stats: {}, clusterId: "c",
  });
  t.like(report, { id: "s1", name: "one", role: "leader", term: 7, lastLogIndex: 10, commitIndex: 9, appliedIndex: 8 });
  t.like(modelEventFromWire({ topic: pb.EventTopic.JOB, type: "JobDeregistered", key: "web", namespace: "default", index: 5 }),
    { topic: "Job", type: "JobDeregistered", key: "web", index: 5 });
});

test("against a real server the model sees the leader, the lists and new jobs from the event stream", async (t) => {
  const cluster = await TestCluster.start({ servers: 1 });
  const model = new DashboardModel(cluster.addresses, Date.now());
  const client = cluster.client();
  let changes = 0;
  const source = new DashboardSource(model, client, () => changes++);
  try {
    await cluster.waitForLeader();
    source.start();
    await waitFor("the model to see the leader", 20_000, () => Promise.resolve(model.leader.leaderId));
    await waitFor("the lists to load", 20_000, () => Promise.resolve(model.loaded ? true : undefined));
    t.is(model.servers[0]?.report?.role, "leader");
    t.false(model.isStale(Date.now()));

    const dir = mkdtempSync(path.join(tmpdir(), "dashboard-"));
    const file = path.join(dir, "dash.hcl");
    writeFileSync(file, `job "dash" {\n  datacenters = ["*"]\n  group "app" {\n    task "t" {\n      driver = "mock"\n    }\n  }\n}\n`);
    const code = await main(["job", "run", "-detach", file], { stdout: () => {}, stderr: () => {}, cwd: dir, env: { NOMADISH_ADDR: cluster.addresses.join(",") } });
    t.is(code, 0);
    await waitFor("the job to arrive through the event stream", 10_000, () => Promise.resolve(model.jobs.get("dash")));
    t.true(model.timeline.some((e) => e.type === "JobRegistered" && e.key === "dash"));
    t.true(changes > 0);
  } finally {
    source.stop();
    await cluster.stop();
  }
});
