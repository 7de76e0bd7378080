import test from "ava";
import { timeOrderedId } from "../../shared/ids.js";
import { allocKey } from "../../server/state/fsm/keys.js";

const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/;

test("ids are version 8 UUIDs with a random head and the millisecond they were made in after it", (t) => {
  const id = timeOrderedId(0x0190_1234_5678);
  t.regex(id, UUID_V8);
  t.is(id.slice(9, 23), "0190-8123-8456", id);
  t.is(id.slice(24, 26), "78", id);
});

test("short ids (the first 8 characters) of ids made in one millisecond are as distinct as random ones", (t) => {
  const now = Date.now() + 30_000;
  const heads = new Set<string>();
  for (let i = 0; i < 1000; i++) heads.add(timeOrderedId(now).slice(0, 8));
  t.is(heads.size, 1000);
});

test("the allocations table's keys of ids made later sort after earlier ones, within one millisecond and when the clock goes back", (t) => {
  const ids: string[] = [];
  const now = Date.now() + 60_000;
  // 10,000 ids in one millisecond overflow the 12-bit counter; then the clock steps back.
  for (let i = 0; i < 10_000; i++) ids.push(timeOrderedId(now));
  for (let i = 0; i < 100; i++) ids.push(timeOrderedId(now - 5_000));
  for (const id of ids) t.regex(id, UUID_V8);
  const keys = ids.map(allocKey);
  for (let i = 1; i < keys.length; i++) {
    if (!((keys[i - 1] as string) < (keys[i] as string))) t.fail(`id ${i} (${ids[i]}) does not sort after ${ids[i - 1]}`);
  }
  t.is(new Set(ids).size, ids.length);
});
