import test from "ava";
import { timeOrderedId } from "../../shared/ids.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("ids are version 7 UUIDs that start with the millisecond they were made in", (t) => {
  const id = timeOrderedId(0x0190_1234_5678);
  t.regex(id, UUID_V7);
  t.true(id.startsWith("01901234-5678-7"), id);
});

test("ids made later sort after earlier ones, within one millisecond and when the clock goes back", (t) => {
  const ids: string[] = [];
  const now = Date.now() + 60_000;
  // 10,000 ids in one millisecond overflow the 12-bit counter; then the clock steps back.
  for (let i = 0; i < 10_000; i++) ids.push(timeOrderedId(now));
  for (let i = 0; i < 100; i++) ids.push(timeOrderedId(now - 5_000));
  for (const id of ids) t.regex(id, UUID_V7);
  for (let i = 1; i < ids.length; i++) {
    if (!((ids[i - 1] as string) < (ids[i] as string))) t.fail(`id ${i} (${ids[i]}) does not sort after ${ids[i - 1]}`);
  }
  t.is(new Set(ids).size, ids.length);
});
