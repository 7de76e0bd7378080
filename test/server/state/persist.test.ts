import test from "ava";
import { SNAPSHOT_FORMAT_VERSION, StateRestoreError, StateStore } from "../../../server/state/index.js";
import { allocation, deployment, deploymentState, evaluation, group, Harness, job, node, stateTables, withoutJob } from "./fixtures.js";

/** Every table and index of a snapshot, as plain data. */

function busyStore(): Harness {
  const h = new Harness();
  h.apply({ type: "node.register", node: node("n1") });
  h.apply({ type: "node.register", node: node("n2", { drainStrategy: { deadlineMs: 1, ignoreSystemJobs: false, forceDeadlineMs: 0, startedAtMs: 1 } }) });
  h.apply({ type: "job.register", job: job("web", { taskGroups: [group("web", 2)] }), eval: evaluation("e1") });
  h.apply({ type: "job.register", job: job("web", { priority: 80, taskGroups: [group("web", 2)] }), eval: evaluation("e2") });
  h.apply({ type: "job.stability", namespace: "default", jobId: "web", version: 0, stable: true });
  h.apply({ type: "job.register", job: job("batch", { type: "batch", namespace: "prod" }) });
  const web = h.snap.job("default", "web");
  if (!web) throw new Error("no job");
  h.apply({
    type: "alloc.upsert", job: web,
    deployment: deployment("d1", "web", { taskGroups: { web: deploymentState({ desiredTotal: 2 }) } }),
    allocs: [withoutJob(allocation("a1", web, "n1", { deploymentId: "d1" })), withoutJob(allocation("a2", web, "n2", { deploymentId: "d1", evalId: "e2" }))],
  });
  h.apply({ type: "alloc.clientUpdate", updates: [{ allocId: "a1", clientStatus: "running", clientDescription: "", taskStates: {}, modifyTimeMs: 5, deploymentStatus: { healthy: true, timestampMs: 5, canary: false, modifyIndex: 0 } }] });
  h.apply({ type: "eval.upsert", evals: [evaluation("e2", "web", { status: "complete", queuedAllocations: { web: 0 } }), evaluation("b1", "batch", { namespace: "prod", status: "blocked" })] });
  h.apply({ type: "var.put", path: "app/config", items: { a: "1" }, timeMs: 7 });
  h.apply({ type: "var.put", namespace: "prod", path: "app/config", items: { b: "2" } });
  return h;
}

test("persist and restore round-trip every table, index and secondary index exactly", (t) => {
  const h = busyStore();
  const bytes = h.store.persist();
  const restored = StateStore.restore(bytes);
  t.is(restored.latestIndex, h.store.latestIndex);
  t.deepEqual(stateTables(restored.snapshot()), stateTables(h.snap));
  t.deepEqual(restored.snapshot().data.jobCounts.entries(), h.snap.data.jobCounts.entries(), "derived counters are rebuilt identically");
  for (const name of ["allocs", "allocsByNode", "jobs", "evals"] as const) t.deepEqual(restored.snapshot().data[name].check(), []);
  const a1 = restored.snapshot().alloc("a1");
  const a2 = restored.snapshot().alloc("a2");
  t.is(a1?.job, a2?.job, "allocations that shared a job share it again");
});

test("a restored store keeps applying where the snapshot left off", (t) => {
  const h = busyStore();
  const restored = StateStore.restore(h.store.persist());
  const index = h.store.latestIndex + 1;
  const cmd = { type: "job.register", job: job("web", { priority: 10, taskGroups: [group("web", 2)] }) } as const;
  t.deepEqual(restored.apply(index, cmd), h.store.apply(index, cmd));
  t.deepEqual(stateTables(restored.snapshot()), stateTables(h.snap));
  t.like(restored.apply(index, cmd), { ok: false, code: "stale-index" });
});

test("restore replaces everything that was there", (t) => {
  const empty = new Harness().store.persist();
  const h = busyStore();
  h.store.restore(empty);
  t.is(h.store.latestIndex, 0);
  t.deepEqual(h.snap.jobs(), []);
  t.deepEqual(h.snap.allocsByNode("n1"), []);
  t.is(h.store.tableIndex("allocs"), 0);
});

test("restoring something that is not a snapshot fails clearly and leaves the state alone", (t) => {
  const h = busyStore();
  const before = h.store.snapshot();
  const enc = new TextEncoder();
  t.throws(() => h.store.restore(enc.encode("hello")), { instanceOf: StateRestoreError, message: /not a state snapshot/ });
  t.throws(() => h.store.restore([]), { instanceOf: StateRestoreError, message: /not a state snapshot/ });
  t.throws(() => h.store.restore(enc.encode("nomadish-state 99\n{}")), { instanceOf: StateRestoreError, message: /version 99 is not supported/ });
  t.throws(() => h.store.restore(enc.encode("nomadish-state 1\n{\"latestIndex\": 3,")), { instanceOf: StateRestoreError, message: /corrupt/ });
  t.throws(() => h.store.restore(enc.encode("nomadish-state 1\n{\"latestIndex\": 3}")), { instanceOf: StateRestoreError, message: /missing its "jobPool" table/ });
  t.throws(() => h.store.restore(new Uint8Array([0xff, 0xfe, 0x00])), { instanceOf: StateRestoreError });
  t.throws(() => h.store.restore(enc.encode("nomadish-state 2\nstate {\"latestIndex\":1}\nbogus {}\nend {\"rows\":2}\n")), { instanceOf: StateRestoreError, message: /unknown row type "bogus"/ });
  t.throws(() => h.store.restore(enc.encode("nomadish-state 2\nstate {\"latestIndex\":1}\nalloc {\"id\":\"a\",\"job\":0}\nend {\"rows\":2}\n")), { instanceOf: StateRestoreError, message: /has no "namespace"/ });
  t.throws(() => h.store.restore(enc.encode("nomadish-state 2\nstate {\"latestIndex\":1}\njob 4\nend {\"rows\":2}\n")), { instanceOf: StateRestoreError, message: /refers to job 4 of 0/ });
  t.throws(() => h.store.restore(enc.encode("nomadish-state 2\nnode {\"id\":\"n\"}\nend {\"rows\":1}\n")), { instanceOf: StateRestoreError, message: /no index/ });
  t.throws(() => h.store.restore(enc.encode("nomadish-state 2\nstate {\"latestIndex\":1}\nnode {\"id\":\"n\"}\nnode {\"id\":\"n\"}\nend {\"rows\":3}\n")), { instanceOf: StateRestoreError, message: /two rows with the key "n"/ });
  t.throws(() => h.store.restore([enc.encode("nomadish-state 2\nstate {\"latestIndex\":1}\n"), new Uint8Array([0x6e, 0x6f, 0x64, 0x65, 0x20, 0x22, 0xc3, 0x28, 0x22, 0x0a])]),
    { instanceOf: StateRestoreError, message: /not UTF-8/ });
  t.is(h.store.snapshot(), before);
});

/** The bytes of a snapshot, whatever its chunks. */
function joined(chunks: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(chunks);
}

/** The same bytes cut into pieces of `size` bytes (through multi-byte characters too). */
function recut(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

function unicodeStore(): Harness {
  const h = busyStore();
  h.apply({ type: "var.put", path: "ünïcode/☃", items: { greeting: "grüß gott — こんにちは 😀", "line\nbreak": "a\nb\r\n\u2028" } });
  h.apply({ type: "node.register", node: node("n3", { name: "nœud-três-😀" }) });
  return h;
}

test("the format is a header and one line per row, ending with the row count", (t) => {
  const text = new TextDecoder().decode(joined(busyStore().store.persist()));
  const lines = text.split("\n");
  t.is(lines[0], `nomadish-state ${SNAPSHOT_FORMAT_VERSION}`);
  t.is(SNAPSHOT_FORMAT_VERSION, 2);
  t.is(lines.at(-1), "", "the last line ends with a newline");
  t.regex(lines.at(-2) ?? "", /^end \{"rows":\d+\}$/);
  const types = new Set(lines.slice(1, -1).map((l) => l.slice(0, l.indexOf(" "))));
  t.deepEqual([...types].sort(), ["alloc", "deployment", "end", "eval", "job", "node", "nodeAllocsIndex", "pool", "stable", "state", "summary", "variable", "version"]);
  const d = busyStore().snap.data;
  const distinct = new Set([...d.jobs.values(), ...d.jobVersions.values(), ...d.allocs.values().map((a) => a.job)]);
  t.is(lines.filter((l) => l.startsWith("pool ")).length, distinct.size, "each distinct job object is written once");
});

test("rows and characters split across chunk boundaries anywhere restore identically", (t) => {
  const h = unicodeStore();
  const expected = stateTables(h.snap);
  const bytes = joined(h.store.persist());
  for (const chunkBytes of [4, 5, 7, 61, 1000, 1 << 20]) {
    const chunks = h.store.persist(chunkBytes);
    t.deepEqual(joined(chunks), bytes, `the bytes do not depend on the chunk size (${chunkBytes})`);
    if (chunkBytes < bytes.length) t.true(chunks.length > 1);
    t.true(chunks.every((c) => c.length <= Math.max(4, chunkBytes)));
    t.deepEqual(stateTables(StateStore.restore(chunks).snapshot()), expected, `chunks of ${chunkBytes} bytes`);
  }
  // Whoever moves the bytes may cut them elsewhere, even inside a multi-byte character.
  for (const size of [1, 2, 3, 13, 4096]) t.deepEqual(stateTables(StateStore.restore(recut(bytes, size)).snapshot()), expected, `pieces of ${size} bytes`);
  t.deepEqual(stateTables(StateStore.restore([new Uint8Array(0), ...recut(bytes, 100), new Uint8Array(0)]).snapshot()), expected, "empty chunks are fine");
  t.is(StateStore.restore(bytes).snapshot().variable("ünïcode/☃")?.items["line\nbreak"], "a\nb\r\n\u2028");
});

test("a snapshot cut short anywhere, or with a line taken out, is refused", (t) => {
  const h = busyStore();
  const bytes = joined(h.store.persist());
  for (let length = 0; length < bytes.length; length++) {
    const error = t.throws(() => StateStore.restore(recut(bytes.subarray(0, length), 50)), { instanceOf: StateRestoreError }, `cut at ${length}`);
    if (!error) return;
  }
  const lines = new TextDecoder().decode(bytes).split("\n");
  for (let i = 1; i < lines.length - 1; i++) {
    const without = new TextEncoder().encode([...lines.slice(0, i), ...lines.slice(i + 1)].join("\n"));
    t.throws(() => StateStore.restore(without), { instanceOf: StateRestoreError }, `without line ${i + 1}`);
  }
});

test("damaged bytes fail with StateRestoreError or restore something, but never crash otherwise", (t) => {
  const bytes = joined(unicodeStore().store.persist());
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  let refused = 0;
  for (let i = 0; i < 2000; i++) {
    const damaged = bytes.slice();
    for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) damaged[Math.floor(rnd() * damaged.length)] = Math.floor(rnd() * 256);
    try {
      StateStore.restore(recut(damaged, 1 + Math.floor(rnd() * 300)));
    } catch (err) {
      if (!(err instanceof StateRestoreError)) return t.fail(`damage #${i} threw ${String(err)}`);
      refused += 1;
    }
  }
  t.true(refused > 1000, `${refused} of 2000 refused`);
});

test("a version 1 snapshot (one JSON document) is still restored", (t) => {
  const web = job("web");
  const doc = {
    latestIndex: 9, tableIndexes: { jobs: 3, allocs: 9 }, jobPool: [web], jobs: [0], jobVersions: [0], stableVersions: [["default", "web", 0]],
    jobSummaries: [], nodes: [node("n1")], allocs: [{ ...allocation("a1", web, "n1"), job: 0 }, { ...allocation("a2", web, "n1"), job: 0 }],
    evals: [evaluation("e1")], deployments: [], variables: [],
  };
  const bytes = new TextEncoder().encode(`nomadish-state 1\n${JSON.stringify(doc)}`);
  const snap = StateStore.restore(recut(bytes, 100)).snapshot();
  t.is(snap.index, 9);
  t.is(snap.tableIndex("allocs"), 9);
  t.deepEqual(snap.allocsByNode("n1").map((a) => a.id), ["a1", "a2"]);
  t.is(snap.alloc("a1")?.job, snap.job("default", "web"), "the pool's job is shared");
  t.is(snap.nodeUsage("n1").modifyIndex, 9, "an older snapshot without the node index gets the snapshot's index");
  t.is(snap.nodeUsage("n1").allocs, 2, "and the usage of its live allocations");
  t.true(snap.isJobVersionStable("default", "web", 0));
});
