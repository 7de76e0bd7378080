// Log compaction and InstallSnapshot (§7), and the MemoryStorage that mirrors the durable log.

import test from "ava";
import { MemoryStorage, RaftError, type Entry, type SnapshotMessage } from "../../../server/raft/core/index.js";
import { Cluster, membershipOf } from "./support/cluster.js";
import { bytes } from "./support/machine.js";

function entry(index: number, term: number, value = ""): Entry {
  return { index, term, type: "normal", data: bytes(value) };
}

test("a follower whose next entry was compacted away gets the snapshot, then the rest of the log", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.crash("c");
  for (let i = 0; i < 20; i++) c.propose("a", `v${i}`);
  c.stabilize();
  const snapshot = c.get("a").snapshot();
  t.is(snapshot?.meta.index, 21);
  t.is(c.get("a").disk.firstIndex(), 22);
  for (let i = 20; i < 25; i++) c.propose("a", `v${i}`);
  c.stabilize();
  c.restart("c");
  c.run(3);
  const sent = c.sent.filter((m): m is SnapshotMessage => m.type === "snapshot");
  t.is(sent.length, 1);
  t.is(sent[0]?.snapshot.meta.index, 21);
  const cs = c.get("c");
  t.is(cs.disk.snapshot()?.meta.index, 21, "the follower persisted the snapshot");
  t.is(cs.machine.values.length, 25, "restored from the snapshot, then applied the entries after it");
  t.deepEqual(cs.machine.values, c.values("a"));
  t.like(c.raft("a").status().progress, { c: { match: 26, snapshotting: false } });
});

test("a snapshot older than the follower's commit index is answered without effect", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  for (let i = 0; i < 5; i++) c.propose("a", `v${i}`);
  c.stabilize();
  const b = c.raft("b");
  const before = b.status();
  b.step({
    type: "snapshot", from: "a", to: "b", term: 1,
    snapshot: { meta: { index: 3, term: 1, membership: membershipOf(["a", "b", "c"]) }, data: [bytes("{}")] },
  });
  const rd = b.ready();
  t.is(rd.snapshot, undefined);
  t.like(rd.messages[0], { type: "snapshotResponse", success: true, matchIndex: 6 });
  t.deepEqual(b.status(), before);
});

test("a snapshot whose last entry the follower already holds only advances its commit index", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.drop = (m) => m.type === "append" && m.to === "b" && m.entries.length === 0;
  for (let i = 0; i < 5; i++) c.propose("a", `v${i}`);
  // b receives the entries but never a commit index beyond them.
  const rd = c.raft("a").ready();
  c.get("a").disk.append(rd.entries);
  c.raft("a").advance(rd);
  for (const m of rd.messages) if (m.to === "b") c.deliver(m);
  c.flushReadies();
  c.queue = [];
  const b = c.raft("b");
  t.is(b.status().commit, 1);
  b.step({
    type: "snapshot", from: "a", to: "b", term: 1,
    snapshot: { meta: { index: 4, term: 1, membership: membershipOf(["a", "b", "c"]) }, data: [bytes("{}")] },
  });
  const out = b.ready();
  t.is(out.snapshot, undefined, "nothing to restore");
  t.is(b.status().commit, 4);
  t.is(b.status().lastIndex, 6, "the entries after the snapshot are kept");
  t.like(out.messages[0], { type: "snapshotResponse", success: true, matchIndex: 4 });
});

test("a Ready with a snapshot replaces the follower's log, and its state is applied before later entries", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.isolate("c");
  for (let i = 0; i < 6; i++) c.propose("a", `v${i}`);
  c.stabilize();
  c.get("a").snapshot();
  c.heal();
  c.propose("a", "after");
  c.stabilize();
  c.run(2);
  t.deepEqual(c.values("c"), ["v0", "v1", "v2", "v3", "v4", "v5", "after"]);
  t.is(c.get("c").disk.firstIndex(), 8);
});

test("when the transport reports a failed snapshot the leader probes again and resends it", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.crash("c");
  for (let i = 0; i < 5; i++) c.propose("a", `v${i}`);
  c.stabilize();
  c.get("a").snapshot();
  c.restart("c");
  c.drop = (m) => m.type === "snapshot";
  c.run(2);
  t.like(c.raft("a").status().progress, { c: { snapshotting: true } });
  c.raft("a").reportSnapshotFailure("c");
  t.like(c.raft("a").status().progress, { c: { snapshotting: false } });
  c.drop = undefined;
  c.run(3);
  t.is(c.sent.filter((m) => m.type === "snapshot").length, 2);
  t.deepEqual(c.values("c"), c.values("a"));
});

test("a snapshot that is never acknowledged is sent again after a few election timeouts", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.crash("c");
  for (let i = 0; i < 5; i++) c.propose("a", `v${i}`);
  c.stabilize();
  c.get("a").snapshot();
  c.restart("c");
  c.drop = (m) => m.type === "snapshot" && c.sent.filter((s) => s.type === "snapshot").length === 1;
  c.run(40);
  t.deepEqual(c.values("c"), c.values("a"));
});

test("a restarted server recovers from its persisted snapshot and log", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  for (let i = 0; i < 5; i++) c.propose("a", `v${i}`);
  c.stabilize();
  c.get("b").snapshot(2);
  c.propose("a", "v5");
  c.stabilize();
  c.crash("b");
  c.restart("b");
  const status = c.raft("b").status();
  t.is(status.applied, 6, "applied starts at the snapshot's index");
  t.is(status.firstIndex, 5);
  t.is(status.lastIndex, 7);
  c.run(2);
  t.deepEqual(c.values("b"), ["v0", "v1", "v2", "v3", "v4", "v5"]);
});

test("compact() ignores snapshots beyond the applied index or older than the last one", (t) => {
  const c = new Cluster(["a"]);
  c.elect("a");
  c.propose("a", "x");
  c.stabilize();
  const a = c.raft("a");
  const meta = { index: 9, term: 1, membership: membershipOf(["a"]) };
  a.compact({ meta, data: [bytes("{}")] });
  t.true(c.logger.warnings().includes("ignoring a snapshot past the applied index"));
});

test("MemoryStorage: append replaces a conflicting suffix and refuses gaps", (t) => {
  const s = new MemoryStorage();
  s.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
  t.is(s.lastIndex(), 3);
  s.append([entry(2, 2, "new")]);
  t.is(s.lastIndex(), 2);
  t.is(s.term(2), 2);
  t.throws(() => s.append([entry(5, 2)]), { instanceOf: RaftError });
  s.append([]);
  t.is(s.lastIndex(), 2);
  t.deepEqual(s.entries(1, 3).map((e) => e.index), [1, 2]);
});

test("MemoryStorage: entries() honours maxBytes but always returns one entry", (t) => {
  const s = new MemoryStorage();
  s.append([entry(1, 1, "aaaa"), entry(2, 1, "bbbb"), entry(3, 1, "cccc")]);
  t.is(s.entries(1, 4, 8).length, 2);
  t.is(s.entries(1, 4, 1).length, 1);
  t.is(s.entries(1, 4).length, 3);
  t.throws(() => s.entries(0, 2), { instanceOf: RaftError });
});

test("MemoryStorage: compaction keeps the term of the last compacted entry; stale compactions are no-ops", (t) => {
  const s = new MemoryStorage();
  s.append([entry(1, 1), entry(2, 2), entry(3, 3), entry(4, 3)]);
  s.compact(2);
  t.is(s.firstIndex(), 3);
  t.is(s.term(2), 2);
  t.is(s.term(1), undefined);
  s.compact(1);
  s.compact(-5);
  t.is(s.firstIndex(), 3);
  t.throws(() => s.compact(9), { instanceOf: RaftError });
  s.append([entry(2, 2), entry(3, 3), entry(4, 3), entry(5, 4)]);
  t.is(s.lastIndex(), 5, "entries the snapshot covers are skipped");
  t.is(s.firstIndex(), 3);
});

test("MemoryStorage: applySnapshot replaces the log; an older snapshot is refused", (t) => {
  const s = new MemoryStorage({ membership: membershipOf(["a"]) });
  s.append([entry(1, 1), entry(2, 1)]);
  const snap = { meta: { index: 10, term: 3, membership: membershipOf(["a", "b"]) }, data: [bytes("s")] };
  t.true(s.applySnapshot(snap));
  t.is(s.firstIndex(), 11);
  t.is(s.lastIndex(), 10);
  t.is(s.term(10), 3);
  t.deepEqual(s.initialState().membership, membershipOf(["a", "b"]));
  t.false(s.applySnapshot({ ...snap, meta: { ...snap.meta, index: 9 } }));
  t.is(s.snapshot(), snap);
});
