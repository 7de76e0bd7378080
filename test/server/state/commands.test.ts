import test from "ava";
import {
  CommandDecodeError, COMMAND_TYPES, decodeCommand, encodeCommand, StateStore, type StateCommand,
} from "../../../server/state/index.js";
import { allocation, evaluation, job, node } from "./fixtures.js";

test("commands survive encoding and decoding", (t) => {
  const web = job("web");
  const commands: StateCommand[] = [
    { type: "job.register", job: web, eval: evaluation("e1") },
    { type: "node.register", node: node("n1") },
    { type: "alloc.upsert", job: web, allocs: [allocation("a1", web)], stopped: [{ allocId: "a0", desiredDescription: "gone" }] },
    { type: "var.put", path: "a/b", items: { k: "v" }, checkIndex: 0 },
  ];
  for (const cmd of commands) t.deepEqual(decodeCommand(encodeCommand(cmd)), cmd);
});

test("a plan's alike allocations are written once packed and decode to the same allocations, in order", (t) => {
  const web = job("web");
  const allocs = Array.from({ length: 50 }, (_, i) => allocation(`a${i}`, web, `n${i % 7}`, { name: `web.web[${i}]`, createTimeMs: 1000 + (i % 3) }));
  const cmd: StateCommand = { type: "alloc.upsert", job: web, allocs, evalId: "e1" };
  const packed = encodeCommand(cmd);
  const plain = new TextEncoder().encode(JSON.stringify(cmd));
  t.true(packed.length < plain.length * 0.5, `${packed.length} bytes packed, ${plain.length} as they are`);
  t.deepEqual(JSON.parse(JSON.stringify(decodeCommand(packed))), JSON.parse(JSON.stringify(cmd)));
  const text = new TextDecoder().decode(packed);
  t.is(text.split("\"jobId\"").length - 1, 1, "a field all allocations share is written once");
});

test("allocations with different fields are written as they are, and still decode alike", (t) => {
  const web = job("web");
  const withStatus = { ...allocation("a2", web), deploymentStatus: { healthy: true, timestampMs: 5, canary: false, modifyIndex: 1 } };
  const cmd: StateCommand = { type: "alloc.upsert", allocs: [allocation("a1", web), withStatus] };
  const text = new TextDecoder().decode(encodeCommand(cmd));
  t.false(text.includes("packedAllocs"));
  t.deepEqual(decodeCommand(encodeCommand(cmd)), cmd);
});

test("a malformed pack of allocations is a decode error that names it", (t) => {
  const enc = new TextEncoder();
  const bad = { type: "alloc.upsert", allocs: [], packedAllocs: { shared: {}, fields: ["id"], rows: [["a1", "extra"]] } };
  t.throws(() => decodeCommand(enc.encode(JSON.stringify(bad))), { instanceOf: CommandDecodeError, message: /packedAllocs.*rows/ });
});

test("decoding garbage throws an error that says what is wrong", (t) => {
  const enc = new TextEncoder();
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(), /the entry is empty/],
    [new Uint8Array([0xc3, 0x28, 0xff]), /not UTF-8/],
    [enc.encode("{\"type\": \"job.register\""), /invalid JSON/],
    [enc.encode("[1, 2]"), /expected a JSON object, got array/],
    [enc.encode("{\"kind\": 1}"), /has no "type"/],
    [enc.encode("{\"type\": \"job.explode\"}"), /unknown state command type "job.explode"/],
    [enc.encode("{\"type\": \"var.put\", \"path\": 3, \"items\": {}}"), /var\.put: "path" must be a string, got number/],
    [enc.encode("{\"type\": \"eval.delete\", \"evalIds\": []}"), /"allocIds" must be an array, got undefined/],
    [enc.encode("{\"type\": \"var.put\", \"path\": \"p\", \"items\": {}, \"checkIndex\": \"1\"}"), /"checkIndex" must be a number when present/],
    [enc.encode("{\"type\": \"__proto__\"}"), /unknown state command type/],
  ];
  for (const [bytes, message] of cases) t.throws(() => decodeCommand(bytes), { instanceOf: CommandDecodeError, message });
});

test("every command type has a decoder shape", (t) => {
  t.is(COMMAND_TYPES.length, 20);
});

test("applying undecodable bytes is an invalid result that still counts the index", (t) => {
  const store = new StateStore();
  const r = store.apply(1, new TextEncoder().encode("not json"));
  t.like(r, { ok: false, code: "invalid", index: 1 });
  t.is(store.latestIndex, 1);
  t.like(store.apply(2, encodeCommand({ type: "var.put", path: "p", items: {} })), { ok: true, index: 2 });
  t.is(store.snapshot().variable("p")?.modifyIndex, 2);
});

test("an unknown command object is an invalid result, not a throw", (t) => {
  const store = new StateStore();
  t.like(store.apply(1, { type: "nope" } as unknown as StateCommand), { ok: false, code: "invalid" });
  t.like(store.apply(2, null as unknown as StateCommand), { ok: false, code: "internal", index: 2 });
});

test("a command that trips over malformed data fails as a whole and changes nothing", (t) => {
  const store = new StateStore();
  store.apply(1, { type: "var.put", path: "p", items: {} });
  const before = store.snapshot();
  const broken = { type: "eval.upsert", evals: [evaluation("e1"), null] } as unknown as StateCommand;
  const r = store.apply(2, broken);
  t.like(r, { ok: false, code: "internal", index: 2 });
  t.is(store.latestIndex, 2);
  t.is(store.snapshot().data.evals, before.data.evals);
  t.is(store.snapshot().eval("e1"), undefined, "the first eval of the batch was not kept either");
});

test("an entry at or below the applied index is ignored", (t) => {
  const store = new StateStore();
  store.apply(5, { type: "var.put", path: "p", items: { v: "1" } });
  t.like(store.apply(5, { type: "var.put", path: "p", items: { v: "2" } }), { ok: false, code: "stale-index" });
  t.is(store.snapshot().variable("p")?.items["v"], "1");
});
