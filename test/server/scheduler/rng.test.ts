import test from "ava";
import { hashString, SeededRng, shuffle } from "../../../server/scheduler/index.js";

test("a string hash is stable and sensitive to every character", (t) => {
  t.is(hashString("eval-1"), hashString("eval-1"));
  t.not(hashString("eval-1"), hashString("eval-2"));
  t.not(hashString("ab"), hashString("ba"));
  t.true(Number.isInteger(hashString("x")) && hashString("x") >= 0 && hashString("x") < 2 ** 32);
});

test("the same seed gives the same stream, another seed another", (t) => {
  const draw = (seed: string) => { const r = SeededRng.fromString(seed); return Array.from({ length: 8 }, () => r.uint32()); };
  t.deepEqual(draw("eval-1"), draw("eval-1"));
  t.notDeepEqual(draw("eval-1"), draw("eval-2"));
});

test("random integers are in range and roughly uniform", (t) => {
  const rng = new SeededRng(42);
  const buckets = new Array<number>(10).fill(0);
  for (let i = 0; i < 100_000; i++) {
    const v = rng.int(10);
    t.true(v >= 0 && v < 10);
    buckets[v] = (buckets[v] ?? 0) + 1;
  }
  for (const b of buckets) t.true(b > 9_000 && b < 11_000, `bucket ${b}`);
});

test("a shuffle is a permutation that depends on the seed", (t) => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const a = [...items];
  shuffle(a, SeededRng.fromString("eval-1"));
  const b = [...items];
  shuffle(b, SeededRng.fromString("eval-1"));
  const c = [...items];
  shuffle(c, SeededRng.fromString("eval-2"));
  t.deepEqual([...a].sort((x, y) => x - y), items);
  t.deepEqual(a, b);
  t.notDeepEqual(a, c);
  t.notDeepEqual(a, items);
});
