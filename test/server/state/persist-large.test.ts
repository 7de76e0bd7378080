// Snapshots of a large state: many chunks, identical restore, and background encoding that
// never holds the event loop for long.

import test from "ava";
import { isDeepStrictEqual } from "node:util";
import { performance } from "node:perf_hooks";
import { StateStore, type StateSnapshot } from "../../../server/state/index.js";
import { bigState } from "./bigstate.js";

const ALLOCS = 50_000;
const h = bigState({ allocs: ALLOCS });

function tables(s: StateSnapshot): Record<string, unknown> {
  const d = s.data;
  const out: Record<string, unknown> = { latestIndex: d.latestIndex, tableIndexes: d.tableIndexes };
  for (const [name, value] of Object.entries(d)) {
    if (typeof value === "object" && value !== null && "entries" in value && typeof value.entries === "function") {
      out[name] = (value.entries as () => unknown)();
    }
  }
  return out;
}

/** Runs `work` while timing every event-loop turn; returns its result and the longest turn in ms. */
async function longestTurn<T>(work: () => Promise<T>): Promise<{ result: T; longestMs: number; turns: number }> {
  let last = performance.now();
  let longestMs = 0;
  let turns = 0;
  let running = true;
  const tick = () => {
    const now = performance.now();
    longestMs = Math.max(longestMs, now - last);
    last = now;
    turns += 1;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const result = await work();
  running = false;
  return { result, longestMs, turns };
}

test.serial("a state of 50,000 allocations takes many chunks and restores identical, jobs shared as before", (t) => {
  const snap = h.snap;
  t.is(snap.count("allocs"), ALLOCS);
  const chunks = h.store.persist();
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  t.true(chunks.length >= 10, `${chunks.length} chunks of ${bytes} bytes`);
  t.true(chunks.slice(0, -1).every((c) => c.length > (4 << 20) - 4 && c.length <= 4 << 20), "every chunk but the last is full");
  const restored = StateStore.restore(chunks).snapshot();
  t.true(isDeepStrictEqual(tables(restored), tables(snap)), "every table and index is the same");
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
  const oneGo = Buffer.concat(h.store.persist());
  const started = performance.now();
  const { result, longestMs, turns } = await longestTurn(() => h.store.persistInBackground({ sliceMs: 10 }));
  const totalMs = performance.now() - started;
  t.log(`${oneGo.length} bytes in ${totalMs.toFixed(0)} ms over ${turns} turns, longest ${longestMs.toFixed(1)} ms`);
  t.true(Buffer.concat(result).equals(oneGo));
  t.true(turns >= 10, `${turns} turns`);
  // 10 ms slices; the bound leaves room for garbage collection steps (which land in whichever
  // turn allocates) on a busy two-core machine. Encoding in one go takes many times as long.
  t.true(longestMs < 150, `longest turn ${longestMs.toFixed(1)} ms`);
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
