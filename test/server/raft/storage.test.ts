// The durable Raft log on LevelDB: what is persisted comes back after a reopen, a conflicting
// suffix never survives, snapshots drop the entries they cover, a crash while a snapshot is
// written leaves the old or the new one whole, and a held data dir is refused.

import test from "ava";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { snapshotChunks, type Entry, type Snapshot, type SnapshotData } from "../../../server/raft/core/index.js";
import { RaftDiskStorage } from "../../../server/raft/storage.js";
import { UserError } from "../../../shared/errors.js";

const entry = (index: number, term: number, text = `e${index}`): Entry => ({ index, term, type: "normal", data: new TextEncoder().encode(text) });
const dir = () => path.join(mkdtempSync(path.join(tmpdir(), "raft-disk-")), "raft");
const text = (e: Entry | undefined) => (e ? new TextDecoder().decode(e.data) : undefined);
const enc = (s: string) => new TextEncoder().encode(s);

/** A snapshot's chunks as text, read the way a restore or the transport reads them. */
async function chunksOf(data: SnapshotData | undefined): Promise<string[]> {
  const out: string[] = [];
  if (data) for await (const chunk of snapshotChunks(data)) out.push(new TextDecoder().decode(chunk));
  return out;
}

/** Keys in the raw database that start with `prefix`. */
async function rawKeys(where: string, prefix: string): Promise<Buffer[]> {
  const { ClassicLevel } = await import("classic-level");
  const db = new ClassicLevel<Buffer, Buffer>(where, { keyEncoding: "buffer", valueEncoding: "buffer" });
  const keys: Buffer[] = [];
  for await (const key of db.keys()) if (key.subarray(0, prefix.length).toString() === prefix) keys.push(key);
  await db.close();
  return keys;
}

test("entries and hard state survive closing and reopening", async (t) => {
  const where = dir();
  const disk = await RaftDiskStorage.open(where);
  await disk.load();
  await disk.persist({ entries: [entry(1, 1), entry(2, 1), { index: 3, term: 2, type: "noop", data: new Uint8Array() }], hardState: { term: 2, vote: "a", commit: 2 } }, true);
  await disk.close();
  const again = await RaftDiskStorage.open(where);
  const state = await again.load();
  t.deepEqual(state.hardState, { term: 2, vote: "a", commit: 2 });
  t.deepEqual(state.entries.map((e) => [e.index, e.term, e.type, text(e)]), [[1, 1, "normal", "e1"], [2, 1, "normal", "e2"], [3, 2, "noop", ""]]);
  t.is(state.snapshot, undefined);
  await again.close();
});

test("appending from an earlier index replaces the whole conflicting suffix", async (t) => {
  const where = dir();
  const disk = await RaftDiskStorage.open(where);
  await disk.load();
  await disk.persist({ entries: [1, 2, 3, 4, 5].map((i) => entry(i, 1)) }, true);
  await disk.persist({ entries: [entry(3, 2, "new3")] }, true);
  await disk.close();
  const again = await RaftDiskStorage.open(where);
  const state = await again.load();
  t.deepEqual(state.entries.map((e) => [e.index, e.term, text(e)]), [[1, 1, "e1"], [2, 1, "e2"], [3, 2, "new3"]]);
  await again.close();
});

test("a snapshot replaces the entries it covers and is loaded with the rest of the log", async (t) => {
  const where = dir();
  const disk = await RaftDiskStorage.open(where);
  await disk.load();
  await disk.persist({ entries: [1, 2, 3, 4, 5, 6].map((i) => entry(i, 1)) }, true);
  const snapshot: Snapshot = { meta: { index: 4, term: 1, membership: { voters: [{ id: "a", address: "127.0.0.1:1" }] } }, data: [new TextEncoder().encode("state"), new TextEncoder().encode("@4")] };
  await disk.compact(snapshot);
  await disk.close();
  const again = await RaftDiskStorage.open(where);
  const state = await again.load();
  t.deepEqual(state.snapshot?.meta, snapshot.meta);
  t.deepEqual(await chunksOf(state.snapshot?.data), ["state", "@4"], "the chunks come back as they were stored");
  t.deepEqual(state.entries.map((e) => e.index), [5, 6]);
  await again.close();
});

test("a data dir held by a running agent is refused with a clear error", async (t) => {
  const where = dir();
  const disk = await RaftDiskStorage.open(where);
  const error = await t.throwsAsync(RaftDiskStorage.open(where), { instanceOf: UserError });
  t.regex(error?.message ?? "", /already in use by another nomadish agent/);
  await disk.close();
});

test("server metadata is stored beside the log", async (t) => {
  const disk = await RaftDiskStorage.open(dir());
  t.is(await disk.getMeta("server-id"), undefined);
  await disk.putMeta("server-id", "abc");
  t.is(await disk.getMeta("server-id"), "abc");
  await disk.close();
});

test("a server that never held Raft state is told apart from one that did", async (t) => {
  const where = dir();
  const disk = await RaftDiskStorage.open(where);
  t.false(await disk.hasState());
  await disk.putMeta("server-id", "abc");
  t.false(await disk.hasState());
  await disk.persist({ entries: [], hardState: { term: 2, vote: "", commit: 0 } }, true);
  t.true(await disk.hasState());
  await disk.close();
});

test("a newer snapshot with fewer chunks replaces every chunk of the older one", async (t) => {
  const where = dir();
  const disk = await RaftDiskStorage.open(where);
  await disk.load();
  await disk.persist({ entries: [1, 2, 3, 4, 5, 6].map((i) => entry(i, 1)) }, true);
  const membership = { voters: [{ id: "a", address: "127.0.0.1:1" }] };
  await disk.compact({ meta: { index: 3, term: 1, membership }, data: ["a", "b", "c", "d", "e"].map(enc) });
  await disk.close();
  // Reopened, so that the count of stored chunks is learnt from the disk.
  const again = await RaftDiskStorage.open(where);
  t.is((await chunksOf((await again.load()).snapshot?.data)).length, 5);
  await again.compact({ meta: { index: 5, term: 1, membership }, data: [enc("xy"), enc("z")] });
  await again.close();
  const third = await RaftDiskStorage.open(where);
  const state = await third.load();
  t.is(state.snapshot?.meta.index, 5);
  t.deepEqual(await chunksOf(state.snapshot?.data), ["xy", "z"]);
  t.deepEqual(state.entries.map((e) => e.index), [6]);
  await third.close();
  // No chunk of the old snapshot is left behind.
  t.is((await rawKeys(where, "snapgen:")).length, 2);
});

test("a snapshot stored by an older version as one value is still loaded", async (t) => {
  const where = dir();
  const meta = { index: 4, term: 2, membership: { voters: [{ id: "a", address: "127.0.0.1:1" }] } };
  const { ClassicLevel } = await import("classic-level");
  const db = new ClassicLevel<Buffer, Buffer>(where, { keyEncoding: "buffer", valueEncoding: "buffer" });
  const metaBytes = Buffer.from(JSON.stringify(meta));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(metaBytes.length);
  await db.put(Buffer.from("snapshot"), Buffer.concat([length, metaBytes, Buffer.from("old-state")]));
  await db.close();
  const disk = await RaftDiskStorage.open(where);
  t.true(await disk.hasState());
  const state = await disk.load();
  t.deepEqual(state.snapshot?.meta, meta);
  t.deepEqual(await chunksOf(state.snapshot?.data), ["old-state"]);
  await disk.close();
});

test("a snapshot missing one of its chunks is reported, not restored", async (t) => {
  const where = dir();
  const disk = await RaftDiskStorage.open(where);
  await disk.load();
  const meta = { index: 2, term: 1, membership: { voters: [{ id: "a", address: "127.0.0.1:1" }] } };
  await disk.persist({ entries: [entry(1, 1), entry(2, 1)] }, true);
  await disk.compact({ meta, data: [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])] });
  await disk.close();
  const keys = await rawKeys(where, "snapgen:");
  t.is(keys.length, 3);
  const { ClassicLevel } = await import("classic-level");
  const db = new ClassicLevel<Buffer, Buffer>(where, { keyEncoding: "buffer", valueEncoding: "buffer" });
  await db.del(keys[1] as Buffer);
  await db.close();
  const again = await RaftDiskStorage.open(where);
  await t.throwsAsync(again.load(), { message: /snapshot at index 2 is damaged: 1 of 3 chunks/ });
  await again.close();
});

test("a snapshot stored by the previous version as one value per chunk is still loaded, then replaced", async (t) => {
  const where = dir();
  const meta = { index: 4, term: 2, membership: { voters: [{ id: "a", address: "127.0.0.1:1" }] } };
  const { ClassicLevel } = await import("classic-level");
  const db = new ClassicLevel<Buffer, Buffer>(where, { keyEncoding: "buffer", valueEncoding: "buffer" });
  const chunkKey = (n: number) => {
    const key = Buffer.alloc("snapchunk:".length + 4, "snapchunk:");
    key.writeUInt32BE(n, "snapchunk:".length);
    return key;
  };
  await db.put(chunkKey(0), Buffer.from("old-"));
  await db.put(chunkKey(1), Buffer.from("chunks"));
  await db.put(Buffer.from("snapmeta"), Buffer.from(JSON.stringify({ meta, chunks: 2, bytes: 10 })));
  await db.close();
  const disk = await RaftDiskStorage.open(where);
  const state = await disk.load();
  t.deepEqual(state.snapshot?.meta, meta);
  t.deepEqual(await chunksOf(state.snapshot?.data), ["old-", "chunks"]);
  await disk.persist({ entries: [entry(5, 2), entry(6, 2)] }, true);
  await disk.compact({ meta: { ...meta, index: 6 }, data: [enc("new")] });
  await disk.close();
  t.is((await rawKeys(where, "snapchunk:")).length, 0, "the old layout's chunks are deleted");
  const again = await RaftDiskStorage.open(where);
  t.deepEqual(await chunksOf((await again.load()).snapshot?.data), ["new"]);
  await again.close();
});

test("a crash while a snapshot's chunks are written leaves the old snapshot, and the new chunks are deleted", async (t) => {
  const where = dir();
  const membership = { voters: [{ id: "a", address: "127.0.0.1:1" }] };
  const disk = await RaftDiskStorage.open(where);
  await disk.load();
  await disk.persist({ entries: [1, 2, 3, 4, 5, 6].map((i) => entry(i, 1)) }, true);
  await disk.compact({ meta: { index: 3, term: 1, membership }, data: [enc("old-"), enc("state")] });
  // The next snapshot is being written, one chunk at a time, when the server "crashes": the
  // writer is left unfinished (never switched to), and another is finished but not switched to.
  const writing = disk.snapshotWriter();
  await writing.write(enc("new-"));
  await writing.write(enc("sta"));
  const finished = disk.snapshotWriter();
  await finished.write(enc("newer"));
  finished.finish(5);
  await disk.close();
  t.is((await rawKeys(where, "snapgen:")).length, 5);

  const again = await RaftDiskStorage.open(where);
  const state = await again.load();
  t.is(state.snapshot?.meta.index, 3, "the old snapshot is in force");
  t.deepEqual(await chunksOf(state.snapshot?.data), ["old-", "state"]);
  t.deepEqual(state.entries.map((e) => e.index), [4, 5, 6]);
  await again.close();
  t.is((await rawKeys(where, "snapgen:")).length, 2, "chunks never switched to are deleted on load");
});

test("a crash after the switch but before the old chunks were deleted leaves the new snapshot", async (t) => {
  const where = dir();
  const membership = { voters: [{ id: "a", address: "127.0.0.1:1" }] };
  const disk = await RaftDiskStorage.open(where);
  await disk.load();
  await disk.persist({ entries: [1, 2, 3, 4, 5, 6].map((i) => entry(i, 1)) }, true);
  await disk.compact({ meta: { index: 3, term: 1, membership }, data: [enc("old")] });
  const writer = disk.snapshotWriter();
  await writer.write(enc("new-"));
  await writer.write(enc("state"));
  await disk.compact({ meta: { index: 5, term: 1, membership }, data: writer.finish(5) });
  await disk.close();
  // Put the old generation's chunk back, as if the deletion after the switch never ran.
  const { ClassicLevel } = await import("classic-level");
  const db = new ClassicLevel<Buffer, Buffer>(where, { keyEncoding: "buffer", valueEncoding: "buffer" });
  const oldKey = Buffer.alloc("snapgen:".length + 8, "snapgen:");
  oldKey.writeUInt32BE(1, "snapgen:".length);
  oldKey.writeUInt32BE(0, "snapgen:".length + 4);
  await db.put(oldKey, Buffer.from("old"));
  await db.close();

  const again = await RaftDiskStorage.open(where);
  const state = await again.load();
  t.is(state.snapshot?.meta.index, 5);
  t.deepEqual(await chunksOf(state.snapshot?.data), ["new-", "state"]);
  t.deepEqual(state.entries.map((e) => e.index), [6]);
  await again.close();
  t.is((await rawKeys(where, "snapgen:")).length, 2, "only the new snapshot's chunks are left");
});

test("a read of a snapshot's chunks that began before a newer one replaced it still sees them all; a later one fails clearly", async (t) => {
  const where = dir();
  const membership = { voters: [{ id: "a", address: "127.0.0.1:1" }] };
  const disk = await RaftDiskStorage.open(where);
  await disk.load();
  await disk.persist({ entries: [1, 2, 3, 4, 5, 6].map((i) => entry(i, 1)) }, true);
  const data = await disk.persist({ snapshot: { meta: { index: 3, term: 1, membership }, data: ["a", "b", "c"].map(enc) }, entries: [] }, true);
  if (!data) return t.fail("no snapshot");
  const reading = snapshotChunks(data)[Symbol.asyncIterator]();
  const firstChunk = await reading.next();
  await disk.compact({ meta: { index: 5, term: 1, membership }, data: [enc("new")] });
  await new Promise((resolve) => setTimeout(resolve, 50)); // the old chunks' deletion runs
  const rest: string[] = [];
  for (let next = await reading.next(); !next.done; next = await reading.next()) rest.push(new TextDecoder().decode(next.value));
  t.deepEqual([new TextDecoder().decode(firstChunk.value as Uint8Array), ...rest], ["a", "b", "c"]);
  await t.throwsAsync(chunksOf(data), { message: /snapshot at index 3 is damaged or was replaced: read 0 of 3 chunks/ });
  await disk.close();
});
