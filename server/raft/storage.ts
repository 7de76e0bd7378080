// The durable half of Raft: log entries, hard state and the latest snapshot in LevelDB.
// Each persist() is one atomic batch, fsync'd when the Ready batch says it must be — so a batch
// of proposals costs one fsync (group commit), and nothing is acknowledged before it is on disk.
//
// A snapshot is stored as its chunks, one value each, beside a small record of its meta and
// chunk count, all in one batch: a large state's snapshot is gigabytes, which must neither be
// copied into one buffer nor be one LevelDB value. The chunk count in the record says which
// chunk values belong to it; chunks of a longer older snapshot are deleted in the same batch.

import { ClassicLevel } from "classic-level";
import { UserError } from "../../shared/errors.js";
import type { Entry, EntryType, HardState, Snapshot, SnapshotMeta } from "./core/index.js";

const ENTRY_PREFIX = 0x65; // "e"
const HARD_STATE_KEY = Buffer.from("hardstate");
/** Where older versions kept the snapshot: meta and data in one value. Read, then replaced. */
const LEGACY_SNAPSHOT_KEY = Buffer.from("snapshot");
const SNAPSHOT_META_KEY = Buffer.from("snapmeta");
const SNAPSHOT_CHUNK_PREFIX = "snapchunk:";
const META_PREFIX = "meta:";
const ENTRY_TYPES: readonly EntryType[] = ["normal", "config", "noop"];

function entryKey(index: number): Buffer {
  const key = Buffer.allocUnsafe(9);
  key[0] = ENTRY_PREFIX;
  key.writeBigUInt64BE(BigInt(index), 1);
  return key;
}

function encodeEntry(entry: Entry): Buffer {
  const header = Buffer.allocUnsafe(9);
  header.writeBigUInt64BE(BigInt(entry.term), 0);
  header[8] = ENTRY_TYPES.indexOf(entry.type);
  return Buffer.concat([header, entry.data]);
}

function decodeEntry(index: number, value: Buffer): Entry {
  return {
    index,
    term: Number(value.readBigUInt64BE(0)),
    type: ENTRY_TYPES[value[8] ?? 0] ?? "normal",
    data: new Uint8Array(value.buffer, value.byteOffset + 9, value.length - 9),
  };
}

function chunkKey(n: number): Buffer {
  const key = Buffer.alloc(SNAPSHOT_CHUNK_PREFIX.length + 4, SNAPSHOT_CHUNK_PREFIX);
  key.writeUInt32BE(n, SNAPSHOT_CHUNK_PREFIX.length);
  return key;
}

interface SnapshotRecord {
  meta: SnapshotMeta;
  chunks: number;
  bytes: number;
}

function decodeLegacySnapshot(value: Buffer): Snapshot {
  const length = value.readUInt32BE(0);
  const meta = JSON.parse(value.subarray(4, 4 + length).toString()) as SnapshotMeta;
  return { meta, data: [new Uint8Array(value.subarray(4 + length))] };
}

const asBuffer = (chunk: Uint8Array): Buffer => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);

export interface PersistBatch {
  hardState?: HardState;
  /** Replace the log from entries[0].index on. */
  entries: Entry[];
  /** A snapshot to store; entries it covers are dropped. */
  snapshot?: Snapshot;
}

export interface StoredRaftState {
  hardState?: HardState;
  snapshot?: Snapshot;
  /** Entries after the snapshot, contiguous. */
  entries: Entry[];
}

export class RaftDiskStorage {
  private lastIndex = 0;
  private firstIndex = 1;
  /** One past the highest snapshot chunk key on disk: what writing a new snapshot must clear. */
  private chunkKeys = 0;

  private constructor(private readonly db: ClassicLevel<Buffer, Buffer>) {}

  /** Opens the log under `dir`; a data dir held by a running agent is a user error. */
  static async open(dir: string): Promise<RaftDiskStorage> {
    const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: "buffer", valueEncoding: "buffer" });
    try {
      await db.open();
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      if (cause?.code === "LEVEL_LOCKED") {
        throw new UserError(`data dir ${dir} is already in use by another nomadish agent`);
      }
      throw err;
    }
    return new RaftDiskStorage(db);
  }

  /** Whether this server ever took part in a cluster (every Raft start writes a hard state). */
  async hasState(): Promise<boolean> {
    return (await this.db.get(HARD_STATE_KEY)) !== undefined || (await this.db.get(SNAPSHOT_META_KEY)) !== undefined ||
      (await this.db.get(LEGACY_SNAPSHOT_KEY)) !== undefined;
  }

  async load(): Promise<StoredRaftState> {
    const state: StoredRaftState = { entries: [] };
    const hardState = await this.db.get(HARD_STATE_KEY);
    if (hardState) state.hardState = JSON.parse(hardState.toString()) as HardState;
    const snapshot = await this.loadSnapshot();
    if (snapshot) state.snapshot = snapshot;
    const after = state.snapshot?.meta.index ?? 0;
    this.firstIndex = after + 1;
    for await (const [key, value] of this.db.iterator({ gt: entryKey(after), lt: entryKey(Number.MAX_SAFE_INTEGER) })) {
      const index = Number(key.readBigUInt64BE(1));
      // A crash between a batch and the cleanup of a longer old suffix can leave a gap: the log ends there.
      if (index !== after + state.entries.length + 1) break;
      state.entries.push(decodeEntry(index, value));
    }
    this.lastIndex = after + state.entries.length;
    return state;
  }

  private async loadSnapshot(): Promise<Snapshot | undefined> {
    for await (const key of this.db.keys({ gte: chunkKey(0), lte: chunkKey(0xffffffff), reverse: true, limit: 1 })) {
      this.chunkKeys = key.readUInt32BE(SNAPSHOT_CHUNK_PREFIX.length) + 1;
    }
    const value = await this.db.get(SNAPSHOT_META_KEY);
    if (!value) {
      const legacy = await this.db.get(LEGACY_SNAPSHOT_KEY);
      return legacy ? decodeLegacySnapshot(legacy) : undefined;
    }
    const record = JSON.parse(value.toString()) as SnapshotRecord;
    const data: Uint8Array[] = [];
    let bytes = 0;
    if (record.chunks > 0) {
      for await (const [key, chunk] of this.db.iterator({ gte: chunkKey(0), lt: chunkKey(record.chunks) })) {
        const n = key.readUInt32BE(SNAPSHOT_CHUNK_PREFIX.length);
        if (n !== data.length) break;
        data.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        bytes += chunk.length;
      }
    }
    if (data.length !== record.chunks || bytes !== record.bytes) {
      throw new Error(`raft storage: the snapshot at index ${record.meta.index} is damaged: ${data.length} of ${record.chunks} chunks, ${bytes} of ${record.bytes} bytes`);
    }
    return { meta: record.meta, data };
  }

  async persist(batch: PersistBatch, sync: boolean): Promise<void> {
    const ops = this.db.batch();
    let stale: { from: number; to: number } | undefined;
    if (batch.snapshot) {
      const { meta, data } = batch.snapshot;
      let bytes = 0;
      data.forEach((chunk, n) => {
        ops.put(chunkKey(n), asBuffer(chunk));
        bytes += chunk.length;
      });
      for (let n = data.length; n < this.chunkKeys; n++) ops.del(chunkKey(n));
      this.chunkKeys = data.length;
      ops.put(SNAPSHOT_META_KEY, Buffer.from(JSON.stringify({ meta, chunks: data.length, bytes } satisfies SnapshotRecord)));
      ops.del(LEGACY_SNAPSHOT_KEY);
      stale = { from: this.firstIndex, to: batch.snapshot.meta.index };
      this.firstIndex = batch.snapshot.meta.index + 1;
      this.lastIndex = Math.max(this.lastIndex, batch.snapshot.meta.index);
    }
    const first = batch.entries[0];
    if (first) {
      for (const entry of batch.entries) ops.put(entryKey(entry.index), encodeEntry(entry));
      const newLast = first.index + batch.entries.length - 1;
      // Entries past the new end came from a deposed leader: they must not survive (§5.3).
      for (let index = newLast + 1; index <= this.lastIndex; index++) ops.del(entryKey(index));
      this.lastIndex = newLast;
    }
    if (batch.hardState) ops.put(HARD_STATE_KEY, Buffer.from(JSON.stringify(batch.hardState)));
    await ops.write({ sync });
    if (stale && stale.to >= stale.from) await this.db.clear({ gte: entryKey(stale.from), lte: entryKey(stale.to) });
  }

  /** Stores a snapshot the local state machine made and drops the entries it covers. */
  async compact(snapshot: Snapshot): Promise<void> {
    await this.persist({ snapshot, entries: [] }, true);
  }

  async getMeta(name: string): Promise<string | undefined> {
    const value = await this.db.get(Buffer.from(META_PREFIX + name));
    return value?.toString();
  }

  async putMeta(name: string, value: string): Promise<void> {
    await this.db.put(Buffer.from(META_PREFIX + name), Buffer.from(value), { sync: true });
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
