import { existsSync } from "node:fs";
import test from "ava";
import type { AllocRunnerLike } from "../../../client/agent.js";
import { AllocRunner } from "../../../client/allocrunner/index.js";
import { eventTypes, eventually, fastPolicy, mockTask } from "../taskrunner/fixtures.js";
import { allocHarness, lastReport } from "./fixtures.js";

// The client agent drives allocation runners through this interface.
const _fitsTheAgent: (r: AllocRunner) => AllocRunnerLike = (r) => r;
void _fitsTheAgent;

const prestart = { hook: "prestart" as const, sidecar: false };
const prestartSidecar = { hook: "prestart" as const, sidecar: true };
const poststart = { hook: "poststart" as const, sidecar: false };
const poststartSidecar = { hook: "poststart" as const, sidecar: true };
const poststop = { hook: "poststop" as const, sidecar: false };

test("a batch allocation runs its tasks and reports pending, running, then complete", async (t) => {
  const h = await allocHarness(t, [mockTask("a", { run_for: "20ms" }), mockTask("b", { run_for: "30ms" })], { job: { type: "batch" } });
  await h.runner.run();
  const statuses = [...new Set(h.reports.map((r) => r.clientStatus))];
  t.deepEqual(statuses, ["pending", "running", "complete"]);
  t.like(lastReport(h), { allocId: h.alloc.id, clientStatus: "complete", clientDescription: "All tasks have completed" });
  t.deepEqual(Object.keys(lastReport(h)?.taskStates ?? {}).sort(), ["a", "b"]);
  t.true(h.runner.isTerminal());
  t.true(h.runner.terminalSinceMs() > 0);
});

test("lifecycle: prestart first, main after it completes, poststart once main runs, poststop after everything", async (t) => {
  const h = await allocHarness(t, [
    mockTask("cleanup", { run_for: "5ms" }, { lifecycle: poststop }),
    mockTask("after", { run_for: "5ms" }, { lifecycle: poststart }),
    mockTask("main", { run_for: "80ms" }),
    mockTask("proxy", {}, { lifecycle: prestartSidecar }),
    mockTask("init", { run_for: "40ms" }, { lifecycle: prestart }),
  ], { job: { type: "batch" } });
  await h.runner.run();
  const order = h.driver.started.map((c) => c.taskName);
  t.deepEqual(order.slice(0, 2).sort(), ["init", "proxy"]);
  t.deepEqual(order.slice(2), ["main", "after", "cleanup"]);
  const states = h.runner.taskStates();
  t.true(states["main"]!.startedAtMs >= states["init"]!.finishedAtMs);
  t.true(states["cleanup"]!.startedAtMs >= states["proxy"]!.finishedAtMs);
  t.true(eventTypes(states["proxy"]!).includes("Main Tasks Dead"));
  for (const [name, state] of Object.entries(states)) t.like(state, { state: "dead", failed: false }, name);
  t.is(lastReport(h)?.clientStatus, "complete");
});

test("a failed prestart task fails the allocation and the main task never starts", async (t) => {
  const h = await allocHarness(t, [
    mockTask("init", { run_for: "5ms", exit_code: 1 }, { lifecycle: prestart, restartPolicy: fastPolicy({ attempts: 0 }) }),
    mockTask("main"),
  ]);
  await h.runner.run();
  t.deepEqual(h.driver.started.map((c) => c.taskName), ["init"]);
  const main = h.runner.taskStates()["main"]!;
  t.deepEqual(eventTypes(main), ["Received", "Sibling Task Failed"]);
  t.like(main, { state: "dead", failed: false });
  t.like(lastReport(h), { clientStatus: "failed", clientDescription: "Failed tasks" });
});

test("a failed task kills its siblings", async (t) => {
  const h = await allocHarness(t, [mockTask("good"), mockTask("bad", { run_for: "30ms", exit_code: 2 }, { restartPolicy: fastPolicy({ attempts: 0 }) })]);
  await h.runner.run();
  const good = h.runner.taskStates()["good"]!;
  t.deepEqual(eventTypes(good).slice(-4), ["Sibling Task Failed", "Killing", "Terminated", "Killed"]);
  t.is(good.events.find((e) => e.type === "Sibling Task Failed")?.message, `Task's sibling "bad" failed`);
  t.is(lastReport(h)?.clientStatus, "failed");
});

test("when the leader task ends, the others are killed and the allocation completes", async (t) => {
  const h = await allocHarness(t, [mockTask("leader", { run_for: "20ms" }, { leader: true }), mockTask("helper")], { job: { type: "batch" } });
  await h.runner.run();
  t.true(eventTypes(h.runner.taskStates()["helper"]!).includes("Leader Task Dead"));
  t.is(lastReport(h)?.clientStatus, "complete");
});

test("stop kills tasks backwards through the lifecycle, then runs poststop tasks", async (t) => {
  const h = await allocHarness(t, [
    mockTask("proxy", {}, { lifecycle: prestartSidecar }),
    mockTask("main"),
    mockTask("logs", {}, { lifecycle: poststartSidecar }),
    mockTask("cleanup", { run_for: "5ms" }, { lifecycle: poststop }),
  ]);
  void h.runner.run();
  await eventually("all running", () => lastReport(h)?.clientStatus === "running" && h.driver.started.length === 3);
  await eventually("the poststart sidecar running", () => h.runner.taskStates()["logs"]?.state === "running");
  h.runner.update({ ...h.alloc, desiredStatus: "stop" });
  await h.runner.run();
  t.deepEqual(h.driver.stopped, ["logs", "main", "proxy"]);
  t.is(h.driver.started.at(-1)?.taskName, "cleanup");
  t.like(lastReport(h), { clientStatus: "complete" });
  for (const state of Object.values(h.runner.taskStates())) t.false(state.failed);
});

test("the group's shutdown_delay is waited out before tasks are killed", async (t) => {
  const h = await allocHarness(t, [mockTask("main")], { group: { shutdownDelayMs: 60 } });
  void h.runner.run();
  await eventually("running", () => lastReport(h)?.clientStatus === "running");
  const began = Date.now();
  await h.runner.stop();
  t.true(Date.now() - began >= 55);
});

test("stop before run leaves every task dead without starting any", async (t) => {
  const h = await allocHarness(t, [mockTask("main"), mockTask("cleanup", {}, { lifecycle: poststop })]);
  await h.runner.stop();
  t.is(h.driver.started.length, 0);
  t.true(h.runner.isTerminal());
});

// ---------------------------------------------------------------------------------------------
// Deployment health

test("healthy once every task has run for min_healthy_time", async (t) => {
  const minHealthyTimeMs = 150;
  const h = await allocHarness(t, [mockTask("web"), mockTask("proxy", {}, { lifecycle: prestartSidecar })], {
    group: { update: { ...defaultUpdate(), minHealthyTimeMs, healthCheck: "task_states" } },
    alloc: { deploymentId: "dep-1" },
  });
  void h.runner.run();
  await eventually("a health verdict", () => lastReport(h)?.deploymentStatus !== undefined);
  const report = lastReport(h)!;
  t.is(report.deploymentStatus?.healthy, true);
  const started = h.runner.taskStates()["web"]!.startedAtMs;
  t.true(report.deploymentStatus!.timestampMs - started >= minHealthyTimeMs - 5);
  t.is(report.clientStatus, "running");
});

test("unhealthy when a task fails before it is healthy", async (t) => {
  const h = await allocHarness(t, [mockTask("web", { run_for: "10ms", exit_code: 1 }, { restartPolicy: fastPolicy({ attempts: 0 }) })], {
    group: { update: { ...defaultUpdate(), minHealthyTimeMs: 10_000 } },
    alloc: { deploymentId: "dep-1" },
  });
  await h.runner.run();
  t.is(lastReport(h)?.deploymentStatus?.healthy, false);
});

test("a restart during min_healthy_time starts the wait over", async (t) => {
  const h = await allocHarness(t, [mockTask("web")], {
    group: { update: { ...defaultUpdate(), minHealthyTimeMs: 200 } },
    alloc: { deploymentId: "dep-1" },
  });
  void h.runner.run();
  await eventually("running", () => lastReport(h)?.clientStatus === "running");
  await new Promise((r) => setTimeout(r, 100));
  await h.runner.restart("web");
  await eventually("running again", () => h.driver.started.length === 2 && h.runner.taskStates()["web"]?.state === "running");
  const restartedAt = h.runner.taskStates()["web"]!.startedAtMs;
  await eventually("healthy", () => lastReport(h)?.deploymentStatus?.healthy === true);
  t.true(lastReport(h)!.deploymentStatus!.timestampMs - restartedAt >= 195);
});

test("no deployment, no health", async (t) => {
  const h = await allocHarness(t, [mockTask("web", { run_for: "5ms" })], { job: { type: "batch" } });
  await h.runner.run();
  t.true(h.reports.every((r) => r.deploymentStatus === undefined));
});

function defaultUpdate() {
  return {
    staggerMs: 0, maxParallel: 1, healthCheck: "task_states" as const, minHealthyTimeMs: 10_000, healthyDeadlineMs: 60_000,
    progressDeadlineMs: 60_000, autoRevert: false, autoPromote: false, canary: 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Restarts, updates, destroy

test("restart restarts one task by name, or every running task", async (t) => {
  const h = await allocHarness(t, [mockTask("a"), mockTask("b")]);
  void h.runner.run();
  await eventually("both running", () => Object.values(h.runner.taskStates()).every((s) => s.state === "running"));
  await h.runner.restart("a");
  await eventually("a restarted", () => h.runner.taskStates()["a"]?.restarts === 1 && h.runner.taskStates()["a"]?.state === "running");
  await h.runner.restart();
  await eventually("both restarted", () => h.runner.taskStates()["a"]?.restarts === 2 && h.runner.taskStates()["b"]?.restarts === 1);
  await t.throwsAsync(() => h.runner.restart("nope"), { message: /task "nope" is not in allocation/ });
});

test("an in-place update reaches the task on its next start", async (t) => {
  const h = await allocHarness(t, [mockTask("a")]);
  void h.runner.run();
  await eventually("running", () => h.runner.taskStates()["a"]?.state === "running");
  h.runner.update({ ...h.alloc, job: { ...h.alloc.job, meta: { release: "2" } }, modifyIndex: 9 });
  await h.runner.restart("a");
  await eventually("restarted", () => h.driver.started.length === 2);
  t.is(h.driver.started[1]?.env["NOMAD_META_release"], "2");
});

test("destroy stops the tasks and removes the allocation directory", async (t) => {
  const h = await allocHarness(t, [mockTask("a")]);
  void h.runner.run();
  await eventually("running", () => h.runner.taskStates()["a"]?.state === "running");
  t.true(existsSync(h.runner.allocDir.root));
  await h.runner.destroy();
  t.false(existsSync(h.runner.allocDir.root));
  t.is(h.runner.taskStates()["a"]?.state, "dead");
});

test("a task group missing from the job fails the allocation", async (t) => {
  const h = await allocHarness(t, [mockTask("a")], { alloc: { taskGroup: "ghost" } });
  await h.runner.run();
  t.like(lastReport(h), { clientStatus: "failed", clientDescription: 'task group "ghost" is not in the job' });
});

// ---------------------------------------------------------------------------------------------
// Client restart

test("after a client restart the allocation re-attaches to running tasks and does not rerun finished ones", async (t) => {
  const first = await allocHarness(t, [mockTask("init", { run_for: "1ms" }, { lifecycle: prestart }), mockTask("main")]);
  void first.runner.run();
  await eventually("main running", () => first.runner.taskStates()["main"]?.state === "running" && first.handles["main"] !== undefined);
  const handles = Object.fromEntries(Object.entries(first.handles).filter((e): e is [string, NonNullable<typeof e[1]>] => e[1] !== undefined));
  const taskStates = lastReport(first)!.taskStates;

  const second = first.successor();
  await second.runner.recover(handles, taskStates);
  await eventually("reported running", () => lastReport(second)?.clientStatus === "running");
  t.is(first.driver.startsOf("main").length, 1);
  t.is(first.driver.startsOf("init").length, 1);
  t.is(second.runner.taskStates()["main"]?.restarts, 0);
  t.is(second.runner.taskStates()["init"]?.state, "dead");

  await second.runner.stop();
  t.is(lastReport(second)?.clientStatus, "complete");
});

test("a recovered allocation whose tasks had all finished is terminal at once, and runs nothing", async (t) => {
  const first = await allocHarness(t, [mockTask("main", { run_for: "1ms" }), mockTask("cleanup", { run_for: "1ms" }, { lifecycle: poststop })], {
    job: { type: "batch" },
  });
  await first.runner.run();
  const taskStates = first.runner.taskStates();
  const second = first.successor();
  await second.runner.recover({}, taskStates);
  await second.runner.run();
  t.true(second.runner.isTerminal());
  t.is(first.driver.started.length, 2);
  t.is(lastReport(second)?.clientStatus, "complete");
  await second.runner.destroy();
});
