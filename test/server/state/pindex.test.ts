import test from "ava";
import { PIndex } from "../../../server/state/fsm/pindex.js";
import { seededFloats as rng } from "../../support/seeded.js";

type Model = Map<string, Map<string, number>>;

function groupValues(model: Model, group: string): number[] {
  const rows = model.get(group);
  if (rows === undefined) return [];
  return [...rows.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
}

function copy(model: Model): Model {
  return new Map([...model].map(([g, rows]) => [g, new Map(rows)]));
}

test("random writes and deletes agree with nested Maps, and every old version stays intact", (t) => {
  for (const seed of [1, 7, 99]) {
    const random = rng(seed);
    let index = PIndex.empty<number>();
    const model: Model = new Map();
    const history: { index: PIndex<number>; model: Model }[] = [];
    for (let step = 0; step < 3000; step++) {
      const group = `g${Math.floor(random() * 12)}`;
      const id = `id${Math.floor(random() * 80).toString().padStart(3, "0")}`;
      // Several writes share one owner tag, as a transaction's do.
      const owner = 1 + Math.floor(step / 4);
      if (random() < 0.6) {
        index = index.set(group, id, step, owner);
        if (!model.has(group)) model.set(group, new Map());
        model.get(group)?.set(id, step);
      } else {
        index = index.delete(group, id, owner);
        model.get(group)?.delete(id);
        if (model.get(group)?.size === 0) model.delete(group);
      }
      if (step % 4 === 3) history.push({ index, model: copy(model) });
    }
    t.deepEqual(index.check(), [], `seed ${seed}`);
    for (const { index: old, model: want } of history) {
      let size = 0;
      for (const [group, rows] of want) {
        size += rows.size;
        t.deepEqual(old.values(group), groupValues(want, group));
      }
      t.is(old.size, size);
      const groups: string[] = [];
      old.forEachGroup((g) => {
        groups.push(g);
      });
      t.deepEqual(groups, [...want.keys()].sort());
    }
  }
});

test("an index built from unsorted entries equals one built by writes", (t) => {
  const entries: [string, string, number][] = [["b", "2", 1], ["a", "9", 2], ["b", "1", 3], ["c", "5", 4], ["a", "3", 5]];
  const built = PIndex.from(entries);
  let written = PIndex.empty<number>();
  for (const [g, id, v] of entries) written = written.set(g, id, v);
  t.deepEqual(built.check(), []);
  t.is(built.size, 5);
  for (const g of ["a", "b", "c", "missing"]) t.deepEqual(built.values(g), written.values(g));
  t.deepEqual(built.values("a"), [5, 2]);
  t.is(built.get("b", "1"), 3);
  t.is(built.get("b", "3"), undefined);
});

test("deleting the last entry of a group removes the group; deleting what is absent changes nothing", (t) => {
  const one = PIndex.empty<string>().set("node", "a", "x");
  t.is(one.delete("node", "b"), one);
  t.is(one.delete("other", "a"), one);
  const none = one.delete("node", "a");
  t.is(none.size, 0);
  let groups = 0;
  none.forEachGroup(() => {
    groups++;
  });
  t.is(groups, 0);
  t.deepEqual(none.check(), []);
});
