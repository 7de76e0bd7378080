// Log replication (§5.3): the consistency check and conflict repair, fast back-off, batching,
// pipelining, heartbeats, retransmission, and the Ready/advance discipline.

import test from "ava";
import type { AppendMessage, AppendResponseMessage, Message } from "../../../server/raft/core/index.js";
import { Cluster } from "./support/cluster.js";
import { bytes } from "./support/machine.js";

function appendsTo(messages: Message[], to: string): AppendMessage[] {
  return messages.filter((m): m is AppendMessage => m.type === "append" && m.to === to);
}

function terms(c: Cluster, id: string): number[] {
  const disk = c.get(id).disk;
  const out: number[] = [];
  for (let i = disk.firstIndex(); i <= disk.lastIndex(); i++) out.push(disk.term(i) ?? -1);
  return out;
}

test("log matching: a follower's conflicting uncommitted suffix is replaced by the new leader's entries", (t) => {
  const c = new Cluster(["a", "b", "c"], { preVote: false, checkQuorum: false });
  c.elect("a");
  c.isolate("a");
  c.propose("a", "lost-1");
  c.propose("a", "lost-2");
  c.stabilize();
  t.deepEqual(terms(c, "a"), [1, 1, 1]);
  c.elect("b");
  c.propose("b", "kept");
  c.stabilize();
  c.heal();
  c.run(3);
  t.is(c.raft("a").status().leader, "b");
  t.deepEqual(terms(c, "a"), terms(c, "b"));
  t.deepEqual(terms(c, "a"), [1, 2, 2]);
  for (const id of c.ids()) t.deepEqual(c.values(id), ["kept"], id);
});

test("the consistency check rejects an append whose predecessor is missing, with a hint for the leader", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  const b = c.raft("b");
  b.step({ type: "append", from: "a", to: "b", term: 1, prevLogIndex: 7, prevLogTerm: 1, entries: [], commit: 1, seq: 0 });
  const [response] = b.ready().messages as AppendResponseMessage[];
  t.like(response, { type: "appendResponse", success: false, matchIndex: 7, conflictIndex: 2, conflictTerm: 0, lastLogIndex: 1 });
});

test("fast back-off: a follower missing many entries is found in one round trip", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.crash("c");
  for (let i = 0; i < 100; i++) c.propose("a", `v${i}`);
  c.stabilize();
  c.restart("c");
  const start = c.sent.length;
  c.run(3);
  const rejections = c.sent.slice(start).filter((m) => m.type === "appendResponse" && m.from === "c" && !m.success);
  t.true(rejections.length <= 1, `${rejections.length} rejections`);
  t.is(c.values("c").length, 100);
});

test("fast back-off: a long divergent suffix of an old term is skipped as a whole", (t) => {
  const c = new Cluster(["a", "b", "c"], { preVote: false, checkQuorum: false });
  c.elect("a");
  c.isolate("a");
  for (let i = 0; i < 50; i++) c.propose("a", `stale${i}`);
  c.stabilize();
  c.elect("b");
  for (let i = 0; i < 50; i++) c.propose("b", `fresh${i}`);
  c.stabilize();
  c.heal();
  const start = c.sent.length;
  c.run(3);
  const rejections = c.sent.slice(start).filter((m) => m.type === "appendResponse" && m.from === "a" && !m.success);
  t.true(rejections.length <= 2, `${rejections.length} rejections`);
  t.deepEqual(terms(c, "a"), terms(c, "b"));
});

test("batching: proposals made between two ready() calls go out in one append per follower", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  for (let i = 0; i < 5; i++) c.propose("a", `v${i}`);
  const rd = c.raft("a").ready();
  t.is(rd.entries.length, 5);
  for (const to of ["b", "c"]) {
    const appends = appendsTo(rd.messages, to);
    t.is(appends.length, 1, to);
    t.deepEqual(appends[0]?.entries.map((e) => e.index), [2, 3, 4, 5, 6]);
  }
});

test("batching: an append carries at most maxAppendBytes of entries, but always at least one", (t) => {
  const c = new Cluster(["a", "b", "c"], { maxAppendBytes: 10 });
  c.elect("a");
  for (let i = 0; i < 6; i++) c.propose("a", "four");
  c.raft("a").propose(bytes("twenty-bytes-of-data"));
  const appends = appendsTo(c.raft("a").ready().messages, "b");
  t.deepEqual(appends.map((m) => m.entries.length), [2, 2, 2, 1]);
  t.deepEqual(appends.map((m) => m.prevLogIndex), [1, 3, 5, 7]);
});

test("pipelining: at most maxInflightAppends unacknowledged appends per follower", (t) => {
  const c = new Cluster(["a", "b", "c"], { maxInflightAppends: 3, maxAppendBytes: 1 });
  c.elect("a");
  for (let i = 0; i < 10; i++) c.propose("a", `${i}`);
  const first = c.takeQueue();
  t.is(appendsTo(first, "b").length, 3);
  t.is(appendsTo(first, "c").length, 3);
  c.propose("a", "more");
  t.is(appendsTo(c.takeQueue(), "b").length, 0, "the window is full");
  // b acknowledges its three; c stays silent.
  for (const m of appendsTo(first, "b")) c.deliver(m);
  for (const m of c.takeQueue()) c.deliver(m);
  const next = c.takeQueue();
  t.is(appendsTo(next, "b").length, 3, "acknowledgements reopen b's window");
  t.is(appendsTo(next, "c").length, 0);
  t.deepEqual(appendsTo(next, "b").map((m) => m.prevLogIndex), [4, 5, 6], "optimistic: the next batches follow the unacknowledged ones");
});

test("heartbeats go out every heartbeatTicks with the commit index and the read round", (t) => {
  const c = new Cluster(["a", "b", "c"], { heartbeatTicks: 3 });
  c.elect("a");
  c.tick(2, ["a"]);
  t.deepEqual(c.takeQueue(), []);
  c.tick(1, ["a"]);
  const beats = c.takeQueue();
  t.is(beats.length, 2);
  for (const m of beats) t.like(m, { type: "append", entries: [], commit: 1, prevLogIndex: 1, seq: 0 });
});

test("followers learn the commit index promptly, without waiting for a heartbeat", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.propose("a", "x");
  c.stabilize();
  for (const id of c.ids()) t.deepEqual(c.values(id), ["x"], id);
});

test("an append lost on the wire is sent again after a heartbeat interval", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.drop = (m) => m.type === "append" && m.to === "c" && m.entries.length > 0;
  c.propose("a", "x");
  c.stabilize();
  t.deepEqual(c.values("c"), []);
  t.deepEqual(c.values("a"), ["x"], "a and b are a quorum");
  c.drop = undefined;
  c.run(3);
  t.deepEqual(c.values("c"), ["x"]);
});

test("Ready: entries are handed out once, applied only after they are persisted, and hardState only when it changed", (t) => {
  const c = new Cluster(["a"]);
  c.elect("a");
  const a = c.raft("a");
  t.false(a.hasReady());
  a.propose(bytes("x"));
  const first = a.ready();
  t.deepEqual(first.entries.map((e) => e.index), [2]);
  t.deepEqual(first.committed, [], "not on disk yet, so neither committed nor applied");
  t.true(first.mustSync);
  t.is(first.hardState, undefined, "term, vote and commit are unchanged");
  const again = a.ready();
  t.deepEqual(again.entries, [], "handed out once");
  c.get("a").disk.append(first.entries);
  a.advance(first);
  a.advance(again);
  t.true(a.hasReady());
  const second = a.ready();
  t.deepEqual(second.committed.map((e) => e.index), [2]);
  t.deepEqual(second.hardState, { term: 1, vote: "a", commit: 2 });
  t.false(second.mustSync, "a commit index change alone needs no fsync");
  a.advance(second);
  t.false(a.hasReady());
  t.is(a.status().applied, 2);
});

test("a leader does not count its own copy of an entry before it is on disk", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.propose("a", "x");
  const rd = c.raft("a").ready();
  // The followers get and acknowledge the entry before the leader's write completes.
  for (const m of rd.messages) c.deliver(m);
  c.flushReadies();
  const acks = c.queue.filter((m) => m.to === "a");
  c.queue = [];
  c.deliver(acks[0] as Message);
  t.is(c.raft("a").status().commit, 1, "one follower and an unpersisted leader copy are not a quorum");
  c.deliver(acks[1] as Message);
  t.is(c.raft("a").status().commit, 2, "two followers are");
});

test("messages stepped between ready() and advance() are safe: a suffix truncated meanwhile is rewritten by the next Ready", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  const b = c.get("b");
  const append = (term: number, prevLogIndex: number, prevLogTerm: number, values: string[], commit: number): AppendMessage => ({
    type: "append", from: term === 1 ? "a" : "c", to: "b", term, prevLogIndex, prevLogTerm, commit, seq: 0,
    entries: values.map((v, i) => ({ index: prevLogIndex + 1 + i, term, type: "normal", data: bytes(v) })),
  });
  b.raft.step(append(1, 1, 1, ["x", "y", "z"], 1));
  const first = b.raft.ready(); // the node loop starts writing entries 2..4 of term 1
  t.deepEqual(first.entries.map((e) => e.index), [2, 3, 4]);
  // Meanwhile a new leader of term 2 overwrites index 2 and commits it.
  b.raft.step(append(2, 1, 1, ["w"], 2));
  b.disk.append(first.entries);
  if (first.hardState) b.disk.setHardState(first.hardState);
  b.raft.advance(first);
  t.is(b.raft.status().lastIndex, 2);
  const second = b.raft.ready();
  t.deepEqual(second.entries.map((e) => `${e.index}/${e.term}`), ["2/2"]);
  t.deepEqual(second.committed, [], "index 2 is committed but its new content is not on disk yet");
  b.disk.append(second.entries);
  if (second.hardState) b.disk.setHardState(second.hardState);
  b.raft.advance(second);
  t.is(b.disk.lastIndex(), 2);
  const third = b.raft.ready();
  t.deepEqual(third.committed.map((e) => `${e.index}/${e.term}`), ["2/2"]);
});
