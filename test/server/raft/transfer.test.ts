// Leadership transfer (dissertation §3.10): stop taking proposals, bring the target up to date,
// send TimeoutNow; the target campaigns at once with votes that override leader stickiness.

import test from "ava";
import type { VoteMessage } from "../../../server/raft/core/index.js";
import { Cluster } from "./support/cluster.js";
import { testOptions } from "./support/server.js";

test("transfer to an up-to-date follower: it wins the next term at once", (t) => {
  const c = new Cluster(["a", "b", "c"], { preVote: true, checkQuorum: true });
  c.elect("a");
  c.propose("a", "x");
  c.stabilize();
  c.raft("a").transferLeadership("b");
  const timeoutNow = c.takeQueue();
  t.like(timeoutNow, [{ type: "timeoutNow", from: "a", to: "b", term: 1 }]);
  for (const m of timeoutNow) c.deliver(m);
  const votes = c.takeQueue().filter((m): m is VoteMessage => m.type === "vote");
  t.true(votes.length === 2 && votes.every((v) => v.transfer && !v.preVote && v.term === 2), "a real election, marked as a transfer");
  for (const m of votes) c.deliver(m);
  c.stabilize();
  t.is(c.raft("b").status().role, "leader");
  t.is(c.raft("b").status().term, 2);
  t.is(c.raft("a").status().role, "follower");
  t.is(c.raft("a").status().leader, "b");
  c.propose("b", "y");
  c.stabilize();
  for (const id of c.ids()) t.deepEqual(c.values(id), ["x", "y"]);
});

test("transfer to a lagging follower: the leader refuses proposals and catches the target up first", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.isolate("c");
  for (let i = 0; i < 10; i++) c.propose("a", `v${i}`);
  c.stabilize();
  c.heal();
  c.raft("a").transferLeadership("c");
  t.is(c.raft("a").status().transferTarget, "c");
  t.like(c.propose("a", "refused"), { ok: false, reason: "transferring", leader: "a" });
  t.like(c.raft("a").proposeMembership({ type: "remove", id: "b" }), { ok: false, reason: "transferring" });
  t.false(c.takeQueue().some((m) => m.type === "timeoutNow"), "not before c has the whole log");
  c.run(3);
  t.is(c.raft("c").status().role, "leader");
  t.is(c.get("c").machine.values.length, 10);
});

test("a transfer that does not complete within an election timeout is abandoned", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.isolate("c");
  c.raft("a").transferLeadership("c");
  t.like(c.propose("a", "x"), { ok: false, reason: "transferring" });
  for (let i = 0; i < testOptions.electionTicks; i++) {
    c.tick(1, ["a", "b"]);
    c.stabilize();
  }
  t.is(c.raft("a").status().role, "leader");
  t.is(c.raft("a").status().transferTarget, "");
  t.like(c.propose("a", "x"), { ok: true });
  t.true(c.logger.lines.some((l) => l.message === "leadership transfer aborted"));
});

test("transfer votes are granted even by followers that just heard from the leader", (t) => {
  const c = new Cluster(["a", "b", "c", "d", "e"], { preVote: true, checkQuorum: true });
  c.elect("a");
  c.run(2);
  c.raft("a").transferLeadership("e");
  c.stabilize();
  t.is(c.raft("e").status().role, "leader");
});

test("transfer requests that cannot be honoured are ignored with a warning", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.raft("b").transferLeadership("c");
  c.raft("a").transferLeadership("zz");
  c.raft("a").transferLeadership("a");
  t.deepEqual(c.logger.warnings(), ["cannot transfer leadership: not the leader", "cannot transfer leadership to a server that is not a voter"]);
  t.is(c.raft("a").status().transferTarget, "");
});

test("a TimeoutNow from a server that is not the leader is ignored", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.raft("b").step({ type: "timeoutNow", from: "c", to: "b", term: 1 });
  t.is(c.raft("b").status().role, "follower");
  t.true(c.logger.warnings().includes("ignoring a TimeoutNow not from the current leader"));
});
