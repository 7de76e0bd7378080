// Linearizable reads with ReadIndex (dissertation §6.4).

import test from "ava";
import type { AppendMessage } from "../../../server/raft/core/index.js";
import { Cluster } from "./support/cluster.js";

test("a single voter answers a read at once, at its commit index", (t) => {
  const c = new Cluster(["a"]);
  c.elect("a");
  c.propose("a", "x");
  c.stabilize();
  t.true(c.raft("a").readIndex("r1"));
  t.deepEqual(c.raft("a").ready().readStates, [{ requestId: "r1", index: 2 }]);
});

test("the read is released once a quorum has answered the heartbeat round that followed it", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.propose("a", "x");
  c.stabilize();
  const a = c.raft("a");
  t.true(a.readIndex("r1"));
  const rd = a.ready();
  t.deepEqual(rd.readStates, []);
  const beats = rd.messages.filter((m): m is AppendMessage => m.type === "append");
  t.is(beats.length, 2);
  t.true(beats.every((m) => m.seq === 1 && m.entries.length === 0));
  a.advance(rd);
  c.deliver(beats[0] as AppendMessage);
  for (const m of c.takeQueue()) c.deliver(m);
  t.deepEqual(a.ready().readStates, [{ requestId: "r1", index: 2 }], "the leader and one follower are a quorum");
});

test("reads asked between two Readies share one heartbeat round", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  const a = c.raft("a");
  for (const id of ["r1", "r2", "r3"]) a.readIndex(id);
  const beats = c.takeQueue().filter((m) => m.type === "append");
  t.is(beats.length, 2);
  for (const m of beats) c.deliver(m);
  c.stabilize();
  t.deepEqual(c.get("a").reads.map((r) => r.requestId), ["r1", "r2", "r3"]);
});

test("a deposed leader that does not know it yet never answers a read", (t) => {
  const c = new Cluster(["a", "b", "c"], { preVote: false, checkQuorum: false });
  c.elect("a");
  c.isolate("a");
  c.elect("b");
  c.propose("b", "newer");
  c.stabilize();
  t.true(c.raft("a").readIndex("stale"));
  c.stabilize();
  c.heal();
  c.run(3);
  t.deepEqual(c.get("a").reads, []);
  t.is(c.raft("a").status().role, "follower");
});

test("reads asked before the new leader commits an entry of its own term wait for that commit", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.propose("a", "x");
  c.stabilize();
  c.crash("a");
  c.tick(10, ["b", "c"]); // c stops counting on a
  c.raft("b").campaign();
  for (let i = 0; i < 5 && c.raft("b").status().role !== "leader"; i++) {
    for (const m of c.takeQueue()) if (m.type === "vote" || m.type === "voteResponse") c.deliver(m);
  }
  const b = c.raft("b");
  t.is(b.status().role, "leader");
  t.true(b.readIndex("r"));
  c.flushReadies();
  t.deepEqual(c.get("b").reads, [], "b's commit index (2) is from an earlier term: not yet safe to read at");
  c.stabilize();
  t.deepEqual(c.get("b").reads, [{ requestId: "r", index: 3 }], "the index of b's own first entry, which commits x too");
});

test("readIndex on a server that is not the leader returns false", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  t.false(c.raft("b").readIndex("r"));
  t.false(c.raft("b").hasReady());
});
