// A toy replicated state machine: the list of applied commands, a rolling digest of every entry
// applied (so two machines at one index can be compared cheaply), and the membership as of the
// applied index (what a snapshot must carry).

import { decodeMembership, isSnapshotSource, type Entry, type Membership, type SnapshotData } from "../../../../server/raft/core/index.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function text(data: Uint8Array): string {
  return decoder.decode(data);
}

export function bytes(value: string): Uint8Array {
  return encoder.encode(value);
}

/** Identity of an entry's content, for comparing logs and applied sequences. */
export function entryKey(entry: Entry): string {
  return `${entry.term}:${entry.type}:${text(entry.data)}`;
}

export function extendDigest(digest: number, key: string): number {
  let h = digest ^ 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class ToyMachine {
  index = 0;
  digest = 0;
  values: string[] = [];
  membership: Membership;

  constructor(membership: Membership) {
    this.membership = membership;
  }

  apply(entry: Entry): void {
    if (entry.index !== this.index + 1) throw new Error(`applied entry ${entry.index} after ${this.index}: not in order`);
    this.index = entry.index;
    this.digest = extendDigest(this.digest, entryKey(entry));
    if (entry.type === "normal") this.values.push(text(entry.data));
    if (entry.type === "config") this.membership = decodeMembership(entry.data);
  }

  /** The state as small chunks, split mid-value on purpose: chunk boundaries must mean nothing. */
  snapshotData(): Uint8Array[] {
    const all = bytes(JSON.stringify({ index: this.index, digest: this.digest, values: this.values }));
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < all.length; at += 64) chunks.push(all.subarray(at, at + 64));
    return chunks;
  }

  /** Restores from chunks in memory: the simulation's disk keeps them there. */
  restore(data: SnapshotData, membership: Membership): void {
    if (isSnapshotSource(data)) throw new Error("the toy machine restores from chunks in memory only");
    const parsed = JSON.parse(text(Buffer.concat(data as readonly Uint8Array[]))) as { index: number; digest: number; values: string[] };
    this.index = parsed.index;
    this.digest = parsed.digest;
    this.values = parsed.values;
    this.membership = membership;
  }
}
