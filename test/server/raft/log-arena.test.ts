// The in-memory log copies entry data into reused chunks: what it still holds must never be
// overwritten, and what it let go of must be reused instead of new buffers.

import test from "ava";
import { LogArena, MemoryStorage, type Entry, type Message } from "../../../server/raft/core/index.js";
import { messageToWire } from "../../../server/raft/wire.js";
import { seededFloats } from "../../support/seeded.js";

const CHUNK = 1024;

/** Data that says which entry (and which version of it) it is, of the given length. */
function dataOf(index: number, version: number, length: number): Uint8Array {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = (index * 31 + version * 7 + i) & 0xff;
  return data;
}

function entry(index: number, length: number, version = 0, term = 1): Entry {
  return { index, term, type: "normal", data: dataOf(index, version, length) };
}

test("held data is a copy in a chunk, and a chunk whose entries are all compacted is used again", (t) => {
  const arena = new LogArena(4 * CHUNK, CHUNK);
  t.is(arena.heldBytes(), 4 * CHUNK, "made up front");
  const log = new MemoryStorage({ arena });
  const given = [entry(1, 200), entry(2, 200), entry(3, 200), entry(4, 200), entry(5, 200), entry(6, 200)];
  log.append(given);
  const held = log.entries(1, 7);
  t.deepEqual(held.map((e) => [...e.data]), given.map((e) => [...e.data]));
  t.not(held[0]?.data.buffer, given[0]?.data.buffer, "a copy, not the buffer it came in");
  const first = held[0]?.data.buffer;
  t.is(held[4]?.data.buffer, first, "entries 1-5 share the first chunk");
  t.not(held[5]?.data.buffer, first, "entry 6 did not fit and started a second one");
  log.compact(5);
  log.append([entry(7, 200)]);
  t.not(log.entries(7, 8)[0]?.data.buffer, first, "the second chunk is filled first");
  log.append([entry(8, 250), entry(9, 250), entry(10, 250)]);
  t.not(log.entries(9, 10)[0]?.data.buffer, first);
  t.is(log.entries(10, 11)[0]?.data.buffer, first, "then the emptied first chunk is used again, not a new one");
  t.deepEqual([...(log.entries(6, 7)[0]?.data ?? [])], [...dataOf(6, 0, 200)]);
  t.is(arena.heldBytes(), 4 * CHUNK, "the chunks made up front, no more");
});

test("a log that outgrows the arena gets more chunks, and lets them go once they are emptied", (t) => {
  const arena = new LogArena(2 * CHUNK, CHUNK);
  const log = new MemoryStorage({ arena });
  for (let i = 1; i <= 20; i++) log.append([entry(i, 200)]);
  t.is(arena.heldBytes(), 4 * CHUNK, "two more than made up front");
  log.compact(20);
  t.is(arena.heldBytes(), 2 * CHUNK);
});

test("data larger than a quarter chunk keeps its own buffer", (t) => {
  const log = new MemoryStorage({ arena: new LogArena(4 * CHUNK, CHUNK) });
  const big = entry(1, CHUNK / 4 + 1);
  log.append([big]);
  t.is(log.entries(1, 2)[0]?.data, big.data);
});

test("a log that starts from a snapshot keeps the chunks made up front", (t) => {
  const arena = new LogArena(2 * CHUNK, CHUNK);
  const log = new MemoryStorage({ arena });
  log.applySnapshot({ meta: { index: 10, term: 2, membership: { voters: [] } }, data: [] });
  t.is(arena.heldBytes(), 2 * CHUNK);
  log.append([entry(11, 200, 0, 2), entry(12, 200, 0, 2)]);
  t.is(arena.heldBytes(), 2 * CHUNK, "no chunk beyond those made at the start");
});

test("an installed snapshot reuses nothing: data read before it stays as it was", (t) => {
  const log = new MemoryStorage({ arena: new LogArena(4 * CHUNK, CHUNK) });
  log.append([entry(1, 300), entry(2, 300)]);
  const before = log.entries(1, 3);
  log.applySnapshot({ meta: { index: 10, term: 2, membership: { voters: [] } }, data: [] });
  log.append([entry(11, 300, 1, 2), entry(12, 300, 1, 2), entry(13, 300, 1, 2)]);
  t.deepEqual(before.map((e) => [...e.data]), [[...dataOf(1, 0, 300)], [...dataOf(2, 0, 300)]]);
});

test("whatever appends, replacements and compactions happen, every entry held reads back as appended", (t) => {
  for (let seed = 1; seed <= 20; seed++) {
    const random = seededFloats(seed);
    const log = new MemoryStorage({ arena: new LogArena(3 * CHUNK, CHUNK) });
    const expected = new Map<number, Uint8Array>();
    let version = 0;
    for (let step = 0; step < 400; step++) {
      const first = log.firstIndex();
      const last = log.lastIndex();
      const roll = random();
      if (roll < 0.6 || last < first) {
        // Append after the end, or (as a new leader's entries would) replace a suffix.
        const from = roll < 0.5 || last < first ? last + 1 : first + Math.floor(random() * (last - first + 1));
        version += 1;
        const batch = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, i) => entry(from + i, Math.floor(random() * 400), version));
        log.append(batch);
        for (let i = from; i <= last; i++) expected.delete(i);
        for (const e of batch) expected.set(e.index, e.data);
      } else {
        const upTo = first + Math.floor(random() * (last - first + 1));
        log.compact(upTo);
        for (let i = first; i <= upTo; i++) expected.delete(i);
      }
      for (let i = log.firstIndex(); i <= log.lastIndex(); i++) {
        const data = log.entries(i, i + 1)[0]?.data ?? new Uint8Array();
        if (!Buffer.from(data).equals(Buffer.from(expected.get(i) ?? []))) {
          t.fail(`seed ${seed}, step ${step}: entry ${i} reads back changed`);
          return;
        }
      }
    }
  }
  t.pass();
});

test("an append message carries copies of its entries' data, so a message waiting to be sent survives reuse", (t) => {
  const data = new Uint8Array([1, 2, 3]);
  const message: Message = {
    type: "append", from: "a", to: "b", term: 1, prevLogIndex: 0, prevLogTerm: 0, commit: 0, seq: 1,
    entries: [{ index: 1, term: 1, type: "normal", data }],
  };
  const wire = messageToWire("cluster", "127.0.0.1:1", message);
  data.fill(9);
  const body = wire.body?.$case === "append" ? wire.body.append : undefined;
  t.deepEqual([...(body?.entries[0]?.data ?? [])], [1, 2, 3]);
});
