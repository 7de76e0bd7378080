import test from "ava";
import { ALLOC_UPDATE_BATCH_MS, AllocUpdateBatcher, MAX_UPDATES_PER_BATCH } from "../../../server/rpc/update-batcher.js";
import type { StateCommand } from "../../../server/state/index.js";
import type { AllocClientUpdate } from "../../../shared/model/index.js";

function updates(n: number, from = 0): AllocClientUpdate[] {
  return Array.from({ length: n }, (_, i) => ({
    allocId: `alloc-${from + i}`, clientStatus: "running", clientDescription: "Tasks are running", taskStates: {}, deploymentStatus: undefined,
  }) as unknown as AllocClientUpdate);
}

/** A propose that records each command and commits it at the next index. */
function recorder(): { proposed: StateCommand[]; propose: (c: StateCommand) => Promise<{ index: number; result: unknown }> } {
  const proposed: StateCommand[] = [];
  return {
    proposed,
    propose: (command) => {
      proposed.push(command);
      return Promise.resolve({ index: 100 + proposed.length, result: { ok: true } });
    },
  };
}

const sizes = (proposed: StateCommand[]) => proposed.map((c) => (c.type === "alloc.clientUpdate" ? c.updates.length : -1));

test("reports from several clients within the batching interval become one entry", async (t) => {
  const { proposed, propose } = recorder();
  const batcher = new AllocUpdateBatcher(propose);
  const started = Date.now();
  const indexes = await Promise.all([batcher.add(updates(3), []), batcher.add(updates(2, 3), []), batcher.add(updates(1, 5), [])]);
  t.deepEqual(sizes(proposed), [6]);
  t.deepEqual(indexes, [101, 101, 101]);
  t.true(Date.now() - started >= ALLOC_UPDATE_BATCH_MS - 5, "the entry waited for the interval");
});

test("a batch that reaches its size limit is committed at once, and later reports start the next one", async (t) => {
  const { proposed, propose } = recorder();
  const batcher = new AllocUpdateBatcher(propose);
  const half = MAX_UPDATES_PER_BATCH / 2;
  const first = batcher.add(updates(half), []);
  const second = batcher.add(updates(half, half), []);
  // Proposed without waiting for the interval.
  t.deepEqual(sizes(proposed), [MAX_UPDATES_PER_BATCH]);
  const third = batcher.add(updates(1, MAX_UPDATES_PER_BATCH), []);
  t.deepEqual(await Promise.all([first, second, third]), [101, 101, 102]);
  t.deepEqual(sizes(proposed), [MAX_UPDATES_PER_BATCH, 1]);
});

test("a write that fails fails every report of its batch", async (t) => {
  const batcher = new AllocUpdateBatcher(() => Promise.reject(new Error("no leader")));
  const results = await Promise.allSettled([batcher.add(updates(1), []), batcher.add(updates(1, 1), [])]);
  t.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
});
