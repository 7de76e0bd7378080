import test from "ava";
import * as pb from "../../proto/index.js";

test("a Raft message carrying an AppendEntries with two entries encodes and decodes unchanged", (t) => {
  const append: pb.AppendEntriesRequest = {
    prevLogIndex: 41,
    prevLogTerm: 6,
    entries: [
      { index: 42, term: 7, type: pb.EntryType.NOOP, data: Buffer.alloc(0) },
      { index: 43, term: 7, type: pb.EntryType.NORMAL, data: Buffer.from([0x01, 0x00, 0xff, 0x10]) },
    ],
    leaderCommit: 41,
    seq: 1_000_001,
  };
  const message: pb.RaftMessage = { clusterId: "c-9f2e", fromAddress: "127.0.0.1:4647", from: "server-1", to: "server-2", term: 7, body: { $case: "append", append } };
  const bytes = pb.RaftMessage.encode(message).finish();
  t.deepEqual(pb.RaftMessage.decode(bytes), message);
});

test("an AppendEntries rejection carries the conflict hint for fast back-off", (t) => {
  const response: pb.AppendEntriesResponse = {
    success: false, matchIndex: 0, conflictIndex: 30, conflictTerm: 5, lastLogIndex: 35, seq: 9,
  };
  t.deepEqual(pb.AppendEntriesResponse.decode(pb.AppendEntriesResponse.encode(response).finish()), response);
});

test("a config change entry carries the whole membership after the change", (t) => {
  const membership: pb.Membership = {
    voters: [{ id: "s1", address: "127.0.0.1:4647" }, { id: "s2", address: "127.0.0.1:4648" }],
    learners: [{ id: "s3", address: "127.0.0.1:4649" }],
  };
  const entry: pb.Entry = {
    index: 5, term: 2, type: pb.EntryType.CONFIG_CHANGE, data: Buffer.from(pb.Membership.encode(membership).finish()),
  };
  const decoded = pb.Entry.decode(pb.Entry.encode(entry).finish());
  t.is(decoded.type, pb.EntryType.CONFIG_CHANGE);
  t.deepEqual(pb.Membership.decode(decoded.data), membership);
});

test("an InstallSnapshot chunk encodes and decodes unchanged", (t) => {
  const chunk: pb.InstallSnapshotRequest = {
    clusterId: "c-9f2e",
    term: 9,
    leaderId: "server-2",
    lastIncludedIndex: 10_000,
    lastIncludedTerm: 8,
    membership: { voters: [{ id: "s1", address: "a:1" }, { id: "s2", address: "b:2" }, { id: "s3", address: "c:3" }], learners: [] },
    offset: 1 << 20,
    data: Buffer.from("snapshot bytes"),
    done: true,
  };
  t.deepEqual(pb.InstallSnapshotRequest.decode(pb.InstallSnapshotRequest.encode(chunk).finish()), chunk);
});

test("a pre-vote request keeps its flags", (t) => {
  const request: pb.RequestVoteRequest = {
    lastLogIndex: 100, lastLogTerm: 3, preVote: true, leadershipTransfer: true,
  };
  t.deepEqual(pb.RequestVoteRequest.decode(pb.RequestVoteRequest.encode(request).finish()), request);
});

test("a 64-bit index above 2^53 fails to decode rather than losing precision", (t) => {
  const bytes = Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]); // field 1 (term) = 2^63 - 1
  t.throws(() => pb.RaftMessage.decode(Buffer.concat([Buffer.from([0x20]), bytes.subarray(1)])));
});
