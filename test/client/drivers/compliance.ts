// The behaviours every driver must share, run against each driver by its own test file:
//
//   driverCompliance(test, () => new RawExecDriver({ enabled: true }), {
//     taskConfig: (b) => ({ command: "/bin/sh", args: ["-c", shellScript(b)] }),
//   });
//
// Drivers differ in how a task is written down (a shell command, a docker image, the mock's knobs),
// so the tests describe tasks as a TaskBehaviour and each driver's test file says how to express
// one in its `config {}`.

import type { ExecutionContext, TestFn } from "ava";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Driver, TaskConfig, TaskHandle } from "../../../client/drivers/driver.js";
import { TaskConfigError } from "../../../client/drivers/driver.js";

/** A task as the tests need it; each driver's test file turns it into that driver's config. */
export interface TaskBehaviour {
  /** Printed to stdout, then `stderr` to stderr, then `NAME=value` for `printEnv`, all at once. */
  stdout?: string;
  stderr?: string;
  printEnv?: string;
  /** Ignore SIGTERM (so only the kill after stop()'s timeout ends it). */
  ignoreSigterm?: boolean;
  /** On this signal (e.g. "SIGUSR1") print `got SIGUSR1` and exit 0. */
  exitOnSignal?: string;
  /** How long it runs before exiting; "forever" runs until stopped. */
  runForMs?: number | "forever";
  /** Printed to stdout just before exiting (after runForMs). */
  lateStdout?: string;
  exitCode?: number;
}

/** Optional behaviours: printing the environment, ignoring SIGTERM, signal(), output printed late. */
export type Feature = "env" | "ignoreSigterm" | "signals" | "lateOutput";

/** A driver, and optionally a way to let go of it as a client does when it shuts down. */
export type TestDriver = Driver & { close?: () => Promise<void> };

export interface ComplianceOptions {
  /** How this driver expresses a behaviour in its `config {}`. */
  taskConfig(behaviour: TaskBehaviour): Record<string, unknown>;
  /** Configs the driver must refuse, with the exact message (from validateConfig or start). */
  badConfigs?: Array<{ title: string; config: Record<string, unknown>; message: string }>;
  /** Runs before the suite (e.g. building a local image). */
  before?: () => Promise<void>;
  /** Skips the whole suite, saying why (e.g. no docker daemon). */
  skipReason?: string;
  /**
   * Behaviours this driver cannot express (the mock runs no commands): the tests that need them are
   * skipped, and taskConfig() is never asked for them.
   */
  unsupported?: Feature[];
  /** Changes to every task (resources, user, …). */
  task?: Partial<TaskConfig>;
  /** Checks that destroy() left nothing behind, beyond recover() returning false. */
  assertCleanedUp?: (t: ExecutionContext, handle: TaskHandle, driver: TestDriver) => Promise<void>;
}

const SUITE_TIMEOUT_MS = 30_000;

/** A TaskConfig for one test, in fresh directories removed when the test ends. */
export async function makeTask(t: ExecutionContext, config: Record<string, unknown>, extra: Partial<TaskConfig> = {}): Promise<TaskConfig> {
  const base = await mkdtemp(path.join(tmpdir(), "nomadish-driver-"));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const allocId = randomUUID();
  const taskName = `t${allocId.slice(0, 6)}`;
  const allocDir = path.join(base, "alloc");
  const taskDir = path.join(base, taskName);
  await mkdir(path.join(allocDir, "logs"), { recursive: true });
  for (const dir of ["local", "secrets", "tmp"]) await mkdir(path.join(taskDir, dir), { recursive: true });
  return {
    allocId,
    taskName,
    jobName: "compliance",
    groupName: "g",
    config,
    env: { NOMAD_ALLOC_ID: allocId, NOMAD_TASK_NAME: taskName },
    user: "",
    resources: { cpuMhz: 100, cores: 0, memoryMb: 64, memoryMaxMb: 0 },
    ports: [],
    taskDir,
    allocDir,
    stdoutPath: path.join(allocDir, "logs", `${taskName}.stdout.0`),
    stderrPath: path.join(allocDir, "logs", `${taskName}.stderr.0`),
    killSignal: "SIGTERM",
    ...extra,
  };
}

export async function readText(file: string): Promise<string> {
  return readFile(file, "utf8").catch(() => "");
}

/** Waits (with a deadline, never a fixed sleep) until `file` contains `text`. */
export async function waitForText(file: string, text: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await readText(file)).includes(text)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${JSON.stringify(text)} in ${file}: ${JSON.stringify(await readText(file))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A shell script with the behaviour, for drivers that run commands (docker, exec, raw_exec). */
export function shellScript(b: TaskBehaviour): string {
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const lines: string[] = [];
  if (b.ignoreSigterm) lines.push("trap '' TERM");
  if (b.exitOnSignal) lines.push(`trap 'echo got ${b.exitOnSignal}; exit 0' ${b.exitOnSignal.replace(/^SIG/, "")}`);
  if (b.stdout !== undefined) lines.push(`echo ${quote(b.stdout)}`);
  if (b.stderr !== undefined) lines.push(`echo ${quote(b.stderr)} >&2`);
  if (b.printEnv !== undefined) lines.push(`echo "${b.printEnv}=$${b.printEnv}"`);
  if (b.runForMs === "forever") {
    // A trapped signal interrupts `wait` but not a foreground command; otherwise exec, so the
    // sleep itself gets the signal (and inherits an ignored SIGTERM).
    lines.push(b.exitOnSignal ? "while :; do sleep 1 & wait $!; done" : "exec sleep 100000");
  } else if (b.runForMs !== undefined) {
    lines.push(`sleep ${(b.runForMs / 1000).toFixed(3)}`);
  }
  if (b.lateStdout !== undefined) lines.push(`echo ${quote(b.lateStdout)}`);
  lines.push(`exit ${b.exitCode ?? 0}`);
  return lines.join("\n");
}

export function driverCompliance(test: TestFn, makeDriver: () => TestDriver, opts: ComplianceOptions): void {
  const drivers: TestDriver[] = [];
  const driver = (): TestDriver => {
    const d = makeDriver();
    drivers.push(d);
    return d;
  };
  const name = makeDriver().name;
  const title = (what: string) => `${name} driver: ${what}${opts.skipReason ? ` (skipped: ${opts.skipReason})` : ""}`;
  const unsupported = new Set(opts.unsupported ?? []);
  const it = (what: string, fn: (t: ExecutionContext) => Promise<void>, needs?: Feature) => {
    // Skipped cases say why in their title: the driver is unavailable on this machine
    // (skipReason), or it declares that it lacks the feature the case needs.
    if (opts.skipReason) test.skip(title(what), () => {});
    else if (needs !== undefined && unsupported.has(needs)) test.skip(`${name} driver: ${what} (skipped: no ${needs} support)`, () => {});
    else test(title(what), async (t) => {
      t.timeout(SUITE_TIMEOUT_MS);
      await fn(t);
    });
  };
  if (opts.before && !opts.skipReason) test.before(opts.before);
  test.after.always(async () => {
    for (const d of drivers) await d.close?.();
  });

  /** Starts a task and makes sure it is destroyed when the test ends, whatever happens. */
  const start = async (t: ExecutionContext, d: TestDriver, b: TaskBehaviour, extra: Partial<TaskConfig> = {}) => {
    const task = await makeTask(t, opts.taskConfig(b), { ...opts.task, ...extra });
    const handle = await d.start(task);
    t.teardown(async () => {
      await d.stop(handle, 0, "SIGKILL").catch(() => {});
      await d.destroy(handle).catch(() => {});
    });
    return { task, handle };
  };

  it("fingerprint detects the driver", async (t) => {
    const fp = await driver().fingerprint();
    t.true(fp.detected, fp.healthDescription);
    t.true(fp.healthy, fp.healthDescription);
  });

  it("a task that exits 0 reports exit code 0", async (t) => {
    const d = driver();
    const { handle } = await start(t, d, { exitCode: 0 });
    t.is(handle.driver, name);
    t.deepEqual(await d.wait(handle), { exitCode: 0, signal: 0, oomKilled: false });
  });

  it("a task that fails reports its exit code", async (t) => {
    const d = driver();
    const { handle } = await start(t, d, { exitCode: 3 });
    const result = await d.wait(handle);
    t.is(result.exitCode, 3);
    t.false(result.oomKilled);
    t.deepEqual(await d.wait(handle), result, "a second wait() gets the same result");
  });

  it("stdout and stderr land in the task's files", async (t) => {
    const d = driver();
    const { task, handle } = await start(t, d, { stdout: "hello on stdout", stderr: "hello on stderr" });
    t.is((await d.wait(handle)).exitCode, 0);
    t.is(await readText(task.stdoutPath), "hello on stdout\n");
    t.is(await readText(task.stderrPath), "hello on stderr\n");
  });

  it("the task gets its environment", async (t) => {
    const d = driver();
    const { task, handle } = await start(t, d, { printEnv: "NOMADISH_TEST_VALUE" }, {
      env: { NOMADISH_TEST_VALUE: "it's 42 here" },
    });
    t.is((await d.wait(handle)).exitCode, 0);
    t.true((await readText(task.stdoutPath)).includes("NOMADISH_TEST_VALUE=it's 42 here"));
  }, "env");

  it("stop() ends a running task with its kill signal, without waiting for the timeout", async (t) => {
    const d = driver();
    const { task, handle } = await start(t, d, { stdout: "ready", runForMs: "forever" });
    await waitForText(task.stdoutPath, "ready");
    const began = Date.now();
    await d.stop(handle, 20_000, "SIGTERM");
    t.true(Date.now() - began < 10_000, `stop took ${Date.now() - began} ms`);
    const result = await d.wait(handle);
    t.true(result.exitCode !== 0 || result.signal !== 0, `ended with ${JSON.stringify(result)}`);
  });

  it("stop() kills a task that ignores SIGTERM once the timeout passes", async (t) => {
    const d = driver();
    const { task, handle } = await start(t, d, { stdout: "ready", ignoreSigterm: true, runForMs: "forever" });
    await waitForText(task.stdoutPath, "ready");
    const began = Date.now();
    await d.stop(handle, 600, "SIGTERM");
    const tookMs = Date.now() - began;
    t.true(tookMs >= 500, `stop gave up after ${tookMs} ms, before its 600 ms timeout`);
    const result = await d.wait(handle);
    t.true(result.exitCode !== 0 || result.signal !== 0, `ended with ${JSON.stringify(result)}`);
  }, "ignoreSigterm");

  it("recover() on a new driver instance re-attaches to a running task and wait() gets its exit code", async (t) => {
    const first = driver();
    const late = !unsupported.has("lateOutput");
    const { task, handle } = await start(t, first, { stdout: "early line", runForMs: 2_000, exitCode: 7, ...(late ? { lateStdout: "late line" } : {}) });
    await waitForText(task.stdoutPath, "early line");
    await first.close?.(); // the client goes away; the task does not
    const second = driver();
    const saved = JSON.parse(JSON.stringify(handle)) as TaskHandle; // handles are stored as JSON
    t.true(await second.recover(saved));
    t.is(saved.taskId, handle.taskId);
    const result = await second.wait(saved);
    t.is(result.exitCode, 7);
    const stdout = await readText(task.stdoutPath);
    t.is(stdout, late ? "early line\nlate line\n" : "early line\n", "output written while and after the client was away, each line once");
  });

  it("recover() of a task that ended while the client was away reports it", async (t) => {
    const first = driver();
    const { handle } = await start(t, first, { exitCode: 5 });
    t.is((await first.wait(handle)).exitCode, 5);
    await first.close?.();
    const second = driver();
    const saved = JSON.parse(JSON.stringify(handle)) as TaskHandle;
    if (await second.recover(saved)) t.is((await second.wait(saved)).exitCode, 5);
    else t.pass("recover() said the task is gone");
  });

  it("destroy() cleans up: the task cannot be recovered afterwards", async (t) => {
    const d = driver();
    const { task, handle } = await start(t, d, { stdout: "ready", runForMs: "forever" });
    await waitForText(task.stdoutPath, "ready");
    await d.stop(handle, 5_000, "SIGTERM");
    await d.wait(handle);
    await d.destroy(handle);
    t.false(await driver().recover(JSON.parse(JSON.stringify(handle)) as TaskHandle));
    await opts.assertCleanedUp?.(t, handle, d);
  });

  it("signal() reaches the task", async (t) => {
    const d = driver();
    const { task, handle } = await start(t, d, { stdout: "ready", exitOnSignal: "SIGUSR1", runForMs: "forever" });
    await waitForText(task.stdoutPath, "ready");
    await d.signal(handle, "SIGUSR1");
    t.is((await d.wait(handle)).exitCode, 0);
    await waitForText(task.stdoutPath, "got SIGUSR1");
    t.pass();
  }, "signals");

  const badConfigs = [
    { title: "an unknown option", config: { ...opts.taskConfig({}), foo: 1 }, message: `unknown option "foo" for the ${name} driver` },
    ...(opts.badConfigs ?? []),
  ];
  for (const bad of badConfigs) {
    it(`${bad.title} is a TaskConfigError saying so`, async (t) => {
      const d = driver();
      const problems = d.validateConfig(bad.config);
      const task = await makeTask(t, bad.config, opts.task);
      const error = await t.throwsAsync(() => d.start(task).then(async (h) => {
        await d.stop(h, 0, "SIGKILL");
        await d.destroy(h);
      }));
      t.true(error instanceof TaskConfigError, `${error?.name}: ${error?.message}`);
      t.is(error?.message, bad.message);
      if (problems.length > 0) t.deepEqual(problems, [bad.message]);
    });
  }
}
