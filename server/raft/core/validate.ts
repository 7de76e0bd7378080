// Shape checks for messages from the network. A message that fails them is logged and dropped
// before it can touch any state: the core never throws on, or stores, malformed input.

import { isMembership, tryDecodeMembership } from "./membership.js";
import { isSnapshotSource } from "./snapshotData.js";
import type { Entry, Message } from "./types.js";

const entryTypes = new Set(["normal", "config", "noop"]);

function isIndex(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isBool(value: unknown): value is boolean {
  return typeof value === "boolean";
}

function checkEntries(entries: unknown, prevLogIndex: number, prevLogTerm: number, term: number): string | undefined {
  if (!Array.isArray(entries)) return "entries is not an array";
  let lastTerm = prevLogTerm;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Partial<Entry> | null;
    if (typeof e !== "object" || e === null) return `entry ${i} is not an object`;
    if (e.index !== prevLogIndex + 1 + i) return `entry ${i} has index ${String(e.index)}, expected ${prevLogIndex + 1 + i}`;
    if (!isIndex(e.term) || e.term < lastTerm || e.term > term) return `entry ${e.index} has term ${String(e.term)} out of order`;
    if (typeof e.type !== "string" || !entryTypes.has(e.type)) return `entry ${e.index} has unknown type ${String(e.type)}`;
    if (!(e.data instanceof Uint8Array)) return `entry ${e.index} has no data bytes`;
    if (e.type === "config" && !tryDecodeMembership(e.data)) return `config entry ${e.index} does not hold a membership`;
    lastTerm = e.term;
  }
  return undefined;
}

/** Why `msg` is malformed, or undefined when it is well formed. */
export function checkMessage(msg: Message): string | undefined {
  if (typeof msg !== "object" || (msg as unknown) === null) return "not an object";
  if (typeof msg.from !== "string" || msg.from === "") return "no sender";
  if (typeof msg.to !== "string") return "no recipient";
  if (!isIndex(msg.term)) return `term ${String(msg.term)} is not a valid term`;
  switch (msg.type) {
    case "append": {
      if (!isIndex(msg.prevLogIndex) || !isIndex(msg.prevLogTerm) || !isIndex(msg.commit) || !isIndex(msg.seq)) {
        return "append has an invalid prevLogIndex, prevLogTerm, commit or seq";
      }
      if (msg.prevLogTerm > msg.term) return `prevLogTerm ${msg.prevLogTerm} is beyond the message term ${msg.term}`;
      return checkEntries(msg.entries, msg.prevLogIndex, msg.prevLogTerm, msg.term);
    }
    case "appendResponse":
      if (!isBool(msg.success) || !isIndex(msg.matchIndex) || !isIndex(msg.conflictIndex) || !isIndex(msg.conflictTerm) ||
        !isIndex(msg.lastLogIndex) || !isIndex(msg.seq)) return "appendResponse has an invalid field";
      return undefined;
    case "vote":
      if (!isIndex(msg.lastLogIndex) || !isIndex(msg.lastLogTerm) || !isBool(msg.preVote) || !isBool(msg.transfer)) return "vote has an invalid field";
      return undefined;
    case "voteResponse":
      if (!isBool(msg.granted) || !isBool(msg.preVote)) return "voteResponse has an invalid field";
      return undefined;
    case "snapshot": {
      const s = msg.snapshot as unknown;
      if (typeof s !== "object" || s === null) return "snapshot message without a snapshot";
      const { meta, data } = msg.snapshot;
      if (typeof meta !== "object" || (meta as unknown) === null || !isIndex(meta.index) || !isIndex(meta.term)) return "snapshot has invalid metadata";
      if (meta.term > msg.term || (meta.index > 0 && meta.term === 0)) return `snapshot term ${meta.term} is impossible`;
      if (!isMembership(meta.membership)) return "snapshot membership is malformed";
      if (Array.isArray(data) ? !data.every((chunk) => chunk instanceof Uint8Array) : !isSnapshotSource(data)) {
        return "snapshot data is neither a list of byte chunks nor a source of them";
      }
      return undefined;
    }
    case "snapshotResponse":
      if (!isBool(msg.success) || !isIndex(msg.matchIndex)) return "snapshotResponse has an invalid field";
      return undefined;
    case "timeoutNow":
      return undefined;
    default:
      return `unknown message type ${String((msg as { type?: unknown }).type)}`;
  }
}
