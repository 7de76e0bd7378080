import test from "ava";
import { TaskRunner } from "../../../client/taskrunner/index.js";
import type { TaskState } from "../../../shared/model/index.js";
import { eventTypes, eventually, fastPolicy, mockTask, taskHarness, testNode } from "./fixtures.js";

/** A second runner for the same task, as a restarted client would build it. */
function successor(h: Awaited<ReturnType<typeof taskHarness>>, states: TaskState[]): TaskRunner {
  return new TaskRunner({ alloc: h.alloc, task: h.alloc.job.taskGroups[0]!.tasks[0]!, node: testNode, allocDir: h.allocDir }, {
    driver: h.driver,
    onStateChange: (s) => states.push(s),
    saveHandle: () => undefined,
    random: () => 0,
  });
}

test("after a client restart the runner re-attaches to a task that is still running, without restarting it", async (t) => {
  const h = await taskHarness(t, mockTask("svc"));
  void h.runner.run();
  await eventually("running", () => h.runner.state.state === "running");
  const handle = h.runner.handle;
  t.truthy(handle);
  const before = h.runner.state;

  const states: TaskState[] = [];
  const next = successor(h, states);
  next.recover(handle, before);
  void next.run();
  await eventually("re-attached", () => next.handle !== undefined);
  t.is(next.state.state, "running");
  t.is(next.state.startedAtMs, before.startedAtMs);
  t.deepEqual(eventTypes(next.state), eventTypes(before));
  t.is(h.driver.started.length, 1);

  const final = await next.kill();
  t.deepEqual(eventTypes(final).slice(-3), ["Killing", "Terminated", "Killed"]);
});

test("a task that died while the client was down goes through the restart policy", async (t) => {
  const h = await taskHarness(t, mockTask("svc", {}, { restartPolicy: fastPolicy({ attempts: 1, delayMs: 5 }) }));
  void h.runner.run();
  await eventually("running", () => h.runner.state.state === "running");
  const handle = h.runner.handle!;
  // A handle from a process that has gone: the mock driver cannot find the task any more.
  const lost = { ...handle, taskId: `${handle.taskId}-gone`, state: { ...handle.state, process: "a-client-that-exited" } };

  const states: TaskState[] = [];
  const next = successor(h, states);
  t.teardown(() => next.kill());
  next.recover(lost, h.runner.state);
  void next.run();
  await eventually("a fresh start", () => h.driver.started.length === 2 && next.state.state === "running");
  const state = next.state;
  t.is(state.restarts, 1);
  t.false(state.failed);
  const terminated = state.events.find((e) => e.type === "Terminated");
  t.regex(terminated?.message ?? "", /Exit Message: "task was lost while the client was down"/);
  t.deepEqual(eventTypes(state).slice(-3), ["Terminated", "Restarting", "Started"]);
});

test("a task that was dead before the client restarted stays dead", async (t) => {
  const h = await taskHarness(t, mockTask("done", { run_for: "1ms" }), { job: { type: "batch" } });
  const final = await h.runner.run();
  const next = successor(h, []);
  next.recover(undefined, final);
  t.deepEqual(await next.run(), final);
  t.is(h.driver.started.length, 1);
});

for (const when of ["before run()", "while run() is still setting up"] as const) {
  test(`a recovered task that the servers stop ${when} is re-attached and killed, not left running`, async (t) => {
    const h = await taskHarness(t, mockTask("svc"));
    void h.runner.run();
    await eventually("running", () => h.runner.state.state === "running");
    const handle = h.runner.handle!;

    const next = successor(h, []);
    next.recover(handle, h.runner.state);
    if (when === "while run() is still setting up") void next.run();
    const final = await next.kill({ type: "Killing", message: "alloc was stopped" });
    t.is(final.state, "dead");
    t.deepEqual(h.driver.stopped, [handle.taskId.split("/")[1]], "the running task was stopped");
    const exit = await Promise.race([h.driver.wait(handle), new Promise((r) => setTimeout(() => r("still running"), 1000))]);
    t.not(exit, "still running");
    t.is(h.driver.started.length, 1, "and not started again");
  });
}
