// Single-server membership changes (dissertation §4.1): a config entry is in force once it is in
// the log; one change at a time; a removed leader steps down once its removal commits.

import test from "ava";
import {
  applyChange, decodeMembership, encodeMembership, MemoryStorage, RaftError, RaftNode, tryDecodeMembership,
} from "../../../server/raft/core/index.js";
import { Cluster, membershipOf } from "./support/cluster.js";
import { bytes } from "./support/machine.js";
import { fixedRng } from "./support/prng.js";
import { testOptions } from "./support/server.js";

function voters(c: Cluster, id: string): string[] {
  return c.raft(id).status().membership.voters.map((m) => m.id);
}

test("adding a voter: the new membership is in force as soon as it is appended, and the new server catches up", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.propose("a", "x");
  c.stabilize();
  c.addServer("d");
  const result = c.raft("a").proposeMembership({ type: "add", member: { id: "d", address: "d:4647" } });
  t.like(result, { ok: true, index: 3 });
  t.deepEqual(voters(c, "a"), ["a", "b", "c", "d"], "in force before it commits");
  t.is(c.raft("a").status().commit, 2);
  t.like(c.raft("a").status().progress, { d: { match: 0 } });
  c.run(3);
  t.deepEqual(voters(c, "d"), ["a", "b", "c", "d"]);
  t.deepEqual(c.values("d"), ["x"]);
  // With four voters a quorum is three: a and d alone cannot commit.
  c.crash("b");
  c.crash("c");
  c.propose("a", "y");
  c.stabilize();
  t.is(c.raft("a").status().commit, 3);
  c.restart("b");
  c.run(2);
  t.is(c.raft("a").status().commit, 4);
});

test("a server just added counts as active until it has had an election timeout to answer (check-quorum)", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.stabilize();
  c.crash("c");
  c.run(12); // past a check-quorum boundary: c no longer counts as active
  c.addServer("d");
  t.like(c.raft("a").proposeMembership({ type: "add", member: { id: "d", address: "d:4647" } }), { ok: true });
  // Four voters need three: a, b and the new d, which has not answered anything yet.
  c.tick(10, ["a"]);
  t.is(c.raft("a").status().role, "leader");
  c.run(3);
  t.deepEqual(voters(c, "d"), ["a", "b", "c", "d"]);
  t.is(c.raft("a").status().role, "leader");
});

test("only one membership change may be uncommitted at a time", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.isolate("a");
  t.like(c.raft("a").proposeMembership({ type: "remove", id: "c" }), { ok: true });
  t.like(c.raft("a").proposeMembership({ type: "remove", id: "b" }), { ok: false, reason: "membership-change-pending", leader: "a" });
  c.heal();
  c.stabilize();
  t.like(c.raft("a").proposeMembership({ type: "add", member: { id: "c", address: "c:1" } }), { ok: true });
});

test("a new leader makes no membership change before it has committed an entry of its term", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.raft("a").campaign();
  // Deliver only the election traffic: a wins, but its first entry is not replicated yet.
  for (let i = 0; i < 5 && c.raft("a").status().role !== "leader"; i++) {
    for (const m of c.takeQueue()) if (m.type === "vote" || m.type === "voteResponse") c.deliver(m);
  }
  t.is(c.raft("a").status().role, "leader");
  t.like(c.raft("a").proposeMembership({ type: "remove", id: "c" }), { ok: false, reason: "membership-change-pending" });
  c.stabilize();
  t.like(c.raft("a").proposeMembership({ type: "remove", id: "c" }), { ok: true });
});

test("removing a follower shrinks the quorum", (t) => {
  const c = new Cluster(["a", "b", "c", "d"]);
  c.elect("a");
  c.raft("a").proposeMembership({ type: "remove", id: "d" });
  c.stabilize();
  c.crash("d");
  c.crash("c");
  c.propose("a", "x");
  c.stabilize();
  t.deepEqual(c.values("a"), ["x"], "a and b are a majority of {a, b, c}");
  t.false(Object.hasOwn(c.raft("a").status().progress, "d"), "the leader stopped replicating to d");
});

test("a leader that removes itself keeps leading until the removal commits, then steps down", (t) => {
  const c = new Cluster(["a", "b", "c"], { rng: (id) => fixedRng(id === "b" ? 0 : 0.999) });
  c.elect("a");
  c.raft("a").proposeMembership({ type: "remove", id: "a" });
  t.is(c.raft("a").status().role, "leader");
  t.like(c.propose("a", "x"), { ok: false, reason: "not-a-member" });
  c.stabilize();
  t.is(c.raft("a").status().role, "follower");
  t.deepEqual(voters(c, "a"), ["b", "c"]);
  c.run(2 * testOptions.electionTicks);
  t.is(c.raft("a").status().role, "follower", "a removed server never campaigns");
  const leader = c.leader();
  t.truthy(leader && leader.id !== "a");
});

test("removing the last voter or a server that is not a voter is refused", (t) => {
  const c = new Cluster(["a"]);
  c.elect("a");
  t.like(c.raft("a").proposeMembership({ type: "remove", id: "a" }), { ok: false, reason: "invalid-membership-change" });
  t.like(c.raft("a").proposeMembership({ type: "remove", id: "q" }), { ok: false, reason: "invalid-membership-change" });
  t.like(c.raft("a").proposeMembership({ type: "add", member: { id: "a", address: "new:1" } }), { ok: true }, "adding a voter again updates its address");
  c.stabilize();
  t.deepEqual(c.raft("a").status().membership, { voters: [{ id: "a", address: "new:1" }] });
});

test("a config entry truncated away takes the membership back to the one before it", (t) => {
  const c = new Cluster(["a", "b", "c", "d", "e"], { preVote: false, checkQuorum: false });
  c.elect("a");
  c.drop = (m) => m.type === "append" && m.to !== "b";
  c.raft("a").proposeMembership({ type: "remove", id: "e" });
  c.stabilize();
  t.deepEqual(voters(c, "b"), ["a", "b", "c", "d"], "b has the uncommitted removal");
  c.drop = undefined;
  c.crash("a");
  c.elect("c"); // c, d and e vote for c
  c.stabilize();
  t.deepEqual(voters(c, "b"), ["a", "b", "c", "d", "e"], "c's log overwrote the config entry on b");
  t.is(c.get("b").disk.term(2), 2);
});

test("the membership at start comes from the storage: bootstrap, snapshot, then config entries in the log", (t) => {
  const storage = new MemoryStorage({ membership: membershipOf(["a", "b", "c"]) });
  storage.applySnapshot({ meta: { index: 5, term: 2, membership: membershipOf(["a", "b"]) }, data: [bytes("")] });
  storage.append([
    { index: 6, term: 2, type: "config", data: encodeMembership(membershipOf(["a", "b", "d"])) },
    { index: 7, term: 2, type: "normal", data: bytes("x") },
  ]);
  storage.setHardState({ term: 2, vote: "", commit: 6 });
  const node = new RaftNode({ ...testOptions, id: "d", applied: 5 }, { storage, rng: fixedRng(0) });
  t.deepEqual(node.status().membership.voters.map((m) => m.id), ["a", "b", "d"]);
  for (let i = 0; i < 2 * testOptions.electionTicks; i++) node.tick();
  t.not(node.status().role, "follower", "d is a voter, so it campaigns");
});

test("a new server with no membership stays quiet until the leader's log tells it otherwise", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  const d = c.addServer("d");
  c.run(3 * testOptions.electionTicks);
  t.is(d.raft.status().role, "follower");
  t.is(d.raft.status().term, 0);
});

test("membership encoding round-trips and rejects bytes that are not a membership", (t) => {
  const m = membershipOf(["a", "b"]);
  t.deepEqual(decodeMembership(encodeMembership(m)), m);
  t.is(tryDecodeMembership(bytes("not json")), undefined);
  t.is(tryDecodeMembership(bytes('{"voters":[{"id":"a","address":"x"},{"id":"a","address":"y"}]}')), undefined, "duplicate ids");
  t.is(tryDecodeMembership(bytes('{"voters":[{"id":""}]}')), undefined);
  t.is(tryDecodeMembership(new Uint8Array([0xff, 0xfe])), undefined);
  t.throws(() => decodeMembership(bytes("[]")), { instanceOf: RaftError });
  t.is(applyChange(m, { type: "remove", id: "z" }), undefined);
  t.deepEqual(applyChange(m, { type: "add", member: { id: "c", address: "c:1" } })?.voters.map((v) => v.id), ["a", "b", "c"]);
});
