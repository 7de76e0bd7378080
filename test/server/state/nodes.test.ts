import test from "ava";
import { evaluation, Harness, node, uuid } from "./fixtures.js";

test("a node registers with its create index, and re-registering refreshes what the client reports", (t) => {
  const h = new Harness();
  t.like(h.apply({ type: "node.register", node: node("n1") }), { ok: true });
  t.like(h.snap.node("n1"), { createIndex: 1, modifyIndex: 1, status: "ready", secretId: "n1-secret" });
  h.apply({
    type: "node.register",
    node: node("n1", { secretId: "someone-else", attributes: { "kernel.name": "linux", "os.name": "debian" }, status: "initializing" }),
  });
  const n = h.snap.node("n1");
  t.like(n, { createIndex: 1, modifyIndex: 2, status: "initializing", secretId: "n1-secret" });
  t.is(n?.attributes["os.name"], "debian");
  t.is(h.snap.tableIndex("nodes"), 2);
});

test("re-registering keeps the drain and eligibility an operator set", (t) => {
  const h = new Harness();
  h.apply({ type: "node.register", node: node("n1") });
  const drain = { deadlineMs: 60_000, ignoreSystemJobs: false, forceDeadlineMs: 0, startedAtMs: 1 };
  h.apply({ type: "node.drain", nodeId: "n1", drainStrategy: drain });
  h.apply({ type: "node.register", node: node("n1", { schedulingEligibility: "eligible" }) });
  t.like(h.snap.node("n1"), { schedulingEligibility: "ineligible", drainStrategy: drain });
});

test("node status, eligibility and drain updates change only their fields and create evals", (t) => {
  const h = new Harness();
  h.apply({ type: "node.register", node: node("n1") });
  h.apply({ type: "node.status", nodeId: "n1", status: "down", statusDescription: "missed heartbeats", updatedAtMs: 5, evals: [evaluation("e1", "web", { triggeredBy: "node-update", nodeId: "n1" })] });
  t.like(h.snap.node("n1"), { status: "down", statusDescription: "missed heartbeats", statusUpdatedAtMs: 5, modifyIndex: 2 });
  t.like(h.snap.eval("e1"), { nodeId: "n1", createIndex: 2 });

  h.apply({ type: "node.eligibility", nodeId: "n1", eligibility: "ineligible" });
  t.is(h.snap.node("n1")?.schedulingEligibility, "ineligible");

  const drain = { deadlineMs: 60_000, ignoreSystemJobs: true, forceDeadlineMs: 0, startedAtMs: 1 };
  h.apply({ type: "node.eligibility", nodeId: "n1", eligibility: "eligible" });
  h.apply({ type: "node.drain", nodeId: "n1", drainStrategy: drain });
  t.like(h.snap.node("n1"), { schedulingEligibility: "ineligible", drainStrategy: drain });
  t.like(h.apply({ type: "node.eligibility", nodeId: "n1", eligibility: "eligible" }), { ok: false, code: "invalid" });
  h.apply({ type: "node.drain", nodeId: "n1" });
  t.false("drainStrategy" in (h.snap.node("n1") ?? {}));
  t.is(h.snap.node("n1")?.schedulingEligibility, "ineligible", "ending a drain does not make the node eligible unless asked");
  h.apply({ type: "node.drain", nodeId: "n1", drainStrategy: drain });
  h.apply({ type: "node.drain", nodeId: "n1", markEligible: true });
  t.is(h.snap.node("n1")?.schedulingEligibility, "eligible");
});

test("updates for an unknown node are a not-found result and change nothing", (t) => {
  const h = new Harness();
  const r = h.apply({ type: "node.status", nodeId: "ghost", status: "down", updatedAtMs: 1, evals: [evaluation("e1")] });
  t.like(r, { ok: false, code: "not-found", index: 1 });
  t.is(h.snap.eval("e1"), undefined, "the whole command is dropped");
  t.is(h.store.latestIndex, 1, "the entry still counts as applied");
  t.is(h.snap.tableIndex("evals"), 0);
});

test("deregistering nodes deletes them and reports the ones that were not there", (t) => {
  const h = new Harness();
  h.apply({ type: "node.register", node: node("n1") });
  h.apply({ type: "node.register", node: node("n2") });
  t.like(h.apply({ type: "node.deregister", nodeIds: ["n1", "ghost"] }), { ok: true, notFound: ["ghost"] });
  t.deepEqual(h.snap.nodes().map((n) => n.id), ["n2"]);
});

test("nodes are found by id prefix", (t) => {
  const h = new Harness();
  for (let i = 0; i < 40; i++) h.apply({ type: "node.register", node: node(uuid(i * 4099)) });
  const target = uuid(20 * 4099);
  t.deepEqual(h.snap.byPrefix("nodes", target.slice(0, 8)).map((n) => n.id), [target]);
  t.is(h.snap.byPrefix("nodes", "0000").length, 40 - h.snap.nodes().filter((n) => !n.id.startsWith("0000")).length);
  t.deepEqual(h.snap.byPrefix("nodes", "zz"), []);
});
