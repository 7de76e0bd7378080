// Raft snapshot of a large state: a state of ALLOCS allocations (default 200,000) is built through
// the store's apply path, then encoded in the background as the server does, and restored.
// Prints one JSON line: snapshot bytes and chunks, encode time, longest event-loop turn while
// encoding, restore time, and the heap used at each stage.
//
//   node --expose-gc --max-old-space-size=8192 dist/bench/snapshot.js

import { performance } from "node:perf_hooks";
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

// Time every event-loop turn while the snapshot is encoded.
let last = performance.now();
let longestTurnMs = 0;
let turns = 0;
let encoding = true;
const tick = () => {
  const now = performance.now();
  longestTurnMs = Math.max(longestTurnMs, now - last);
  last = now;
  turns += 1;
  if (encoding) setImmediate(tick);
};
setImmediate(tick);
const started = performance.now();
const chunks = await h.store.persistInBackground({ sliceMs: SLICE_MS });
const encodeMs = performance.now() - started;
encoding = false;
const bytes = chunks.reduce((n, c) => n + c.length, 0);
const heapWithSnapshot = heapMb();
const external = Math.round(process.memoryUsage().arrayBuffers / (1 << 20));

const restoreStarted = performance.now();
const restored = StateStore.restore(chunks);
const restoreMs = performance.now() - restoreStarted;
const heapRestored = heapMb();

console.log(JSON.stringify({
  allocs: restored.snapshot().count("allocs"),
  jobs: restored.snapshot().count("jobs"),
  nodes: restored.snapshot().count("nodes"),
  buildMs: Math.round(buildMs),
  snapshotBytes: bytes,
  bytesPerAlloc: Math.round(bytes / ALLOCS),
  chunks: chunks.length,
  encodeMs: Math.round(encodeMs),
  encodeTurns: turns,
  longestTurnMs: Number(longestTurnMs.toFixed(1)),
  restoreMs: Math.round(restoreMs),
  heapUsedMb: { state: heapState, withSnapshot: heapWithSnapshot, afterRestore: heapRestored },
  snapshotBuffersMb: external,
}));
