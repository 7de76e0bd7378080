import test from "ava";
import { allocClientStatus } from "../../../client/allocrunner/index.js";
import type { TaskState } from "../../../shared/model/index.js";

function state(s: TaskState["state"], failed = false): TaskState {
  return { state: s, failed, restarts: 0, lastRestartMs: 0, startedAtMs: 0, finishedAtMs: 0, events: [] };
}

test("the allocation's client status follows Nomad's rules", (t) => {
  t.deepEqual(allocClientStatus([state("pending"), state("pending")]), { status: "pending", description: "No tasks have started" });
  t.deepEqual(allocClientStatus([state("pending"), state("running")]), { status: "running", description: "Tasks are running" });
  t.deepEqual(allocClientStatus([state("dead"), state("running")]), { status: "running", description: "Tasks are running" });
  t.deepEqual(allocClientStatus([state("dead"), state("pending")]), { status: "pending", description: "No tasks have started" });
  t.deepEqual(allocClientStatus([state("dead"), state("dead")]), { status: "complete", description: "All tasks have completed" });
  t.deepEqual(allocClientStatus([state("dead", true), state("running")]), { status: "failed", description: "Failed tasks" });
});
