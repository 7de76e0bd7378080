// raw_exec against the driver compliance suite, plus what is particular to it: off unless enabled.

import test from "ava";
import { RawExecDriver } from "../../../client/drivers/rawexec/index.js";
import { TaskConfigError } from "../../../client/drivers/driver.js";
import { driverCompliance, makeTask, shellScript } from "./compliance.js";

driverCompliance(test, () => new RawExecDriver({ enabled: true }), {
  taskConfig: (b) => ({ command: "/bin/sh", args: ["-c", shellScript(b)] }),
  badConfigs: [
    { title: "a command that does not exist", config: { command: "no-such-command" }, message: 'command "no-such-command" not found' },
    { title: "a missing command", config: { args: ["x"] }, message: 'option "command" is required by the raw_exec driver' },
  ],
});

test("raw_exec driver: is not detected and refuses tasks unless the client enables it", async (t) => {
  const driver = new RawExecDriver();
  const fp = await driver.fingerprint();
  t.false(fp.detected);
  const task = await makeTask(t, { command: "/bin/true" });
  const error = await t.throwsAsync(() => driver.start(task), { instanceOf: TaskConfigError });
  t.is(error?.message, "the raw_exec driver is disabled on this client");
});

test("raw_exec driver: runs the command in the task directory as the client's user", async (t) => {
  const driver = new RawExecDriver({ enabled: true });
  const task = await makeTask(t, { command: "/bin/sh", args: ["-c", "pwd; id -u"] });
  const handle = await driver.start(task);
  t.teardown(() => driver.destroy(handle));
  t.is((await driver.wait(handle)).exitCode, 0);
  const { readFile } = await import("node:fs/promises");
  t.is(await readFile(task.stdoutPath, "utf8"), `${task.taskDir}\n${process.getuid?.() ?? 0}\n`);
});
