import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { TaskConfigError, type TaskConfig } from "../../../client/drivers/driver.js";
import { MockDriver } from "../../../client/drivers/mock/index.js";

async function taskConfig(t: import("ava").ExecutionContext, config: Record<string, unknown>): Promise<TaskConfig> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "nomadish-mock-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return {
    allocId: "alloc-1", taskName: "t", jobName: "j", groupName: "g", config, env: {}, user: "",
    resources: { cpuMhz: 100, cores: 0, memoryMb: 64, memoryMaxMb: 0 }, ports: [], taskDir: dir, allocDir: dir,
    stdoutPath: path.join(dir, "out"), stderrPath: path.join(dir, "err"), killSignal: "SIGTERM",
  };
}

const driver = new MockDriver();

test("the mock driver is always detected and healthy", async (t) => {
  t.like(await driver.fingerprint(), { detected: true, healthy: true });
});

test("config problems name the option", (t) => {
  t.deepEqual(driver.validateConfig({ run_for: "5s", exit_code: 3, kill_after: "1s" }), []);
  t.deepEqual(driver.validateConfig({ run_for: "soon", exit_code: "1", colour: "red" }), [
    'run_for must be a duration such as "5s", got "soon"',
    'exit_code must be a whole number, got "1"',
    'unknown option "colour" for the mock driver',
  ]);
});

test("a task runs for run_for, exits with exit_code, and writes stdout_string once", async (t) => {
  const config = await taskConfig(t, { run_for: "20ms", exit_code: 3, stdout_string: "hi\n", stderr_string: "oops\n" });
  const began = Date.now();
  const handle = await driver.start(config);
  t.deepEqual(await driver.wait(handle), { exitCode: 3, signal: 0, oomKilled: false });
  t.true(Date.now() - began >= 18);
  t.is(await readFile(config.stdoutPath, "utf8"), "hi\n");
  t.is(await readFile(config.stderrPath, "utf8"), "oops\n");
  await driver.destroy(handle);
});

test("start_error fails the start with a TaskConfigError carrying the message", async (t) => {
  const error = await t.throwsAsync(driver.start(await taskConfig(t, { start_error: "no such image" })));
  t.true(error instanceof TaskConfigError);
  t.is(error?.message, "no such image");
});

test("without run_for a task runs until stopped; stop reports the signal", async (t) => {
  const handle = await driver.start(await taskConfig(t, {}));
  const exit = driver.wait(handle);
  t.true(await driver.recover(handle));
  await driver.stop(handle, 1_000, "SIGINT");
  t.deepEqual(await exit, { exitCode: 0, signal: 2, oomKilled: false });
  await driver.destroy(handle);
});

test("handles are recoverable in the same process only, and only while the task runs", async (t) => {
  const live = await driver.start(await taskConfig(t, {}));
  t.true(await driver.recover(live));
  t.false(await driver.recover({ ...live, state: { process: "another-process" } }));
  await driver.stop(live, 0, "SIGTERM");
  t.false(await driver.recover(live));
  const count = MockDriver.liveTaskCount();
  await driver.destroy(live);
  t.is(MockDriver.liveTaskCount(), count - 1);
  t.is((await driver.wait(live)).error, "task not found: it ran in a process that has gone");
});

test("signal reaches a running task and is refused for a gone one", async (t) => {
  const handle = await driver.start(await taskConfig(t, {}));
  await t.notThrowsAsync(driver.signal(handle, "SIGHUP"));
  await driver.stop(handle, 0, "SIGTERM");
  await t.throwsAsync(driver.signal(handle, "SIGHUP"), { message: /is not running/ });
  await driver.destroy(handle);
});
