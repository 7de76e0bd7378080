import test from "ava";
import { RestartTracker, restartsOnSuccess } from "../../../client/taskrunner/index.js";
import type { RestartPolicy } from "../../../shared/model/index.js";

function tracker(policy: Partial<RestartPolicy>, onSuccess = true, random = () => 0) {
  let now = 1_000_000;
  const full: RestartPolicy = { attempts: 2, intervalMs: 60_000, delayMs: 1_000, mode: "fail", renderTemplates: false, ...policy };
  const rt = new RestartTracker(full, onSuccess, () => now, random);
  return { rt, advance: (ms: number) => { now += ms; } };
}

test("within the attempts a failure restarts after the delay", (t) => {
  const { rt } = tracker({ attempts: 2 });
  t.deepEqual(rt.onExit(false), { action: "restart", delayMs: 1_000, reason: "Restart within policy" });
  t.like(rt.onExit(false), { action: "restart" });
  t.like(rt.onExit(false), { action: "stop", failed: true });
});

test("jitter adds up to a quarter of the delay", (t) => {
  const { rt } = tracker({}, true, () => 0.999);
  const decision = rt.onExit(false);
  t.true(decision.action === "restart" && decision.delayMs > 1_240 && decision.delayMs < 1_250);
});

test("a new interval starts the count over", (t) => {
  const { rt, advance } = tracker({ attempts: 1, intervalMs: 10_000 });
  t.like(rt.onExit(false), { action: "restart" });
  advance(10_000);
  t.like(rt.onExit(false), { action: "restart" });
  t.like(rt.onExit(false), { action: "stop", failed: true });
});

test("mode delay waits until the interval ends", (t) => {
  const { rt, advance } = tracker({ attempts: 1, intervalMs: 10_000, mode: "delay" });
  rt.onExit(false);
  advance(4_000);
  t.deepEqual(rt.onExit(false), { action: "restart", delayMs: 6_000, reason: "Exceeded allowed attempts, applying a delay" });
  advance(6_000);
  t.like(rt.onExit(false), { action: "restart", reason: "Restart within policy" });
});

test("a clean exit ends a batch task; a policy with no attempts fails a crashed one", (t) => {
  t.like(tracker({}, false).rt.onExit(true), { action: "stop", failed: false });
  t.like(tracker({ attempts: 0 }).rt.onExit(false), { action: "stop", failed: true, reason: "Policy allows no restarts" });
  t.like(tracker({ attempts: 0 }, false).rt.onExit(true), { action: "stop", failed: false });
});

test("service and system tasks restart after a clean exit; batch and ephemeral lifecycle tasks do not", (t) => {
  t.true(restartsOnSuccess("service", undefined));
  t.true(restartsOnSuccess("system", { hook: "prestart", sidecar: true }));
  t.false(restartsOnSuccess("service", { hook: "prestart", sidecar: false }));
  t.false(restartsOnSuccess("batch", undefined));
  t.false(restartsOnSuccess("sysbatch", undefined));
});
