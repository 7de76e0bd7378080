// Raft core messages ⇄ protobuf. Decoding checks shapes and numbers so that a malformed message
// from the network is rejected here, before it reaches the core.

import * as pb from "../../proto/index.js";
import type { Entry, EntryType, Message } from "./core/index.js";

const ENTRY_TYPE_TO_WIRE: Record<EntryType, pb.EntryType> = {
  normal: pb.EntryType.NORMAL, config: pb.EntryType.CONFIG_CHANGE, noop: pb.EntryType.NOOP,
};

function entryTypeFromWire(type: pb.EntryType): EntryType {
  switch (type) {
    case pb.EntryType.NORMAL: return "normal";
    case pb.EntryType.CONFIG_CHANGE: return "config";
    case pb.EntryType.NOOP: return "noop";
    default: throw new Error(`unknown entry type ${type}`);
  }
}

export function messageToWire(clusterId: string, fromAddress: string, m: Message): pb.RaftMessage {
  const envelope = { clusterId, fromAddress, from: m.from, to: m.to, term: m.term };
  switch (m.type) {
    case "append":
      return {
        ...envelope,
        body: {
          $case: "append",
          append: {
            prevLogIndex: m.prevLogIndex, prevLogTerm: m.prevLogTerm, leaderCommit: m.commit, seq: m.seq,
            // A copy: the message may wait in the stream's queue after the log has reused the
            // memory its entries were read from (see core/logArena.ts).
            entries: m.entries.map((e) => ({ index: e.index, term: e.term, type: ENTRY_TYPE_TO_WIRE[e.type], data: Buffer.from(e.data) })),
          },
        },
      };
    case "appendResponse":
      return {
        ...envelope,
        body: {
          $case: "appendResponse",
          appendResponse: {
            success: m.success, matchIndex: m.matchIndex, conflictIndex: m.conflictIndex, conflictTerm: m.conflictTerm,
            lastLogIndex: m.lastLogIndex, seq: m.seq,
          },
        },
      };
    case "vote":
      return {
        ...envelope,
        body: { $case: "vote", vote: { lastLogIndex: m.lastLogIndex, lastLogTerm: m.lastLogTerm, preVote: m.preVote, leadershipTransfer: m.transfer } },
      };
    case "voteResponse":
      return { ...envelope, body: { $case: "voteResponse", voteResponse: { voteGranted: m.granted, preVote: m.preVote } } };
    case "timeoutNow":
      return { ...envelope, body: { $case: "timeoutNow", timeoutNow: {} } };
    case "snapshotResponse":
      return { ...envelope, body: { $case: "snapshotResponse", snapshotResponse: { success: m.success, matchIndex: m.matchIndex } } };
    case "snapshot":
      throw new Error("snapshots travel over InstallSnapshot, not the message stream");
  }
}

function checkIndex(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${what} ${value} is not a valid index`);
  return value;
}

/** The core message, or an Error describing why the wire message is malformed. */
export function messageFromWire(w: pb.RaftMessage): Message {
  if (!w.from || !w.to) throw new Error("message without from/to");
  const envelope = { from: w.from, to: w.to, term: checkIndex(w.term, "term") };
  const body = w.body;
  if (!body) throw new Error("message without a body");
  switch (body.$case) {
    case "append": {
      const a = body.append;
      const prevLogIndex = checkIndex(a.prevLogIndex, "prevLogIndex");
      const entries: Entry[] = a.entries.map((e, i) => {
        if (e.index !== prevLogIndex + i + 1) throw new Error("entries are not contiguous after prevLogIndex");
        return {
          index: e.index,
          term: checkIndex(e.term, "entry term"),
          type: entryTypeFromWire(e.type),
          data: new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength),
        };
      });
      return {
        ...envelope, type: "append", prevLogIndex, prevLogTerm: checkIndex(a.prevLogTerm, "prevLogTerm"),
        entries, commit: checkIndex(a.leaderCommit, "commit"), seq: a.seq,
      };
    }
    case "appendResponse": {
      const r = body.appendResponse;
      return {
        ...envelope, type: "appendResponse", success: r.success, matchIndex: checkIndex(r.matchIndex, "matchIndex"),
        conflictIndex: checkIndex(r.conflictIndex, "conflictIndex"), conflictTerm: checkIndex(r.conflictTerm, "conflictTerm"),
        lastLogIndex: checkIndex(r.lastLogIndex, "lastLogIndex"), seq: r.seq,
      };
    }
    case "vote":
      return {
        ...envelope, type: "vote", lastLogIndex: checkIndex(body.vote.lastLogIndex, "lastLogIndex"),
        lastLogTerm: checkIndex(body.vote.lastLogTerm, "lastLogTerm"), preVote: body.vote.preVote, transfer: body.vote.leadershipTransfer,
      };
    case "voteResponse":
      return { ...envelope, type: "voteResponse", granted: body.voteResponse.voteGranted, preVote: body.voteResponse.preVote };
    case "timeoutNow":
      return { ...envelope, type: "timeoutNow" };
    case "snapshotResponse":
      return { ...envelope, type: "snapshotResponse", success: body.snapshotResponse.success, matchIndex: checkIndex(body.snapshotResponse.matchIndex, "matchIndex") };
  }
}
