// Raft snapshot of a large state: a state of ALLOCS allocations (default 200,000) is built through
// the store's apply path, then encoded in the background to the Raft disk (LevelDB, in a temporary
// dir) as the server does, chunk by chunk, and restored by reading the chunks back from disk.
// Prints one JSON line: snapshot bytes and chunks, encode time, longest event-loop turn while
// encoding, peak memory outside the heap (ArrayBuffers) while encoding and while restoring,
// restore time and its longest event-loop turn, and the heap used at each stage.
//
//   node --expose-gc --max-old-space-size=8192 dist/bench/snapshot.js

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { snapshotChunks } from "../server/raft/core/index.js";
import { RaftDiskStorage } from "../server/raft/storage.js";
import { StateStore } from "../server/state/index.js";
import { bigState } from "../test/server/state/bigstate.js";

const ALLOCS = Number(process.env["ALLOCS"] ?? 200_000);
const SLICE_MS = Number(process.env["SLICE_MS"] ?? 10);

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = (): number => {
  gc?.();
  return Math.round(process.memoryUsage().heapUsed / (1 << 20));
};

const built = performance.now();
const h = bigState({ allocs: ALLOCS });
const buildMs = performance.now() - built;
const heapState = heapMb();

const dir = mkdtempSync(path.join(tmpdir(), "bench-snapshot-"));
const disk = await RaftDiskStorage.open(path.join(dir, "raft"));
await disk.load();

// Time every event-loop turn while the snapshot is encoded (and later restored), and sample the
// memory outside the heap.
const externalMb = (): number => process.memoryUsage().arrayBuffers / (1 << 20);
gc?.();
const externalBefore = externalMb();
let peakExternal = externalBefore;

/** Counts event-loop turns and the longest one until stopped. */
function watchTurns(): () => { longestTurnMs: number; turns: number } {
  let last = performance.now();
  let longestTurnMs = 0;
  let turns = 0;
  let running = true;
  const tick = () => {
    const now = performance.now();
    longestTurnMs = Math.max(longestTurnMs, now - last);
    peakExternal = Math.max(peakExternal, externalMb());
    last = now;
    turns += 1;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return () => {
    running = false;
    // Counted now: the tick still pending would count whatever runs next (a forced collection).
    return { longestTurnMs: Math.max(longestTurnMs, performance.now() - last), turns };
  };
}

const encodeTurns = watchTurns();
const started = performance.now();
const writer = disk.snapshotWriter();
let chunks = 0;
const bytes = await h.store.persistTo(async (chunk) => {
  peakExternal = Math.max(peakExternal, externalMb());
  chunks += 1;
  await writer.write(chunk);
}, { sliceMs: SLICE_MS });
const meta = { index: h.store.latestIndex, term: 1, membership: { voters: [] } };
await disk.compact({ meta, data: writer.finish(meta.index) });
const encodeMs = performance.now() - started;
const encoded = encodeTurns();
const encodePeakExternal = peakExternal;
const heapWithSnapshot = heapMb();

const restoreStarted = performance.now();
const stored = (await disk.load()).snapshot;
if (!stored) throw new Error("no snapshot on disk");
let peakRestoreExternal = externalMb();
const restored = new StateStore();
const restoreTurns = watchTurns();
await restored.restoreFrom((async function* sampled() {
  for await (const chunk of snapshotChunks(stored.data)) {
    peakRestoreExternal = Math.max(peakRestoreExternal, externalMb());
    yield chunk;
  }
})());
const restoreMs = performance.now() - restoreStarted;
const restoredTurns = restoreTurns();
const heapRestored = heapMb();
await disk.close();
rmSync(dir, { recursive: true, force: true });

console.log(JSON.stringify({
  allocs: restored.snapshot().count("allocs"),
  jobs: restored.snapshot().count("jobs"),
  nodes: restored.snapshot().count("nodes"),
  buildMs: Math.round(buildMs),
  snapshotBytes: bytes,
  bytesPerAlloc: Math.round(bytes / ALLOCS),
  chunks,
  encodeMs: Math.round(encodeMs),
  encodeTurns: encoded.turns,
  longestTurnMs: Number(encoded.longestTurnMs.toFixed(1)),
  restoreMs: Math.round(restoreMs),
  restoreLongestTurnMs: Number(restoredTurns.longestTurnMs.toFixed(1)),
  heapUsedMb: { state: heapState, withSnapshot: heapWithSnapshot, afterRestore: heapRestored },
  externalMb: {
    beforeEncoding: Math.round(externalBefore),
    peakWhileEncoding: Math.round(encodePeakExternal),
    peakWhileRestoring: Math.round(peakRestoreExternal),
  },
}));
