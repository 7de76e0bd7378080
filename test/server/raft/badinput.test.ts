// Messages from the network are untrusted: whatever arrives, the core must not throw and must
// not corrupt its log. Malformed or misplaced messages are dropped with a warning; messages
// that are merely out of date are answered (or ignored) without changing anything.

import test, { type ExecutionContext } from "ava";
import type { AppendMessage, Message, RaftNode } from "../../../server/raft/core/index.js";
import { Cluster } from "./support/cluster.js";
import { bytes } from "./support/machine.js";
import type { Server } from "./support/server.js";

/** A cluster with a leader (a) in term 1 and two entries replicated everywhere. */
function settled(): Cluster {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  c.propose("a", "x");
  c.stabilize();
  c.run(1);
  c.logger.clear();
  return c;
}

function fingerprint(s: Server): string {
  const terms: number[] = [];
  for (let i = s.disk.firstIndex(); i <= s.disk.lastIndex(); i++) terms.push(s.disk.term(i) ?? -1);
  return JSON.stringify({ status: s.raft.status(), terms, hard: s.disk.hardState() });
}

/** Steps `m` into `server`; it must not throw, change state, or produce output; it must warn. */
function ignored(t: ExecutionContext, c: Cluster, id: string, m: unknown, warning: string): void {
  const server = c.get(id);
  const before = fingerprint(server);
  t.notThrows(() => server.raft.step(m as Message));
  t.is(fingerprint(server), before, "no state change");
  t.false(server.raft.hasReady(), "no output");
  t.true(c.logger.warnings().some((w) => w.includes(warning)), `warned "${warning}" (got ${JSON.stringify(c.logger.warnings())})`);
  c.logger.clear();
}

const append: AppendMessage = { type: "append", from: "a", to: "b", term: 1, prevLogIndex: 2, prevLogTerm: 1, entries: [], commit: 2, seq: 0 };
const entry = (index: number, term = 1) => ({ index, term, type: "normal" as const, data: bytes("e") });

test("messages from servers that are not voters are ignored", (t) => {
  const c = settled();
  ignored(t, c, "a", { type: "appendResponse", from: "zz", to: "a", term: 1, success: true, matchIndex: 2, conflictIndex: 0, conflictTerm: 0, lastLogIndex: 2, seq: 0 }, "not a voter");
  ignored(t, c, "a", { type: "snapshotResponse", from: "zz", to: "a", term: 1, success: true, matchIndex: 2 }, "not a voter");
});

test("a vote from a server that is not a voter does not count toward a majority", (t) => {
  const c = new Cluster(["a", "b", "c"], { preVote: false });
  c.isolate("a");
  c.raft("a").campaign();
  c.stabilize();
  c.logger.clear();
  ignored(t, c, "a", { type: "voteResponse", from: "zz", to: "a", term: 1, granted: true, preVote: false }, "not a voter");
  t.is(c.raft("a").status().role, "candidate");
});

test("messages addressed to another server, from this server itself, or without a sender are dropped", (t) => {
  const c = settled();
  ignored(t, c, "b", { ...append, to: "c" }, "addressed to another server");
  ignored(t, c, "b", { ...append, from: "b" }, "from this server");
  ignored(t, c, "b", { ...append, from: "" }, "malformed");
});

test("messages with impossible numbers are dropped: negative, fractional, NaN or unsafe indexes and terms", (t) => {
  const c = settled();
  ignored(t, c, "b", { ...append, prevLogIndex: -1 }, "malformed");
  ignored(t, c, "b", { ...append, prevLogIndex: 1.5 }, "malformed");
  ignored(t, c, "b", { ...append, term: Number.NaN }, "malformed");
  ignored(t, c, "b", { ...append, commit: 2 ** 60 }, "malformed");
  ignored(t, c, "b", { ...append, seq: -3 }, "malformed");
  ignored(t, c, "b", { ...append, term: 1, prevLogTerm: 4 }, "malformed");
  ignored(t, c, "a", { type: "appendResponse", from: "b", to: "a", term: 1, success: true, matchIndex: -2, conflictIndex: 0, conflictTerm: 0, lastLogIndex: 2, seq: 0 }, "malformed");
  ignored(t, c, "b", { type: "vote", from: "c", to: "b", term: 1, lastLogIndex: "7", lastLogTerm: 1, preVote: false, transfer: false }, "malformed");
});

test("appends whose entries are out of order, of a later term, or not entries at all are dropped", (t) => {
  const c = settled();
  ignored(t, c, "b", { ...append, entries: [entry(3), entry(3)] }, "malformed");
  ignored(t, c, "b", { ...append, entries: [entry(4)] }, "malformed");
  ignored(t, c, "b", { ...append, entries: [entry(3), entry(5)] }, "malformed");
  ignored(t, c, "b", { ...append, entries: [entry(3, 2)] }, "malformed");
  ignored(t, c, "b", { ...append, entries: [entry(3, 0)] }, "malformed");
  ignored(t, c, "b", { ...append, entries: [{ ...entry(3), type: "weird" }] }, "malformed");
  ignored(t, c, "b", { ...append, entries: [{ ...entry(3), data: "text" }] }, "malformed");
  ignored(t, c, "b", { ...append, entries: [{ ...entry(3), type: "config", data: bytes("garbage") }] }, "malformed");
  ignored(t, c, "b", { ...append, entries: "nope" }, "malformed");
  ignored(t, c, "b", { ...append, entries: [null] }, "malformed");
});

test("values that are not messages at all are dropped", (t) => {
  const c = settled();
  ignored(t, c, "b", null, "malformed");
  ignored(t, c, "b", 42, "malformed");
  ignored(t, c, "b", { ...append, type: "gossip" }, "malformed");
  ignored(t, c, "b", { type: "snapshot", from: "a", to: "b", term: 1 }, "malformed");
  ignored(t, c, "b", { type: "snapshot", from: "a", to: "b", term: 1, snapshot: { meta: { index: 9, term: 1, membership: { voters: "all" } }, data: [bytes("")] } }, "malformed");
  ignored(t, c, "b", { type: "snapshot", from: "a", to: "b", term: 1, snapshot: { meta: { index: 9, term: 7, membership: { voters: [] } }, data: [bytes("")] } }, "malformed");
});

test("messages of a type the role does not expect are ignored", (t) => {
  const c = settled();
  const response = { type: "appendResponse", from: "a", to: "b", term: 1, success: true, matchIndex: 2, conflictIndex: 0, conflictTerm: 0, lastLogIndex: 2, seq: 0 };
  ignored(t, c, "b", response, "not the leader");
  ignored(t, c, "b", { type: "timeoutNow", from: "c", to: "b", term: 1 }, "not from the current leader");
  ignored(t, c, "a", { ...append, from: "b", to: "a" }, "own term");
  ignored(t, c, "b", { ...append, from: "c" }, "second leader");
});

test("acknowledgements of entries the leader does not have are ignored", (t) => {
  const c = settled();
  const base = { type: "appendResponse", from: "b", to: "a", term: 1, conflictIndex: 0, conflictTerm: 0, lastLogIndex: 99, seq: 0 };
  ignored(t, c, "a", { ...base, success: true, matchIndex: 99 }, "past the end of the log");
  ignored(t, c, "a", { ...base, success: false, matchIndex: 99 }, "past the end of the log");
  ignored(t, c, "a", { type: "snapshotResponse", from: "b", to: "a", term: 1, success: true, matchIndex: 99 }, "past the end of the log");
});

function quietStep(t: ExecutionContext, raft: RaftNode, m: Message): Message[] {
  const before = raft.status();
  t.notThrows(() => raft.step(m));
  const rd = raft.ready();
  t.is(rd.entries.length, 0);
  t.is(rd.committed.length, 0);
  t.is(rd.snapshot, undefined);
  raft.advance(rd);
  t.deepEqual(raft.status(), before);
  return rd.messages;
}

test("an append whose prevLogIndex is far beyond the log is rejected without touching the log", (t) => {
  const c = settled();
  const out = quietStep(t, c.raft("b"), { ...append, prevLogIndex: 2 ** 52, prevLogTerm: 1 });
  t.like(out, [{ type: "appendResponse", success: false, conflictIndex: 3, conflictTerm: 0, lastLogIndex: 2 }]);
});

test("an append older than the follower's commit index is acknowledged at the commit index, entries ignored", (t) => {
  const c = settled();
  const out = quietStep(t, c.raft("b"), { ...append, prevLogIndex: 0, prevLogTerm: 0, entries: [{ ...entry(1), term: 1, type: "noop" }] });
  t.like(out, [{ type: "appendResponse", success: true, matchIndex: 2 }]);
});

test("a message from an older term changes nothing; a stale leader is told the current term", (t) => {
  const c = settled();
  c.raft("b").campaign(); // pre-vote refused by c, so b stays in term 1
  c.stabilize();
  const b = c.raft("b");
  const out = quietStep(t, b, { ...append, term: 0, prevLogTerm: 0, prevLogIndex: 0 });
  t.like(out, [{ type: "appendResponse", term: 1, success: false }]);
  t.deepEqual(quietStep(t, b, { type: "voteResponse", from: "c", to: "b", term: 0, granted: true, preVote: false }), []);
});

test("a higher term makes a server a follower (outside leader stickiness)", (t) => {
  const c = new Cluster(["a", "b", "c"], { preVote: false, checkQuorum: false });
  c.elect("a");
  c.raft("a").step({ type: "vote", from: "c", to: "a", term: 7, lastLogIndex: 0, lastLogTerm: 0, preVote: false, transfer: false });
  const st = c.raft("a").status();
  t.is(st.role, "follower");
  t.is(st.term, 7);
  t.like(c.raft("a").ready().messages, [{ type: "voteResponse", granted: false, term: 7 }], "c's log is behind, so no vote");
});

test("a random stream of garbage never throws and never changes a committed entry", (t) => {
  const c = settled();
  const committed = c.get("b").disk.entries(1, 3);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const numbers = [0, 1, 2, 3, 5, -1, 1.5, Number.NaN, 2 ** 53, 1e9];
  for (let i = 0; i < 3000; i++) {
    const n = () => pick(numbers);
    const m = {
      type: pick(["append", "appendResponse", "vote", "voteResponse", "snapshot", "snapshotResponse", "timeoutNow", "x"]),
      from: pick(["a", "b", "c", "zz", ""]), to: pick(["a", "b", "c"]), term: pick([0, 1, 1, 1, 2]),
      prevLogIndex: n(), prevLogTerm: pick([0, 1, 2]), commit: n(), seq: n(), success: rnd() < 0.5, matchIndex: n(),
      conflictIndex: n(), conflictTerm: n(), lastLogIndex: n(), lastLogTerm: n(), preVote: rnd() < 0.5, transfer: rnd() < 0.1,
      granted: rnd() < 0.5, entries: Array.from({ length: Math.floor(rnd() * 3) }, (_, k) => ({ index: 3 + k, term: pick([1, 2]), type: "normal", data: bytes("g") })),
    };
    const target = c.get(m.to);
    t.notThrows(() => target.raft.step(m as unknown as Message));
    c.flushReadies();
    c.queue = [];
  }
  for (const id of ["a", "b", "c"]) {
    const disk = c.get(id).disk;
    if (disk.firstIndex() <= 1) t.deepEqual(disk.entries(1, 3), committed, id);
  }
});
