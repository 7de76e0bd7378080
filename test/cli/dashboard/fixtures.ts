// A small cluster as the dashboard's model sees it, and a fake terminal to draw it on.

import { PassThrough } from "node:stream";
import { DashboardModel, type RaftReport } from "../../../cli/dashboard/model.js";
import { metric, stub, T0 } from "../fixtures.js";
import { evaluation, group, job, node } from "../../support/model.js";

export { T0 };
export const ADDRESSES = ["127.0.0.1:4647", "127.0.0.1:4648", "127.0.0.1:4649"];

export function report(id: string, overrides: Partial<RaftReport> = {}): RaftReport {
  return {
    id, name: id, role: "follower", term: 3, leaderId: "server-1", lastLogIndex: 120, commitIndex: 120, appliedIndex: 120,
    lastContactMs: 40, clusterId: "c1a5e3d0-0000-0000-0000-000000000000", ...overrides,
  };
}

/** Three servers (server-1 leads), two jobs, two nodes, three allocations, two evaluations. */
export function fixtureModel(nowMs = T0): DashboardModel {
  const model = new DashboardModel(ADDRESSES, nowMs - 1000);
  model.loadSnapshot({
    index: 100,
    jobs: [
      job("web", { status: "running", taskGroups: [group("web", 3)], version: 2 }),
      job("report", { type: "batch", status: "pending", taskGroups: [group("report", 1)] }),
    ],
    nodes: [node("node-1", { name: "node-1" }), node("node-2", { name: "node-2", schedulingEligibility: "ineligible", nodeClass: "gpu" })],
    allocations: [
      stub("a1111111-0000-0000-0000-000000000000", { name: "web.web[0]", nodeId: "node-1", nodeName: "node-1", createIndex: 10 }),
      stub("a2222222-0000-0000-0000-000000000000", { name: "web.web[1]", nodeId: "node-1", nodeName: "node-1", createIndex: 11 }),
      stub("a3333333-0000-0000-0000-000000000000", { name: "web.web[2]", nodeId: "node-2", nodeName: "node-2", clientStatus: "pending", createIndex: 12 }),
    ],
    evaluations: [
      evaluation("e1111111-0000-0000-0000-000000000000", "web", { status: "complete", createIndex: 9 }),
      evaluation("e2222222-0000-0000-0000-000000000000", "report", {
        status: "blocked", createIndex: 20, failedTgAllocs: { report: metric({ dimensionExhausted: { memory: 2 }, coalescedFailures: 1 }) },
      }),
    ],
  }, nowMs - 500);
  model.applyEvents(101, [{ topic: "Job", type: "JobRegistered", key: "web", index: 101, job: job("web", { status: "running", taskGroups: [group("web", 3)], version: 2 }) }], nowMs - 400);
  model.applyPoll([
    { address: ADDRESSES[0] ?? "", ok: true, report: report("server-1", { role: "leader", lastContactMs: 0 }) },
    { address: ADDRESSES[1] ?? "", ok: true, report: report("server-2", { lastLogIndex: 117, commitIndex: 117, appliedIndex: 116 }) },
    { address: ADDRESSES[2] ?? "", ok: true, report: report("server-3") },
  ], nowMs - 100);
  return model;
}

/** The same cluster with its leader gone for 1.2 s: the two followers answer, neither leads. */
export function leaderlessModel(nowMs = T0): DashboardModel {
  const model = fixtureModel(nowMs - 1200);
  model.applyPoll([
    { address: ADDRESSES[0] ?? "", ok: false, error: "UNAVAILABLE" },
    { address: ADDRESSES[1] ?? "", ok: true, report: report("server-2", { role: "candidate", term: 4, leaderId: "" }) },
    { address: ADDRESSES[2] ?? "", ok: true, report: report("server-3", { term: 4, leaderId: "" }) },
  ], nowMs - 1000);
  return model;
}

export interface FakeTerminal {
  input: PassThrough;
  output: PassThrough;
}

/** Streams that look like a terminal of the given size to blessed; output is thrown away. */
export function fakeTerminal(columns: number, rows: number): FakeTerminal {
  const input = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, setRawMode(this: { isRaw: boolean }, raw: boolean) { this.isRaw = raw; return this; } });
  const output = Object.assign(new PassThrough(), { isTTY: true, columns, rows });
  output.resume();
  return { input, output };
}

/** The screen's text, escape codes removed, trailing spaces trimmed. */
export function screenText(shot: string): string {
  return shot.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\n$/, "").split("\n").map((l) => l.trimEnd()).join("\n");
}
