// A scheduler worker between a real eval broker, a real state store and the real plan applier:
// it schedules an evaluation end to end, re-plans on fresh state when a plan is rejected, gives
// up after the attempt limit with a failed eval and a "max-plan-attempts" blocked one, and turns
// an impossible job into exactly one blocked eval.

import test from "ava";
import type { Evaluation, Job, Plan } from "../../../shared/model/index.js";
import { EvalBroker } from "../../../server/broker/index.js";
import { PlanApplier, type PlanSubmission, type SubmitResult } from "../../../server/plan/applier.js";
import { Worker } from "../../../server/worker/worker.js";
import { allocation, usage } from "../scheduler/fixtures.js";
import {
  clusterNode, clusterViolations, describeJob, duplicateNames, evalsOf, liveAllocs, logger, registerJob, registerNodes,
  ReplicatedLog, serviceJob, sizedGroup, waitFor, type Propose,
} from "../leader/harness.js";

interface Rig {
  log: ReplicatedLog;
  broker: EvalBroker<Evaluation>;
  applier: PlanApplier;
  worker: Worker;
  untracked: Evaluation[];
  /** Plans in the order they were submitted. */
  plans: Plan[];
  results: SubmitResult[];
  /** Runs right before each plan goes to the real applier (attempt 1, 2, ...). */
  beforeSubmit: (submission: PlanSubmission, attempt: number) => void;
}

function rig(log: ReplicatedLog, opts: { nackDelayMs?: number; applierPropose?: Propose } = {}): Rig {
  const nack = opts.nackDelayMs === undefined ? {} : { initialNackDelayMs: opts.nackDelayMs, subsequentNackDelayMs: opts.nackDelayMs };
  const broker = new EvalBroker<Evaluation>(nack);
  broker.setEnabled(true);
  const applier = new PlanApplier({ store: log.store, propose: opts.applierPropose ?? log.proposer(), logger });
  const untracked: Evaluation[] = [];
  const plans: Plan[] = [];
  const results: SubmitResult[] = [];
  const hooks = { beforeSubmit: (_s: PlanSubmission, _attempt: number): void => {} };
  const worker = new Worker({
    broker, store: log.store, propose: log.proposer(), logger, algorithm: () => "binpack",
    untrackBlocked: (ev) => untracked.push(ev),
    applier: {
      submit: async (s) => {
        plans.push(s.plan);
        hooks.beforeSubmit(s, plans.length);
        const result = await applier.submit(s);
        results.push(result);
        return result;
      },
    },
  });
  const r: Rig = {
    log, broker, applier, worker, untracked, plans, results,
    set beforeSubmit(fn) {
      hooks.beforeSubmit = fn;
    },
    get beforeSubmit() {
      return hooks.beforeSubmit;
    },
  };
  return r;
}

/** Hands the stored eval (with its indexes) to the broker, as the leader's observer would. */
function enqueue(r: Rig, evalId: string): void {
  const ev = r.log.store.snapshot().eval(evalId);
  if (!ev) throw new Error(`eval ${evalId} is not stored`);
  r.broker.enqueue(ev);
}

async function stop(r: Rig): Promise<void> {
  await r.worker.stop();
  r.broker.setEnabled(false);
}

let filler = 0;

/** Another job's allocation takes all of `nodeId`'s cpu (a plan of another worker landed). */
function fillNode(log: ReplicatedLog, other: Job, nodeId: string): number {
  const g = other.taskGroups[0];
  if (!g) throw new Error("no group");
  const node = log.store.snapshot().node(nodeId);
  if (!node) throw new Error(`no node ${nodeId}`);
  filler += 1;
  return log.must({
    type: "alloc.upsert",
    allocs: [allocation(`filler-${filler}`, other, g, nodeId, usage(node.resources.cpuMhz, 256), { name: `other.web[${filler}]`, evalId: "other" })],
  });
}

function otherJob(log: ReplicatedLog): Job {
  log.must({ type: "job.register", job: serviceJob("other", sizedGroup(1, 100)) });
  const j = log.store.snapshot().job("default", "other");
  if (!j) throw new Error("no job");
  return j;
}

const nodesOf = (p: Plan): string[] => Object.keys(p.nodeAllocation).filter((n) => (p.nodeAllocation[n] ?? []).length > 0);

test("a worker takes an eval from the broker, places its allocations, completes the eval and acks it", async (t) => {
  const log = new ReplicatedLog();
  registerNodes(log, clusterNode("n1"), clusterNode("n2"));
  const evalId = registerJob(log, serviceJob("web", sizedGroup(3, 500)));
  const r = rig(log);
  enqueue(r, evalId);
  r.worker.start();
  try {
    await waitFor("the eval to complete", () => log.store.snapshot().eval(evalId)?.status === "complete");
    await waitFor("the ack", () => r.worker.stats.processed === 1);
    const snap = log.store.snapshot();
    t.is(liveAllocs(snap, "web").length, 3);
    t.deepEqual(duplicateNames(snap, "web"), []);
    t.like(snap.eval(evalId), { status: "complete", failedTgAllocs: {}, queuedAllocations: { web: 0 }, blockedEval: "" });
    t.like(r.broker.stats(), { totalReady: 0, totalUnacked: 0, totalWaiting: 0 });
    t.is(r.broker.outstanding(evalId), undefined, "acked, not redelivered");
    t.is(r.plans.length, 1);
    t.true(r.results[0]?.evalsWritten, "the outcome travelled with the plan");
    t.deepEqual(r.untracked.map((e) => e.id), [evalId], "a fully placed eval makes the job's blocked eval obsolete");
    t.is(r.worker.stats.failed, 0);
  } finally {
    await stop(r);
  }
});

test("a plan rejected because another allocation filled a node is re-planned on fresh state and every allocation ends on a node that fits", async (t) => {
  const log = new ReplicatedLog();
  registerNodes(log, clusterNode("n1"), clusterNode("n2"), clusterNode("n3"));
  const other = otherJob(log);
  // 1500 MHz each: at most two per 4000 MHz node, so the first plan spans at least two nodes.
  const evalId = registerJob(log, serviceJob("web", sizedGroup(4, 1500)));
  const r = rig(log);
  let filled = "";
  let filledAt = 0;
  r.beforeSubmit = (s, attempt) => {
    if (attempt !== 1) return;
    filled = nodesOf(s.plan)[0] ?? "";
    filledAt = fillNode(log, other, filled);
  };
  enqueue(r, evalId);
  r.worker.start();
  try {
    await waitFor("the eval to complete", () => log.store.snapshot().eval(evalId)?.status === "complete", 3_000,
      () => describeJob(log.store.snapshot(), "web"));
    await waitFor("the ack", () => r.worker.stats.processed === 1);
    const snap = log.store.snapshot();
    t.is(r.plans.length, 2, "one rejection, one re-plan");
    t.deepEqual(r.results[0]?.rejectedNodes, [filled]);
    t.true((r.plans[1]?.snapshotIndex ?? 0) >= filledAt, "the re-plan saw the allocation that filled the node");
    t.false(nodesOf(r.plans[1] as Plan).includes(filled), "the re-plan avoids the full node");
    const allocs = liveAllocs(snap, "web");
    t.is(allocs.length, 4, describeJob(snap, "web"));
    t.false(allocs.some((a) => a.nodeId === filled));
    t.deepEqual(duplicateNames(snap, "web"), []);
    t.deepEqual(clusterViolations(snap), []);
    t.like(snap.eval(evalId), { status: "complete", failedTgAllocs: {} });
  } finally {
    await stop(r);
  }
});

test("a plan rejected because its node went down is re-planned onto nodes that are up", async (t) => {
  const log = new ReplicatedLog();
  registerNodes(log, clusterNode("n1"), clusterNode("n2"), clusterNode("n3"));
  const evalId = registerJob(log, serviceJob("web", sizedGroup(3, 1500)));
  const r = rig(log);
  let down = "";
  r.beforeSubmit = (s, attempt) => {
    if (attempt !== 1) return;
    down = nodesOf(s.plan)[0] ?? "";
    log.must({ type: "node.status", nodeId: down, status: "down", updatedAtMs: Date.now() });
  };
  enqueue(r, evalId);
  r.worker.start();
  try {
    await waitFor("the eval to complete", () => log.store.snapshot().eval(evalId)?.status === "complete", 3_000,
      () => describeJob(log.store.snapshot(), "web"));
    const snap = log.store.snapshot();
    t.is(r.plans.length, 2);
    t.deepEqual(r.results[0]?.rejectedNodes, [down]);
    const allocs = liveAllocs(snap, "web");
    t.is(allocs.length, 3);
    t.true(allocs.every((a) => snap.node(a.nodeId)?.status === "ready"), describeJob(snap, "web"));
    t.deepEqual(clusterViolations(snap), []);
  } finally {
    await stop(r);
  }
});

for (const [type, limit] of [["service", 5], ["batch", 2]] as const) {
  test(`a ${type} eval whose plans are rejected ${limit} times is failed with a "max-plan-attempts" blocked eval and acked`, async (t) => {
    const log = new ReplicatedLog();
    registerNodes(log, ...Array.from({ length: 8 }, (_, i) => clusterNode(`n${i}`)));
    const other = otherJob(log);
    const evalId = registerJob(log, serviceJob("web", sizedGroup(1, 1000), { type }));
    const r = rig(log);
    // Every plan loses its node to another worker's plan just before it is applied.
    r.beforeSubmit = (s) => {
      for (const n of nodesOf(s.plan)) fillNode(log, other, n);
    };
    enqueue(r, evalId);
    r.worker.start();
    try {
      await waitFor("the eval to fail", () => log.store.snapshot().eval(evalId)?.status === "failed", 3_000,
        () => describeJob(log.store.snapshot(), "web"));
      await waitFor("the ack", () => r.worker.stats.processed === 1);
      const snap = log.store.snapshot();
      t.is(r.plans.length, limit, `${type} evals are planned at most ${limit} times`);
      const failed = snap.eval(evalId);
      t.like(failed, { status: "failed" });
      const blocked = snap.eval(failed?.blockedEval ?? "");
      t.like(blocked, { status: "blocked", triggeredBy: "max-plan-attempts", previousEval: evalId, jobId: "web", type });
      t.deepEqual(evalsOf(snap, "web").filter((e) => e.status === "blocked").map((e) => e.id), [blocked?.id], "exactly one blocked eval");
      t.deepEqual(liveAllocs(snap, "web"), []);
      t.deepEqual(clusterViolations(snap), []);
      t.like(r.broker.stats(), { totalReady: 0, totalUnacked: 0, totalWaiting: 0, totalFailed: 0 });
      t.deepEqual(r.untracked, [], "a failed eval does not cancel the job's blocked eval");
    } finally {
      await stop(r);
    }
  });
}

test("a job no node can take yields exactly one blocked eval naming the constraint, and nothing is retried", async (t) => {
  const log = new ReplicatedLog();
  registerNodes(log, clusterNode("n1"), clusterNode("n2"), clusterNode("n3"));
  const constraint = { attribute: "${attr.kernel.name}", operator: "=" as const, value: "windows" };
  const evalId = registerJob(log, serviceJob("win", sizedGroup(2, 500), { constraints: [constraint] }));
  const r = rig(log);
  // The leader's observer in miniature: whatever the worker writes as pending goes to the broker.
  const unsubscribe = log.store.onApply((batch) => {
    for (const e of batch.events) if (e.topic === "Evaluation" && e.payload.evaluation.status === "pending") r.broker.enqueue(e.payload.evaluation);
  });
  enqueue(r, evalId);
  r.worker.start();
  try {
    await waitFor("the eval to complete", () => log.store.snapshot().eval(evalId)?.status === "complete");
    await waitFor("the ack", () => r.worker.stats.processed === 1);
    const snap = log.store.snapshot();
    const ev = snap.eval(evalId);
    t.is(r.plans.length, 0, "an empty plan is not submitted");
    const failure = ev?.failedTgAllocs["web"];
    t.truthy(failure, "the group's failure is recorded");
    t.is(failure?.constraintFiltered["${attr.kernel.name} = windows"], 3, "the failure names the constraint that filtered every node");
    t.is(failure?.coalescedFailures, 1, "the second allocation is coalesced into the first failure");
    t.deepEqual(ev?.queuedAllocations, { web: 2 });
    const blocked = evalsOf(snap, "win").filter((e) => e.status === "blocked");
    t.is(blocked.length, 1);
    t.is(blocked[0]?.id, ev?.blockedEval);
    t.like(blocked[0], { triggeredBy: "queued-allocs", previousEval: evalId });
    t.deepEqual(r.untracked, [], "an eval that failed to place keeps the blocked eval");
    // Give a retry storm the chance to show itself.
    await new Promise((resolve) => setTimeout(resolve, 100));
    t.is(r.worker.stats.processed, 1, "nothing else was scheduled");
    t.is(evalsOf(log.store.snapshot(), "win").length, 2);
    t.like(r.broker.stats(), { totalReady: 0, totalUnacked: 0, totalWaiting: 0 });
  } finally {
    unsubscribe();
    await stop(r);
  }
});

test("a plan that committed although its proposal reported failure is not placed twice when the eval is retried", async (t) => {
  const log = new ReplicatedLog();
  registerNodes(log, clusterNode("n1"), clusterNode("n2"));
  const evalId = registerJob(log, serviceJob("web", sizedGroup(3, 500)));
  const propose = log.proposer();
  let lostReplies = 0;
  // The entry commits, but the reply is lost (a leader that timed out waiting for its followers).
  const r = rig(log, {
    nackDelayMs: 10,
    applierPropose: async (command) => {
      const committed = await propose(command);
      if (command.type === "alloc.upsert" && lostReplies === 0) {
        lostReplies++;
        throw new Error("timed out waiting for the entry to commit");
      }
      return committed;
    },
  });
  enqueue(r, evalId);
  r.worker.start();
  try {
    await waitFor("the retried eval to complete", () => log.store.snapshot().eval(evalId)?.status === "complete", 3_000,
      () => describeJob(log.store.snapshot(), "web"));
    await waitFor("the ack", () => r.worker.stats.processed === 1);
    const snap = log.store.snapshot();
    t.is(r.worker.stats.failed, 1, "the first delivery failed and was nacked");
    t.is(liveAllocs(snap, "web").length, 3, describeJob(snap, "web"));
    t.deepEqual(duplicateNames(snap, "web"), []);
    t.deepEqual(clusterViolations(snap), []);
  } finally {
    await stop(r);
  }
});
