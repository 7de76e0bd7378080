// A large state's snapshot goes to disk as it is encoded, while the store keeps applying: the
// memory outside the heap stays at a few chunks, not the snapshot's size, and the snapshot read
// back from disk restores the state as of when it was started.

import test from "ava";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { snapshotChunks } from "../../../server/raft/core/index.js";
import { RaftDiskStorage } from "../../../server/raft/storage.js";
import { persistState } from "../../../server/state/fsm/persist.js";
import { StateStore } from "../../../server/state/index.js";
import { bigState } from "../state/bigstate.js";

const ALLOCS = 50_000;
const MB = 1 << 20;

/** Memory outside the V8 heap held by ArrayBuffers (Buffers, Uint8Arrays). */
const external = () => process.memoryUsage().arrayBuffers;

test("a snapshot of 50,000 allocations is written to disk chunk by chunk, holding a few chunks in memory", async (t) => {
  const h = bigState({ allocs: ALLOCS });
  const store = h.store;
  const where = path.join(mkdtempSync(path.join(tmpdir(), "snapshot-memory-")), "raft");
  const disk = await RaftDiskStorage.open(where);
  await disk.load();
  const started = store.snapshot();
  const index = store.latestIndex;

  (globalThis as { gc?: () => void }).gc?.();
  const baseline = external();
  let peak = baseline;
  let written = 0;
  const writer = disk.snapshotWriter();
  const encoding = store.persistTo(async (chunk) => {
    peak = Math.max(peak, external());
    written += chunk.length;
    await writer.write(chunk);
  }, { sliceMs: 5 });
  let applied = 0;
  let done = false;
  void encoding.finally(() => { done = true; });
  while (!done) {
    peak = Math.max(peak, external());
    store.apply(store.latestIndex + 1, { type: "var.put", path: `during/${applied}`, items: { v: String(applied) } });
    applied += 1;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const bytes = await encoding;
  const data = writer.finish(index);
  const meta = { index, term: 1, membership: { voters: [{ id: "a", address: "127.0.0.1:1" }] } };
  await disk.compact({ meta, data });
  const grewMb = (peak - baseline) / MB;
  t.log(`${(bytes / MB).toFixed(1)} MiB snapshot in ${Math.ceil(bytes / (4 * MB))} chunks; ${applied} writes applied meanwhile; external memory grew at most ${grewMb.toFixed(1)} MiB`);
  t.is(written, bytes);
  t.true(bytes > 64 * MB, `the snapshot (${bytes} bytes) is bigger than the bound below`);
  t.true(applied > 5, `${applied} writes applied meanwhile`);
  t.true(grewMb < 48, `external memory grew by ${grewMb.toFixed(1)} MiB while encoding`);
  await disk.close();

  // Read back after a reopen, as a restarting server does, and restored chunk by chunk.
  const again = await RaftDiskStorage.open(where);
  const stored = await again.load();
  t.deepEqual(stored.snapshot?.meta, meta);
  const restored = new StateStore();
  if (!stored.snapshot) return t.fail("no snapshot stored");
  await restored.restoreFrom(snapshotChunks(stored.snapshot.data));
  t.is(restored.latestIndex, index);
  t.true(Buffer.concat(restored.persist()).equals(Buffer.concat(persistState(started.data))), "the state as of when the snapshot was started");
  await again.close();
});
