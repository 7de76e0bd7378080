// exec against the driver compliance suite, plus its isolation: memory limit, user, pid namespace.

import test, { type ExecutionContext } from "ava";
import { access } from "node:fs/promises";
import type { TaskConfig } from "../../../client/drivers/driver.js";
import { ExecDriver } from "../../../client/drivers/exec/index.js";
import { driverCompliance, makeTask, readText, shellScript } from "./compliance.js";

const skipReason = process.getuid?.() !== 0 ? "exec needs root" : undefined;

driverCompliance(test, () => new ExecDriver(), {
  taskConfig: (b) => ({ command: "/bin/sh", args: ["-c", shellScript(b)] }),
  ...(skipReason ? { skipReason } : {}),
  badConfigs: [
    { title: "a command that does not exist", config: { command: "no-such-command" }, message: 'command "no-such-command" not found in the task\'s root' },
    { title: "a missing command", config: { args: ["x"] }, message: 'option "command" is required by the exec driver' },
    { title: "args that are not a list", config: { command: "/bin/true", args: "x" }, message: 'option "args" must be a list of strings' },
  ],
  assertCleanedUp: async (t, handle) => {
    const cgroup = String(handle.state["cgroup"]);
    for (const c of ["memory", "cpu", "pids"]) {
      await t.throwsAsync(access(`/sys/fs/cgroup/${c}/${cgroup}`), undefined, `${c} cgroup removed`);
    }
  },
});

const it = skipReason ? test.skip : test;

async function run(t: ExecutionContext, script: string, extra: Partial<TaskConfig> = {}) {
  const driver = new ExecDriver();
  const task = await makeTask(t, { command: "/bin/sh", args: ["-c", script] }, extra);
  const handle = await driver.start(task);
  t.teardown(() => driver.destroy(handle));
  const result = await driver.wait(handle);
  return { result, stdout: await readText(task.stdoutPath), stderr: await readText(task.stderrPath), handle, task };
}

it("exec driver: a task over its memory limit is OOM-killed and reported so", async (t) => {
  const { result } = await run(t, "head -c 200m /dev/zero | tail", { resources: { cpuMhz: 100, cores: 0, memoryMb: 32, memoryMaxMb: 0 } });
  t.true(result.oomKilled);
  t.is(result.exitCode, 137);
});

it("exec driver: a task within its memory limit is not reported as OOM-killed", async (t) => {
  const { result } = await run(t, "head -c 8m /dev/zero | wc -c", { resources: { cpuMhz: 100, cores: 0, memoryMb: 32, memoryMaxMb: 0 } });
  t.deepEqual(result, { exitCode: 0, signal: 0, oomKilled: false });
});

it("exec driver: runs as nobody unless the task names a user", async (t) => {
  t.is((await run(t, "id -u; id -g")).stdout, "65534\n65534\n");
  t.is((await run(t, "id -u", { user: "daemon" })).stdout, "1\n");
});

it("exec driver: the task sees only its own processes and a read-only system", async (t) => {
  const { stdout, result } = await run(t, "ls /proc | grep -c '^[0-9]'; touch /usr/x 2>/dev/null || echo read-only; touch /tmp/x /local/x && echo writable");
  t.is(result.exitCode, 0);
  const [count, ...rest] = stdout.trim().split("\n");
  // The namespace's init, the shell, ls and grep: never the host's hundreds.
  t.true(Number(count) <= 5, `saw ${count} processes`);
  t.deepEqual(rest, ["read-only", "writable"]);
});

it("exec driver: the task's root is its task directory, with the allocation directory at /alloc", async (t) => {
  const { stdout, task } = await run(t, "ls /local >/dev/null && echo shared > /alloc/from-task && cat /alloc/from-task");
  t.is(stdout, "shared\n");
  t.is(await readText(`${task.allocDir}/from-task`), "shared\n");
});

it("exec driver: cpu shares and the memory limit are set on the task's cgroup", async (t) => {
  const driver = new ExecDriver();
  const task = await makeTask(t, { command: "/bin/sh", args: ["-c", "echo ready; exec sleep 100"] }, {
    resources: { cpuMhz: 500, cores: 0, memoryMb: 64, memoryMaxMb: 128 },
  });
  const handle = await driver.start(task);
  t.teardown(async () => {
    await driver.stop(handle, 0, "SIGKILL");
    await driver.destroy(handle);
  });
  const cgroup = String(handle.state["cgroup"]);
  t.is((await readText(`/sys/fs/cgroup/cpu/${cgroup}/cpu.shares`)).trim(), "500");
  t.is((await readText(`/sys/fs/cgroup/memory/${cgroup}/memory.limit_in_bytes`)).trim(), String(128 * 1024 * 1024));
  t.is((await readText(`/sys/fs/cgroup/memory/${cgroup}/memory.soft_limit_in_bytes`)).trim(), String(64 * 1024 * 1024));
});

it("exec driver: an unknown user is a clear error", async (t) => {
  const driver = new ExecDriver();
  const task = await makeTask(t, { command: "/bin/true" }, { user: "no-such-user" });
  const error = await t.throwsAsync(() => driver.start(task));
  t.is(error?.message, 'user "no-such-user" not found in the task\'s root');
});
