// Raft messages cross the network as protobuf; what arrives malformed is rejected before the core.

import test from "ava";
import * as pb from "../../../proto/index.js";
import type { Message } from "../../../server/raft/core/index.js";
import { messageFromWire, messageToWire } from "../../../server/raft/wire.js";

const messages: Message[] = [
  { type: "append", from: "a", to: "b", term: 3, prevLogIndex: 7, prevLogTerm: 2, commit: 6, seq: 9,
    entries: [{ index: 8, term: 3, type: "noop", data: new Uint8Array() }, { index: 9, term: 3, type: "normal", data: new Uint8Array([1, 2, 3]) }] },
  { type: "appendResponse", from: "b", to: "a", term: 3, success: false, matchIndex: 7, conflictIndex: 5, conflictTerm: 2, lastLogIndex: 6, seq: 9 },
  { type: "vote", from: "c", to: "a", term: 4, lastLogIndex: 9, lastLogTerm: 3, preVote: true, transfer: false },
  { type: "voteResponse", from: "a", to: "c", term: 4, granted: true, preVote: true },
  { type: "timeoutNow", from: "a", to: "b", term: 3 },
  { type: "snapshotResponse", from: "b", to: "a", term: 3, success: true, matchIndex: 100 },
];

for (const message of messages) {
  test(`a ${message.type} message survives encoding, the network and decoding`, (t) => {
    const wire = pb.RaftMessage.decode(pb.RaftMessage.encode(messageToWire("cluster", "127.0.0.1:1", message)).finish());
    t.is(wire.clusterId, "cluster");
    t.is(wire.fromAddress, "127.0.0.1:1");
    const back = messageFromWire(wire);
    if (back.type === "append" && message.type === "append") {
      t.deepEqual(back.entries.map((e) => [e.index, e.term, e.type, [...e.data]]), message.entries.map((e) => [e.index, e.term, e.type, [...e.data]]));
      t.deepEqual({ ...back, entries: [] }, { ...message, entries: [] });
    } else {
      t.deepEqual(back, message);
    }
  });
}

test("malformed messages are rejected with a reason", (t) => {
  const base = { clusterId: "c", fromAddress: "", from: "a", to: "b", term: 1 };
  t.throws(() => messageFromWire({ ...base, body: undefined }), { message: /without a body/ });
  t.throws(() => messageFromWire({ ...base, from: "", body: { $case: "timeoutNow", timeoutNow: {} } }), { message: /without from\/to/ });
  t.throws(() => messageFromWire({
    ...base, body: { $case: "append", append: { prevLogIndex: 4, prevLogTerm: 1, leaderCommit: 0, seq: 1, entries: [{ index: 9, term: 1, type: pb.EntryType.NORMAL, data: Buffer.from("x") }] } },
  }), { message: /not contiguous/ });
  t.throws(() => messageFromWire({
    ...base, body: { $case: "append", append: { prevLogIndex: 0, prevLogTerm: 0, leaderCommit: 0, seq: 1, entries: [{ index: 1, term: 1, type: 42 as pb.EntryType, data: Buffer.from("x") }] } },
  }), { message: /unknown entry type/ });
  t.throws(() => messageFromWire({ ...base, term: -1, body: { $case: "timeoutNow", timeoutNow: {} } }), { message: /not a valid index/ });
});
