import test from "ava";
import { PMap, prefixUpperBound } from "../../../server/state/fsm/pmap.js";
import { seededFloats as rng } from "../../support/seeded.js";

function sortedKeys(model: Map<string, number>): string[] {
  return [...model.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

test("random inserts and deletes agree with a plain Map, and every old version stays intact", (t) => {
  for (const seed of [1, 2, 3, 42]) {
    const random = rng(seed);
    let map = PMap.empty<number>();
    const model = new Map<string, number>();
    const history: { map: PMap<number>; entries: [string, number][] }[] = [];
    for (let step = 0; step < 4000; step++) {
      const k = `k${Math.floor(random() * 600).toString().padStart(4, "0")}`;
      // Several writes share one owner tag, as a transaction's do.
      const owner = 1 + Math.floor(step / 5);
      if (random() < 0.6) {
        map = map.set(k, step, owner);
        model.set(k, step);
      } else {
        map = map.delete(k, owner);
        model.delete(k);
      }
      if (step % 5 === 4) {
        // The transaction ended: this version must never change again.
        history.push({ map, entries: sortedKeys(model).map((key) => [key, model.get(key) as number]) });
      }
    }
    t.deepEqual(map.check(), [], `seed ${seed}`);
    t.is(map.size, model.size, `seed ${seed}`);
    for (const [k, v] of model) t.is(map.get(k), v);
    for (const h of history.filter((_, i) => i % 37 === 0)) t.deepEqual(h.map.entries(), h.entries, `seed ${seed}`);
  }
});

test("a write never changes the map it was made from", (t) => {
  const a = PMap.empty<number>().set("x", 1).set("y", 2);
  const b = a.set("x", 10);
  const c = b.delete("y");
  t.deepEqual(a.entries(), [["x", 1], ["y", 2]]);
  t.deepEqual(b.entries(), [["x", 10], ["y", 2]]);
  t.deepEqual(c.entries(), [["x", 10]]);
  t.is(a.set("x", 1), a, "setting the same value returns the same map");
  t.is(a.delete("nope"), a);
});

test("prefix scans return exactly the keys under a prefix, in order", (t) => {
  let map = PMap.empty<string>();
  for (const ns of ["a", "ab", "b"]) for (let i = 0; i < 50; i++) map = map.set(`${ns}\u0000${i.toString().padStart(3, "0")}`, ns);
  t.is(map.valuesWithPrefix("a\u0000").length, 50);
  t.true(map.valuesWithPrefix("a\u0000").every((v) => v === "a"));
  t.is(map.keysWithPrefix("ab\u0000", 7).length, 7);
  t.deepEqual(map.lastWithPrefix("a\u0000"), ["a\u0000049", "a"]);
  t.deepEqual(map.lastWithPrefix("b\u0000"), ["b\u0000049", "b"]);
  t.is(map.lastWithPrefix("c"), undefined);
  t.is(map.lastWithPrefix("a\u00001"), undefined);
  t.deepEqual(map.lastWithPrefix(""), ["b\u0000049", "b"]);
});

test("the last entry under a prefix is found across leaf boundaries", (t) => {
  let map = PMap.empty<number>();
  for (let i = 0; i < 2000; i++) map = map.set(`j\u0000${i.toString().padStart(5, "0")}`, i);
  map = map.set("k", -1);
  for (let i = 0; i < 2000; i += 97) {
    const p = `j\u0000${i.toString().padStart(5, "0").slice(0, 4)}`;
    const last = map.lastWithPrefix(p);
    const expected = map.keysWithPrefix(p).at(-1);
    t.is(last?.[0], expected);
  }
});

test("building from sorted entries gives a valid tree of any size", (t) => {
  for (const n of [0, 1, 7, 8, 24, 25, 33, 1000, 5001]) {
    const entries = Array.from({ length: n }, (_, i): [string, number] => [i.toString().padStart(6, "0"), i]);
    const map = PMap.fromSorted(entries);
    t.deepEqual(map.check(), [], `n=${n}`);
    t.is(map.size, n);
    t.deepEqual(map.entries(), entries);
    const grown = map.set("999999", 1).delete("000000");
    t.deepEqual(grown.check(), []);
  }
});

test("deleting everything leaves an empty, usable map", (t) => {
  let map = PMap.empty<number>();
  for (let i = 0; i < 3000; i++) map = map.set(`k${i}`, i);
  t.true(map.depth() > 1);
  for (let i = 0; i < 3000; i++) map = map.delete(`k${i}`);
  t.is(map.size, 0);
  t.is(map.depth(), 1);
  t.deepEqual(map.check(), []);
  t.is(map.set("again", 1).get("again"), 1);
});

test("the upper bound of a prefix sorts after every key with that prefix", (t) => {
  t.is(prefixUpperBound("ab"), "ac");
  t.is(prefixUpperBound(""), undefined);
  t.is(prefixUpperBound("a\uffff"), "b");
});
