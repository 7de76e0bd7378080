// Snapshots of a large state: many chunks, identical restore, and background encoding that
// never holds the event loop for long.

import test from "ava";
import { isDeepStrictEqual } from "node:util";
import { performance } from "node:perf_hooks";
import { StateStore, type StateSnapshot } from "../../../server/state/index.js";
import { bigState } from "./bigstate.js";
import { stateTables } from "./fixtures.js";

const ALLOCS = 50_000;
const h = bigState({ allocs: ALLOCS });


/** Runs `work` while timing every event-loop turn; returns its result and the longest turn in ms. */
async function longestTurn<T>(work: () => Promise<T>): Promise<{ result: T; longestMs: number; p90Ms: number; turns: number }> {
  let last = performance.now();
  const gaps: number[] = [];
  let running = true;
  const tick = () => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const result = await work();
  running = false;
  gaps.sort((a, b) => a - b);
  return { result, longestMs: gaps.at(-1) ?? 0, p90Ms: gaps[Math.floor(gaps.length * 0.9)] ?? 0, turns: gaps.length };
}

test.serial("a state of 50,000 allocations takes many chunks and restores identical, jobs shared as before", (t) => {
  const snap = h.snap;
  t.is(snap.count("allocs"), ALLOCS);
  const chunks = h.store.persist();
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  t.true(chunks.length >= 10, `${chunks.length} chunks of ${bytes} bytes`);
  t.true(chunks.slice(0, -1).every((c) => c.length > (4 << 20) - 4 && c.length <= 4 << 20), "every chunk but the last is full");
  const restored = StateStore.restore(chunks).snapshot();
  t.true(isDeepStrictEqual(stateTables(restored), stateTables(snap)), "every table and index is the same");
  t.deepEqual(restored.data.allocs.check(), []);
  t.deepEqual(restored.data.allocsByNode.check(), []);
  // Allocations share job objects exactly as they did: one per plan here.
  const sharing = (s: StateSnapshot) => {
    const seen = new Map<unknown, number>();
    return s.allocs().map((a) => {
      if (!seen.has(a.job)) seen.set(a.job, seen.size);
      return seen.get(a.job);
    });
  };
  t.deepEqual(sharing(restored), sharing(snap));
  t.is(new Set(restored.allocs().map((a) => a.job)).size, snap.count("jobs"));
  t.is(restored.allocsByNode(restored.nodes()[0]?.id ?? "").length, 100);
});

test.serial("encoding in the background yields to the event loop and gives the same bytes", async (t) => {
  const oneGoStarted = performance.now();
  const oneGo = Buffer.concat(h.store.persist());
  const oneGoMs = performance.now() - oneGoStarted;
  const started = performance.now();
  const { result, longestMs, p90Ms, turns } = await longestTurn(() => h.store.persistInBackground({ sliceMs: 10 }));
  const totalMs = performance.now() - started;
  t.log(`${oneGo.length} bytes in ${totalMs.toFixed(0)} ms over ${turns} turns: p90 ${p90Ms.toFixed(1)} ms, longest ${longestMs.toFixed(1)} ms; in one go ${oneGoMs.toFixed(0)} ms`);
  t.true(Buffer.concat(result).equals(oneGo));
  t.true(turns >= 10, `${turns} turns`);
  // 10 ms slices. Wall-clock turns also hold garbage collection steps and time the process is
  // not scheduled (other test files run beside this one on two cores), so the bounds are loose:
  // most turns near the slice, none near the time the whole encoding takes in one go.
  t.true(p90Ms < 50, `p90 turn ${p90Ms.toFixed(1)} ms`);
  t.true(longestMs < Math.max(100, oneGoMs / 2), `longest turn ${longestMs.toFixed(1)} ms against ${oneGoMs.toFixed(0)} ms in one go`);
});

test.serial("the store keeps applying while a snapshot of an earlier state is encoded", async (t) => {
  const store = StateStore.restore(h.store.persist());
  const index = store.latestIndex;
  const expected = Buffer.concat(store.persist());
  const encoding = store.persistInBackground({ sliceMs: 2 });
  let applied = 0;
  let done = false;
  void encoding.finally(() => { done = true; });
  while (!done) {
    store.apply(store.latestIndex + 1, { type: "var.put", path: `during/${applied}`, items: { v: String(applied) } });
    applied += 1;
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.true(applied > 5, `${applied} writes applied meanwhile`);
  t.true(Buffer.concat(await encoding).equals(expected), "the snapshot holds the state as of when it was started");
  t.is(StateStore.restore(await encoding).latestIndex, index);
});

test.serial("an aborted encoding stops with the signal's reason", async (t) => {
  const controller = new AbortController();
  const encoding = h.store.persistInBackground({ sliceMs: 1, signal: controller.signal });
  setImmediate(() => controller.abort(new Error("overtaken")));
  await t.throwsAsync(encoding, { message: "overtaken" });
});
