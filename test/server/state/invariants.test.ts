// Random command sequences (seeded): after every few commands the secondary indexes, counters and
// derived job statuses must agree with the primary tables, and a persist/restore round trip must
// reproduce every table, including the derived ones, exactly.

import test from "ava";
import { sumAllocUsage, type AllocClientStatus, type EvalStatus } from "../../../shared/model/index.js";
import { deriveJobStatus, isAllocTerminal, StateStore, type StateCommand, type StateSnapshot } from "../../../server/state/index.js";
import { seededFloats as rng } from "../../support/seeded.js";
import { allocation, evaluation, group, Harness, job, node, stateTables, withoutJob } from "./fixtures.js";

const JOBS = ["web", "db", "cache"];
const NODES = ["n1", "n2", "n3", "n4"];
const CLIENT: AllocClientStatus[] = ["pending", "running", "complete", "failed", "lost", "unknown"];
const EVAL: EvalStatus[] = ["pending", "blocked", "complete", "failed", "canceled"];

function randomCommand(random: () => number, snap: StateSnapshot, seq: number): StateCommand {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const allocIds = snap.allocs().map((a) => a.id);
  const evalIds = snap.evals().map((e) => e.id);
  const r = random();
  if (r < 0.12) return { type: "job.register", job: job(pick(JOBS), { priority: 1 + Math.floor(random() * 3), taskGroups: [group("web", 1 + Math.floor(random() * 3))] }), eval: evaluation(`e${seq}`, pick(JOBS)) };
  if (r < 0.16) return { type: "job.deregister", namespace: "default", jobId: pick(JOBS), purge: random() < 0.3 };
  if (r < 0.22) return { type: "node.register", node: node(pick(NODES)) };
  if (r < 0.24) return { type: "node.deregister", nodeIds: [pick(NODES)] };
  if (r < 0.40) {
    const jobId = pick(JOBS);
    const current = snap.job("default", jobId);
    const spec = current ?? job(jobId);
    const allocs = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => {
      // Sometimes an in-place update of an existing allocation that moves it between nodes/evals.
      const id = random() < 0.3 && allocIds.length > 0 ? pick(allocIds) : `a${seq}-${i}`;
      const jid = snap.alloc(id)?.jobId ?? jobId;
      return withoutJob(allocation(id, { ...spec, id: jid }, pick(NODES), { evalId: pick(["", `e${seq}`, "e-x"]), clientStatus: pick(CLIENT) }));
    });
    return { type: "alloc.upsert", ...(current === undefined || random() < 0.5 ? {} : { job: current }), allocs };
  }
  if (r < 0.50 && allocIds.length > 0) {
    return { type: "alloc.upsert", allocs: [], stopped: [{ allocId: pick(allocIds), desiredDescription: "stop", ...(random() < 0.3 ? { clientStatus: "lost" as const } : {}) }] };
  }
  if (r < 0.68 && allocIds.length > 0) {
    return { type: "alloc.clientUpdate", updates: [{ allocId: pick(allocIds), clientStatus: pick(CLIENT), clientDescription: "", taskStates: {}, modifyTimeMs: seq }] };
  }
  if (r < 0.82) {
    const id = random() < 0.5 && evalIds.length > 0 ? pick(evalIds) : `e${seq}`;
    return { type: "eval.upsert", evals: [evaluation(id, snap.eval(id)?.jobId ?? pick(JOBS), { status: pick(EVAL) })] };
  }
  if (r < 0.90) {
    return { type: "eval.delete", evalIds: evalIds.length > 0 ? [pick(evalIds)] : [], allocIds: allocIds.length > 0 && random() < 0.5 ? [pick(allocIds)] : [] };
  }
  const path = pick(["a", "b", "c/d"]);
  const existing = snap.variable(path);
  const checkIndex = random() < 0.5 ? undefined : random() < 0.5 ? (existing?.modifyIndex ?? 0) : Math.floor(random() * 5);
  if (random() < 0.7) return { type: "var.put", path, items: { v: String(seq) }, ...(checkIndex === undefined ? {} : { checkIndex }) };
  return { type: "var.delete", path, ...(checkIndex === undefined ? {} : { checkIndex }) };
}

function checkConsistency(snap: StateSnapshot): string[] {
  const problems: string[] = [];
  const d = snap.data;
  for (const [name, map] of Object.entries(d)) {
    if (typeof map === "object" && map !== null && "check" in map && typeof map.check === "function") {
      for (const p of (map.check as () => string[])()) problems.push(`${name}: ${p}`);
    }
  }
  const allocs = snap.allocs();
  if (d.allocsByNode.size !== allocs.length) problems.push("allocsByNode size differs from allocs");
  if (d.allocsByJob.size !== allocs.length) problems.push("allocsByJob size differs from allocs");
  if (d.allocsByEval.size !== allocs.filter((a) => a.evalId !== "").length) problems.push("allocsByEval size differs");
  for (const a of allocs) {
    if (!snap.allocsByNode(a.nodeId).includes(a)) problems.push(`alloc ${a.id} missing from its node's index`);
    if (!snap.allocsByJob(a.namespace, a.jobId).includes(a)) problems.push(`alloc ${a.id} missing from its job's index`);
    if (a.evalId !== "" && !snap.allocsByEval(a.evalId).includes(a)) problems.push(`alloc ${a.id} missing from its eval's index`);
  }
  for (const [nodeId, usage] of d.nodeUsage.entries()) {
    const expected = sumAllocUsage(snap.allocsByNode(nodeId).filter((a) => !isAllocTerminal(a)));
    const { modifyIndex: _, ...sums } = usage;
    const { modifyIndex: __, ...want } = expected;
    if (JSON.stringify(sums) !== JSON.stringify(want)) problems.push(`node ${nodeId} usage ${JSON.stringify(sums)} differs from its allocations' ${JSON.stringify(want)}`);
  }
  for (const a of allocs) {
    if (!isAllocTerminal(a) && d.nodeUsage.get(a.nodeId) === undefined) problems.push(`node ${a.nodeId} of live alloc ${a.id} has no usage`);
  }
  const evals = snap.evals();
  if (d.evalsByJob.size !== evals.length) problems.push("evalsByJob size differs from evals");
  for (const e of evals) if (!snap.evalsByJob(e.namespace, e.jobId).includes(e)) problems.push(`eval ${e.id} missing from its job's index`);
  for (const j of snap.jobs()) {
    const jobAllocs = snap.allocsByJob(j.namespace, j.id);
    const jobEvals = snap.evalsByJob(j.namespace, j.id);
    const counts = {
      allocs: jobAllocs.length,
      liveAllocs: jobAllocs.filter((a) => a.desiredStatus === "run" && !["complete", "failed", "lost"].includes(a.clientStatus)).length,
      evals: jobEvals.length,
      liveEvals: jobEvals.filter((e) => e.status === "pending" || e.status === "blocked").length,
      blockedEvals: jobEvals.filter((e) => e.status === "blocked").length,
    };
    const expected = deriveJobStatus(j, counts, false);
    // After garbage collection a job with nothing left is dead rather than pending.
    const gcDead = j.status === "dead" && counts.allocs === 0 && counts.evals === 0;
    if (j.status !== expected && !gcDead) problems.push(`job ${j.id} is ${j.status}, expected ${expected} from ${JSON.stringify(counts)}`);
  }
  return problems;
}


for (const seed of [7, 11, 2024]) {
  test(`random commands keep indexes, counters and statuses consistent (seed ${seed})`, (t) => {
    const random = rng(seed);
    const h = new Harness();
    for (let step = 1; step <= 600; step++) {
      const result = h.apply(randomCommand(random, h.snap, step));
      if (!result.ok && result.code === "internal") t.fail(`seed ${seed} step ${step}: ${result.error}`);
      const problems = checkConsistency(h.snap);
      if (problems.length > 0) {
        t.fail(`seed ${seed} step ${step}:\n${problems.join("\n")}`);
        return;
      }
      if (step % 25 === 0) {
        t.deepEqual(stateTables(StateStore.restore(h.store.persist()).snapshot()), stateTables(h.snap), `seed ${seed} step ${step}`);
      }
    }
    t.pass();
  });
}
