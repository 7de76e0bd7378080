// Packed rows in the log: what many alike objects share is written once, what differs per row,
// nested objects packed the same way; unpacked, every object reads back as it was written.

import test from "ava";
import { PackedAllocMetric } from "../../../server/state/fsm/packed-metric.js";
import { packRows, rowPackProblem, unpackRows } from "../../../server/state/fsm/packed-rows.js";
import { CommandDecodeError, decodeCommand, encodeCommand, type StateCommand } from "../../../server/state/index.js";
import type { AllocClientUpdate } from "../../../shared/model/index.js";
import { seededFloats } from "../../support/seeded.js";

/** The value as JSON writes and reads it back. */
const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

function report(i: number): AllocClientUpdate {
  const at = 1_795_381_216_000 + i;
  return {
    allocId: `alloc-${i}`, clientStatus: "running", clientDescription: "Tasks are running", modifyTimeMs: at,
    taskStates: {
      t: {
        state: "running", failed: false, restarts: 0, lastRestartMs: 0, startedAtMs: at, finishedAtMs: 0,
        events: [{ type: "Started", timeMs: at, message: "Task started by client", details: {}, failsTask: false }],
      },
    },
    deploymentStatus: { healthy: true, timestampMs: at, canary: false, modifyIndex: 0 },
  };
}

test("a batch of client reports writes what they share once, and each report's own values in nested rows", (t) => {
  const updates = [report(1), report(2), report(3)];
  const pack = packRows(updates);
  if (pack === undefined) return t.fail("the reports were not packed");
  t.deepEqual(pack.shared["clientStatus"], "running");
  t.deepEqual(pack.fields, ["allocId", "modifyTimeMs", "taskStates", "deploymentStatus"]);
  t.deepEqual(pack.nested?.["taskStates"]?.fields, ["t"]);
  t.deepEqual(pack.nested?.["deploymentStatus"]?.shared, { healthy: true, canary: false, modifyIndex: 0 });
  t.deepEqual(asJson(unpackRows(asJson(pack) as typeof pack)), asJson(updates));
  // A batch as the servers gather them: a hundred reports take less than half the bytes.
  const cmd: StateCommand = { type: "alloc.clientUpdate", updates: Array.from({ length: 100 }, (_, i) => report(i)) };
  const bytes = encodeCommand(cmd);
  t.true(bytes.length < 0.5 * JSON.stringify(cmd).length, `packed ${bytes.length} bytes of ${JSON.stringify(cmd).length}`);
  t.deepEqual(asJson(decodeCommand(bytes)), asJson(cmd));
});

test("objects that write different keys, and a single object, are not packed", (t) => {
  t.is(packRows([{ a: 1 }, { a: 1, b: 2 }]), undefined);
  t.is(packRows([{ a: 1 }]), undefined);
  // An undefined field is not written, so it does not count as a key.
  t.truthy(packRows([{ a: 1, b: undefined }, { a: 2 }]));
});

test("field names that objects inherit or that set a prototype are packed and read back as plain fields", (t) => {
  const objects = JSON.parse('[{"__proto__": {"a": 1}, "constructor": 1, "x": {"toString": 1}}, {"__proto__": {"a": 2}, "constructor": 2, "x": {"toString": 2}}]') as object[];
  const pack = packRows(objects);
  if (pack === undefined) return t.fail("the objects were not packed");
  const back = unpackRows(JSON.parse(JSON.stringify(pack)) as typeof pack);
  t.is(JSON.stringify(back), JSON.stringify(objects));
  t.is(Object.getPrototypeOf(back[0]), Object.prototype);
  // A pack naming an inherited name as nested, with no such field, is refused rather than followed.
  t.regex(rowPackProblem({ shared: {}, fields: ["toString"], rows: [[1]], nested: { constructor: { shared: {}, fields: [] } } }) ?? "", /not a field/);
});

test("objects with toJSON are packed as what they write", (t) => {
  const metric = (i: number) => PackedAllocMetric.pack({
    nodesEvaluated: 13, nodesFiltered: 0, nodesInPool: 50, nodesAvailable: { dc1: 50 }, classFiltered: {}, constraintFiltered: {},
    nodesExhausted: 0, classExhausted: {}, dimensionExhausted: {}, quotaExhausted: [], allocationTimeMs: i, coalescedFailures: 0,
    scoreMetaData: [{ nodeId: `n${i}`, scores: { binpack: i / 10 }, normScore: i / 10 }],
  });
  const rows = [{ id: "a", metrics: metric(1) }, { id: "b", metrics: metric(2) }];
  const pack = packRows(rows);
  t.deepEqual(pack?.nested?.["metrics"]?.fields, ["allocationTimeMs", "scoreTable"]);
  t.deepEqual(asJson(unpackRows(asJson(pack) as NonNullable<typeof pack>)), asJson(rows));
});

test("random alike objects read back as written (seeded)", (t) => {
  for (let seed = 1; seed <= 200; seed++) {
    const rnd = seededFloats(seed);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const object = (depth: number): Record<string, unknown> =>
      Object.fromEntries(["p", "q"].slice(0, 1 + Math.floor(rnd() * 2)).map((k) => [k, rnd() < 0.5 ? 7 : value(depth)]));
    const value = (depth: number): unknown => {
      const r = rnd();
      if (r < 0.2) return pick([0, 1, -3.5, 1e12]);
      if (r < 0.4) return pick(["", "x", "a\u0000b", "ü"]);
      if (r < 0.5) return pick([true, false, null]);
      if (r < 0.6) return [value(depth + 1), value(depth + 1)].slice(0, Math.floor(rnd() * 3));
      if (depth < 4 && r < 0.9) return object(depth + 1);
      return {};
    };
    // Every object of a batch has the same keys; values vary (often not at all).
    const keys = ["a", "b", "c", "d"].slice(0, 1 + Math.floor(rnd() * 4));
    const template = Object.fromEntries(keys.map((k) => [k, value(1)]));
    const vary = (v: unknown): unknown => {
      if (typeof v === "object" && v !== null && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, vary(x)]));
      return rnd() < 0.3 ? value(3) : v;
    };
    const objects = Array.from({ length: 2 + Math.floor(rnd() * 5) }, () => vary(template) as Record<string, unknown>);
    const pack = packRows(objects);
    if (pack === undefined) return t.fail(`seed ${seed}: alike objects were not packed`);
    t.is(rowPackProblem(asJson(pack)), undefined, `seed ${seed}`);
    t.deepEqual(asJson(unpackRows(asJson(pack) as typeof pack)), asJson(objects), `seed ${seed}`);
  }
});

test("a malformed pack of client reports is a decode error that names what is wrong", (t) => {
  const enc = new TextEncoder();
  const cases: [unknown, RegExp][] = [
    [{ shared: {}, fields: ["allocId"], rows: [["a", "extra"]] }, /packedUpdates.*one value per field/],
    [{ shared: {}, fields: ["allocId"], rows: [["a"]], nested: { taskStates: { shared: {}, fields: [] } } }, /names "taskStates", which is not a field/],
    [{ shared: {}, fields: ["t"], rows: [[5]], nested: { t: { shared: {}, fields: ["x"] } } }, /nested\.t.*one value per field/],
    [{ shared: [], fields: [], rows: [] }, /"shared" must be an object/],
  ];
  for (const [packedUpdates, message] of cases) {
    const bad = { type: "alloc.clientUpdate", updates: [], packedUpdates };
    t.throws(() => decodeCommand(enc.encode(JSON.stringify(bad))), { instanceOf: CommandDecodeError, message });
  }
});
