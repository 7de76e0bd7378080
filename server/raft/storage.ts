// The durable half of Raft: log entries, hard state and the latest snapshot in LevelDB.
// Each persist() is one atomic batch, fsync'd when the Ready batch says it must be — so a batch
// of proposals costs one fsync (group commit), and nothing is acknowledged before it is on disk.
//
// A snapshot is gigabytes for a large state: it is never held in memory whole, nor written in one
// batch. Its chunks are written one value each, as they are made (by the encoder, or as they
// arrive from the leader), under a generation number of their own that nothing refers to yet.
// Once all are written, one small batch points the snapshot record at the new generation (meta,
// chunk count, total bytes) and drops the log entries it covers; the old generation's chunks
// are deleted after that. A crash at any point therefore leaves the old snapshot or the new one,
// complete: chunks of a generation that was never switched to are deleted on the next load.
//
// Keys: "snapgen:" + generation (u32 BE) + chunk number (u32 BE). Older versions kept one
// snapshot under "snapchunk:" + chunk number, or in one value under "snapshot"; both still load.

import { ClassicLevel } from "classic-level";
import { UserError } from "../../shared/errors.js";
import { snapshotChunks, type Entry, type EntryType, type HardState, type Snapshot, type SnapshotMeta, type SnapshotSource } from "./core/index.js";

const ENTRY_PREFIX = 0x65; // "e"
const HARD_STATE_KEY = Buffer.from("hardstate");
/** Where the oldest versions kept the snapshot: meta and data in one value. Read, then replaced. */
const LEGACY_SNAPSHOT_KEY = Buffer.from("snapshot");
const SNAPSHOT_META_KEY = Buffer.from("snapmeta");
/** Where the previous version kept the chunks of its one snapshot. Read, then replaced. */
const LEGACY_CHUNK_PREFIX = "snapchunk:";
const GENERATION_PREFIX = "snapgen:";
const MAX_U32 = 0xffffffff;
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

function legacyChunkKey(n: number): Buffer {
  const key = Buffer.alloc(LEGACY_CHUNK_PREFIX.length + 4, LEGACY_CHUNK_PREFIX);
  key.writeUInt32BE(n, LEGACY_CHUNK_PREFIX.length);
  return key;
}

function chunkKey(generation: number, n: number): Buffer {
  const key = Buffer.alloc(GENERATION_PREFIX.length + 8, GENERATION_PREFIX);
  key.writeUInt32BE(generation, GENERATION_PREFIX.length);
  key.writeUInt32BE(n, GENERATION_PREFIX.length + 4);
  return key;
}

/** Every chunk key of generations [from, to] (inclusive). */
function generationRange(from: number, to: number): { gte: Buffer; lte: Buffer } {
  return { gte: chunkKey(from, 0), lte: chunkKey(to, MAX_U32) };
}

interface SnapshotRecord {
  meta: SnapshotMeta;
  chunks: number;
  bytes: number;
  /** The generation whose chunks these are; absent when written by the previous version ("snapchunk:" keys). */
  generation?: number;
}

const view = (value: Buffer): Uint8Array => new Uint8Array(value.buffer, value.byteOffset, value.byteLength);

/** A snapshot's chunks in LevelDB, read one value at a time. */
class StoredChunks implements SnapshotSource {
  constructor(
    private readonly db: ClassicLevel<Buffer, Buffer>,
    /** undefined: the previous version's "snapchunk:" keys. */
    readonly generation: number | undefined,
    readonly count: number,
    readonly bytes: number,
    /** For error messages. */
    private readonly index: number,
  ) {}

  private key(n: number): Buffer {
    return this.generation === undefined ? legacyChunkKey(n) : chunkKey(this.generation, n);
  }

  async *chunks(): AsyncIterable<Uint8Array> {
    let n = 0;
    let bytes = 0;
    if (this.count > 0) {
      // An iterator reads from an implicit snapshot of the database taken when it is created:
      // chunks deleted while this read goes on (a newer snapshot replaced them) are still seen.
      for await (const [key, value] of this.db.iterator({ gte: this.key(0), lt: this.key(this.count) })) {
        if (key.readUInt32BE(key.length - 4) !== n) break;
        n += 1;
        bytes += value.length;
        yield view(value);
      }
    }
    if (n !== this.count || bytes !== this.bytes) {
      throw new Error(`raft storage: the snapshot at index ${this.index} is damaged or was replaced: read ${n} of ${this.count} chunks, ${bytes} of ${this.bytes} bytes`);
    }
  }
}

/** The oldest layout: meta and data in one value (only ever written for small states). */
function decodeLegacySnapshot(value: Buffer): Snapshot {
  const length = value.readUInt32BE(0);
  const meta = JSON.parse(value.subarray(4, 4 + length).toString()) as SnapshotMeta;
  return { meta, data: [view(value.subarray(4 + length))] };
}

/**
 * Writes one snapshot's chunks under a fresh generation. Nothing refers to them until the
 * snapshot is persisted (the switch); abort() deletes them.
 */
export class SnapshotWriter {
  private count = 0;
  private bytes = 0;
  private state: "writing" | "finished" | "aborted" = "writing";

  constructor(private readonly storage: RaftDiskStorage, private readonly db: ClassicLevel<Buffer, Buffer>, readonly generation: number) {}

  /**
   * Stores the next chunk. Durable when it resolves (each is fsync'd: LevelDB syncs only the log
   * file being written, not the ones it rotated away from), and the caller may reuse the buffer.
   */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.state !== "writing") throw new Error(`raft storage: snapshot generation ${this.generation} is ${this.state}`);
    if (chunk.length === 0) return;
    const n = this.count++;
    this.bytes += chunk.length;
    await this.db.put(chunkKey(this.generation, n), Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), { sync: true });
  }

  /** All chunks are written: the source to persist (as a snapshot's data) or read back. */
  finish(index: number): SnapshotSource {
    if (this.state !== "writing") throw new Error(`raft storage: snapshot generation ${this.generation} is ${this.state}`);
    this.state = "finished";
    this.storage.finished(this.generation, index);
    return new StoredChunks(this.db, this.generation, this.count, this.bytes, index);
  }

  /** Deletes what was written: the snapshot will not be used. */
  async abort(): Promise<void> {
    if (this.state === "aborted") return;
    this.state = "aborted";
    await this.storage.discard(this.generation);
  }
}

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
  /** Where the current snapshot's bytes are: what must be deleted once another one replaces it. */
  private current: { kind: "none" | "value" | "legacy-chunks" } | { kind: "generation"; generation: number } = { kind: "none" };
  private nextGeneration = 1;
  /** Generations whose chunks are all written but not (yet) switched to, with their index. */
  private readonly unswitched = new Map<number, number>();
  /** Deletions of replaced chunks, running in the background; close() waits for them. */
  private readonly cleanups = new Set<Promise<void>>();

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

  /**
   * The stored log. The snapshot comes as its meta and a source of its chunks, which are read
   * from disk only when restored or sent; call once, before writing anything.
   */
  async load(): Promise<StoredRaftState> {
    const state: StoredRaftState = { entries: [] };
    const hardState = await this.db.get(HARD_STATE_KEY);
    if (hardState) state.hardState = JSON.parse(hardState.toString()) as HardState;
    const snapshot = await this.loadSnapshot();
    if (snapshot) state.snapshot = snapshot;
    const after = state.snapshot?.meta.index ?? 0;
    this.firstIndex = after + 1;
    // Covered entries whose cleanup a stop or crash interrupted.
    if (after > 0) this.dropEntries(0, after);
    for await (const [key, value] of this.db.iterator({ gt: entryKey(after), lt: entryKey(Number.MAX_SAFE_INTEGER) })) {
      const index = Number(key.readBigUInt64BE(1));
      // A crash between a batch and the cleanup of a longer old suffix can leave a gap: the log ends there.
      if (index !== after + state.entries.length + 1) break;
      state.entries.push(decodeEntry(index, value));
    }
    this.lastIndex = after + state.entries.length;
    return state;
  }

  private async countKeys(range: { gte: Buffer; lt: Buffer }): Promise<number> {
    let n = 0;
    for await (const key of this.db.keys(range)) {
      if (key.readUInt32BE(key.length - 4) !== n) break;
      n += 1;
    }
    return n;
  }

  private async loadSnapshot(): Promise<Snapshot | undefined> {
    const value = await this.db.get(SNAPSHOT_META_KEY);
    const record = value ? JSON.parse(value.toString()) as SnapshotRecord : undefined;
    const generation = record?.generation;
    // Generations never switched to (a crash while one was written, or before its cleanup).
    let highest = 0;
    for await (const key of this.db.keys({ ...generationRange(0, MAX_U32), reverse: true, limit: 1 })) {
      highest = key.readUInt32BE(GENERATION_PREFIX.length);
    }
    if (generation === undefined) await this.db.clear(generationRange(0, MAX_U32));
    else {
      if (generation > 0) await this.db.clear(generationRange(0, generation - 1));
      await this.db.clear(generationRange(generation + 1, MAX_U32));
      await this.db.clear({ gte: legacyChunkKey(0), lte: legacyChunkKey(MAX_U32) });
    }
    this.nextGeneration = Math.max(highest, generation ?? 0) + 1;
    if (!record) {
      const legacy = await this.db.get(LEGACY_SNAPSHOT_KEY);
      if (!legacy) return undefined;
      this.current = { kind: "value" };
      return decodeLegacySnapshot(legacy);
    }
    // Only the keys are counted here; the bytes are checked as the chunks are read.
    const found = record.chunks === 0 ? 0 : await this.countKeys(generation === undefined
      ? { gte: legacyChunkKey(0), lt: legacyChunkKey(record.chunks) }
      : { gte: chunkKey(generation, 0), lt: chunkKey(generation, record.chunks) });
    if (found !== record.chunks) {
      throw new Error(`raft storage: the snapshot at index ${record.meta.index} is damaged: ${found} of ${record.chunks} chunks`);
    }
    this.current = generation === undefined ? { kind: "legacy-chunks" } : { kind: "generation", generation };
    return { meta: record.meta, data: new StoredChunks(this.db, generation, record.chunks, record.bytes, record.meta.index) };
  }

  /** A writer for the chunks of a new snapshot (taken locally, or arriving from the leader). */
  snapshotWriter(): SnapshotWriter {
    return new SnapshotWriter(this, this.db, this.nextGeneration++);
  }

  /** @internal A writer finished: its generation may now be switched to. */
  finished(generation: number, index: number): void {
    this.unswitched.set(generation, index);
  }

  /** @internal Deletes a generation's chunks (a snapshot that will not be used). */
  discard(generation: number): Promise<void> {
    this.unswitched.delete(generation);
    return this.clearInBackground(generationRange(generation, generation));
  }

  /** Deletes entries [from, to] in the background; those left by a failure go on the next load. */
  private dropEntries(from: number, to: number): void {
    this.clearInBackground({ gte: entryKey(from), lte: entryKey(to) }).catch(() => undefined);
  }

  private clearInBackground(range: { gte: Buffer; lte: Buffer }): Promise<void> {
    const cleanup: Promise<void> = this.db.clear(range).finally(() => this.cleanups.delete(cleanup));
    this.cleanups.add(cleanup);
    return cleanup;
  }

  /** Writes a snapshot's chunks as a new generation (data in memory, or another storage's). */
  private async writeGeneration(snapshot: Snapshot): Promise<StoredChunks> {
    const writer = this.snapshotWriter();
    try {
      for await (const chunk of snapshotChunks(snapshot.data)) await writer.write(chunk);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    return writer.finish(snapshot.meta.index) as StoredChunks;
  }

  /**
   * Writes the batch; a snapshot in it becomes the stored one. Returns where that snapshot's
   * bytes now are on disk (which the caller should keep rather than bytes held in memory).
   */
  async persist(batch: PersistBatch, sync: boolean): Promise<SnapshotSource | undefined> {
    let stored: StoredChunks | undefined;
    if (batch.snapshot) {
      const { data } = batch.snapshot;
      stored = data instanceof StoredChunks && data.generation !== undefined && this.unswitched.has(data.generation)
        ? data
        : await this.writeGeneration(batch.snapshot);
    }
    const ops = this.db.batch();
    let stale: { from: number; to: number } | undefined;
    const replaced = this.current;
    if (batch.snapshot && stored) {
      const { meta } = batch.snapshot;
      const generation = stored.generation as number;
      ops.put(SNAPSHOT_META_KEY, Buffer.from(JSON.stringify({ meta, chunks: stored.count, bytes: stored.bytes, generation } satisfies SnapshotRecord)));
      ops.del(LEGACY_SNAPSHOT_KEY);
      stale = { from: this.firstIndex, to: meta.index };
      this.firstIndex = meta.index + 1;
      this.lastIndex = Math.max(this.lastIndex, meta.index);
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
    if (batch.snapshot && stored) {
      const generation = stored.generation as number;
      this.current = { kind: "generation", generation };
      this.unswitched.delete(generation);
      // The replaced snapshot's chunks go now; so do finished ones no newer than this snapshot,
      // which can no longer be installed (a snapshot from the leader that Raft ignored).
      if (replaced.kind === "generation") void this.clearInBackground(generationRange(replaced.generation, replaced.generation));
      if (replaced.kind === "legacy-chunks") void this.clearInBackground({ gte: legacyChunkKey(0), lte: legacyChunkKey(MAX_U32) });
      for (const [old, index] of this.unswitched) if (index <= batch.snapshot.meta.index) void this.discard(old);
    }
    // Entries the snapshot covers go in the background, as its replaced chunks do: reading a
    // gigabyte of them to delete them takes seconds, and a Raft loop waiting that long would cost
    // an election. Nothing reads them any more (load starts after the snapshot's index), and the
    // entries written meanwhile all come after it.
    if (stale && stale.to >= stale.from) this.dropEntries(stale.from, stale.to);
    return stored;
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
    await Promise.allSettled([...this.cleanups]);
    await this.db.close();
  }
}
