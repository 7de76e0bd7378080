// The durable Raft log on LevelDB: what is persisted comes back after a reopen, a conflicting
// suffix never survives, snapshots drop the entries they cover, and a held data dir is refused.

import test from "ava";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Entry, Snapshot } from "../../../server/raft/core/index.js";
import { RaftDiskStorage } from "../../../server/raft/storage.js";
import { UserError } from "../../../shared/errors.js";

const entry = (index: number, term: number, text = `e${index}`): Entry => ({ index, term, type: "normal", data: new TextEncoder().encode(text) });
const dir = () => path.join(mkdtempSync(path.join(tmpdir(), "raft-disk-")), "raft");
const text = (e: Entry | undefined) => (e ? new TextDecoder().decode(e.data) : undefined);

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
  t.deepEqual(state.snapshot?.data.map((c) => new TextDecoder().decode(c)), ["state", "@4"], "the chunks come back as they were stored");
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
  const enc = (s: string) => new TextEncoder().encode(s);
  await disk.compact({ meta: { index: 3, term: 1, membership }, data: ["a", "b", "c", "d", "e"].map(enc) });
  await disk.close();
  // Reopened, so that the count of stored chunks is learnt from the disk.
  const again = await RaftDiskStorage.open(where);
  t.is((await again.load()).snapshot?.data.length, 5);
  await again.compact({ meta: { index: 5, term: 1, membership }, data: [enc("xy"), enc("z")] });
  await again.close();
  const third = await RaftDiskStorage.open(where);
  const state = await third.load();
  t.is(state.snapshot?.meta.index, 5);
  t.deepEqual(state.snapshot?.data.map((c) => new TextDecoder().decode(c)), ["xy", "z"]);
  t.deepEqual(state.entries.map((e) => e.index), [6]);
  await third.close();
  // No chunk of the old snapshot is left behind.
  const { ClassicLevel } = await import("classic-level");
  const db = new ClassicLevel<string, string>(where);
  const keys: string[] = [];
  for await (const key of db.keys()) if (key.startsWith("snapchunk:")) keys.push(key);
  t.is(keys.length, 2);
  await db.close();
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
  t.is(Buffer.concat(state.snapshot?.data ?? []).toString(), "old-state");
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
  const { ClassicLevel } = await import("classic-level");
  const db = new ClassicLevel<Buffer, Buffer>(where, { keyEncoding: "buffer", valueEncoding: "buffer" });
  const key = Buffer.alloc("snapchunk:".length + 4, "snapchunk:");
  key.writeUInt32BE(1, "snapchunk:".length);
  await db.del(key);
  await db.close();
  const again = await RaftDiskStorage.open(where);
  await t.throwsAsync(again.load(), { message: /snapshot at index 2 is damaged: 1 of 3 chunks/ });
  await again.close();
});
