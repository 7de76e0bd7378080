// Garbage collection on the leader: old finished evaluations go with their finished allocations,
// stopped jobs with nothing left are purged, long-down nodes are forgotten, and nothing that runs
// (or that a batch job still reports) is touched.

import test from "ava";
import type { StateCommand } from "../../../server/state/index.js";
import { GarbageCollector } from "../../../server/leader/gc.js";
import { allocation, usage } from "../scheduler/fixtures.js";
import { clusterNode, evaluation, logger, registerNodes, ReplicatedLog, serviceJob, sizedGroup } from "./harness.js";

const HOUR = 60 * 60_000;

function collector(log: ReplicatedLog): { gc: GarbageCollector; written: StateCommand[] } {
  const written: StateCommand[] = [];
  const gc = new GarbageCollector({ evalAgeMs: HOUR, jobAgeMs: 4 * HOUR, nodeAgeMs: 24 * HOUR, batch: 100 }, {
    store: log.store, logger,
    write: (command) => {
      written.push(command);
      log.must(command);
    },
  });
  return { gc, written };
}

test("an old finished evaluation is deleted with its stopped allocations; a running one and a recent one stay", (t) => {
  const log = new ReplicatedLog();
  registerNodes(log, clusterNode("n1"));
  const job = serviceJob("web", sizedGroup(2, 100));
  log.must({ type: "job.register", job });
  const stored = log.store.snapshot().job("default", "web");
  if (!stored) throw new Error("no job");
  const old = Date.now() - 2 * HOUR;
  log.must({ type: "eval.upsert", evals: [
    evaluation("e-old", "web", { status: "complete", modifyTimeMs: old }),
    evaluation("e-running", "web", { status: "complete", modifyTimeMs: old }),
    evaluation("e-new", "web", { status: "complete", modifyTimeMs: Date.now() }),
  ] });
  const g = stored.taskGroups[0];
  if (!g) throw new Error("no group");
  log.must({ type: "alloc.upsert", job: stored, allocs: [
    allocation("a-stopped", stored, g, "n1", usage(100, 256), { evalId: "e-old", desiredStatus: "stop", clientStatus: "complete" }),
    allocation("a-running", stored, g, "n1", usage(100, 256), { evalId: "e-running", clientStatus: "running" }),
  ] });
  const { gc, written } = collector(log);
  gc.tick();
  t.is(written.length, 1);
  t.deepEqual(written[0], { type: "eval.delete", evalIds: ["e-old"], allocIds: ["a-stopped"] });
  const snap = log.store.snapshot();
  t.truthy(snap.eval("e-running"));
  t.truthy(snap.eval("e-new"));
  t.truthy(snap.alloc("a-running"));
  t.falsy(snap.alloc("a-stopped"));
});

test("a stopped job with nothing running is purged after the job threshold; a down node after the node threshold", (t) => {
  const log = new ReplicatedLog();
  registerNodes(log, clusterNode("n1"), clusterNode("n2"));
  log.must({ type: "job.register", job: serviceJob("old", sizedGroup(1, 100), { stop: true, submitTimeMs: Date.now() - 5 * HOUR }) });
  log.must({ type: "job.register", job: serviceJob("fresh", sizedGroup(1, 100), { stop: true, submitTimeMs: Date.now() }) });
  log.must({ type: "node.status", nodeId: "n2", status: "down", updatedAtMs: Date.now() - 25 * HOUR });
  const { gc } = collector(log);
  gc.tick();
  const snap = log.store.snapshot();
  t.falsy(snap.job("default", "old"));
  t.truthy(snap.job("default", "fresh"));
  t.falsy(snap.node("n2"));
  t.truthy(snap.node("n1"));
});
