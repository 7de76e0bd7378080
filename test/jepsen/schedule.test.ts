import test from "ava";
import { performance } from "node:perf_hooks";
import type { Nemesis } from "./nemesis.js";
import { seededRandom } from "./random.js";
import { NemesisSchedule } from "./schedule.js";

/** A nemesis that records what it was asked to do; `failStart` makes its injections fail. */
function recording(name: string, events: string[], failStart = false): Nemesis {
  return {
    name,
    target: `${name}-target`,
    async start() {
      if (failStart) throw new Error("no leader");
      events.push(`start ${name}`);
    },
    async stop() {
      events.push(`stop ${name}`);
    },
  };
}

async function until(what: string, probe: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!probe()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("the schedule cycles through the nemeses, healing each fault before the next, and heals the last on stop", async (t) => {
  const events: string[] = [];
  const schedule = new NemesisSchedule({
    nemeses: [recording("a", events), recording("b", events)], rng: seededRandom(1), now: () => performance.now(),
    faultMs: [5, 10], healthyMs: [5, 10],
  });
  schedule.start();
  await until("five faults", () => events.filter((e) => e.startsWith("start")).length >= 5);
  await schedule.stop();
  t.deepEqual(events.slice(0, 8), ["start a", "stop a", "start b", "stop b", "start a", "stop a", "start b", "stop b"]);
  t.is(events.filter((e) => e.startsWith("start")).length, events.filter((e) => e.startsWith("stop")).length);
  t.true(schedule.faults.length >= 4);
  for (const f of schedule.faults) t.true(f.healedAt >= f.startedAt);
  t.is(schedule.faults[0]?.target, "a-target");
});

test("a fault that cannot be injected is skipped and reported, and the schedule goes on", async (t) => {
  const events: string[] = [];
  const skipped: string[] = [];
  const schedule = new NemesisSchedule({
    nemeses: [recording("broken", events, true), recording("ok", events)], rng: seededRandom(2), now: () => performance.now(),
    faultMs: [5, 10], healthyMs: [5, 10], onSkip: (name) => skipped.push(name),
  });
  schedule.start();
  await until("two good faults", () => events.filter((e) => e === "stop ok").length >= 2);
  await schedule.stop();
  t.true(skipped.length >= 2);
  t.true(skipped.every((n) => n === "broken"));
  t.true(schedule.faults.every((f) => f.nemesis === "ok"));
});

test("stopping during a long fault heals it at once", async (t) => {
  const events: string[] = [];
  const schedule = new NemesisSchedule({
    nemeses: [recording("a", events)], rng: seededRandom(3), now: () => performance.now(), faultMs: [60_000, 60_001], healthyMs: [1, 2],
  });
  schedule.start();
  await until("the fault", () => events.includes("start a"));
  const stopping = performance.now();
  await schedule.stop();
  t.deepEqual(events, ["start a", "stop a"]);
  t.true(performance.now() - stopping < 1_000);
});
