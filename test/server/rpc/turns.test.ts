import test from "ava";
import { Turns } from "../../../server/rpc/turns.js";

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin: stands in for building and encoding a frame
  }
}

test("work runs in the order it was asked for and hands back each result", async (t) => {
  const turns = new Turns(10);
  const order: number[] = [];
  const results = await Promise.all([1, 2, 3].map((n) => turns.run(() => {
    order.push(n);
    return n * 10;
  })));
  t.deepEqual(order, [1, 2, 3]);
  t.deepEqual(results, [10, 20, 30]);
});

test("a burst longer than a slice lets I/O and timers in between slices", async (t) => {
  const turns = new Turns(5);
  const events: string[] = [];
  // 40 pieces of 1 ms asked for at once: about 8 slices of 5 ms.
  const all = Array.from({ length: 40 }, (_, i) => turns.run(() => {
    busy(1);
    events.push(`work ${i}`);
  }));
  // A timer due at once stands in for a heartbeat arriving during the burst.
  setTimeout(() => events.push("timer"), 0);
  await Promise.all(all);
  const timerAt = events.indexOf("timer");
  t.true(timerAt > 0 && timerAt < 40, `the timer ran after ${timerAt} pieces, not after the whole burst`);
});

test("a piece of work that throws rejects its own caller only", async (t) => {
  const turns = new Turns(10);
  const failing = turns.run(() => {
    throw new Error("no frame");
  });
  const fine = turns.run(() => "sent");
  await t.throwsAsync(failing, { message: "no frame" });
  t.is(await fine, "sent");
});
