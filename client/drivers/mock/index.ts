// The mock driver: runs nothing, but behaves like a task that runs for a while and exits the way
// its config says. Simulated clients in benchmarks and the client's own tests use it, so it must
// be cheap (one timer per task at most) and deterministic. Option names follow Nomad's mock driver.

import { randomUUID } from "node:crypto";
import { appendFile } from "node:fs/promises";
import { constants } from "node:os";
import { parseDurationMs } from "../../../shared/model/duration.js";
import type { Driver, DriverFingerprint, ExitResult, TaskConfig, TaskHandle } from "../driver.js";
import { TaskConfigError } from "../driver.js";

export const MOCK_DRIVER_NAME = "mock";
export const MOCK_DRIVER_VERSION = "0.1.0";

/** The task's `config {}` once validated. */
interface MockTaskConfig {
  /** undefined: runs until stopped. */
  runForMs: number | undefined;
  exitCode: number;
  exitSignal: number;
  oomKilled: boolean;
  startError: string;
  /** A start error the user cannot fix (a plain Error), which the task runner retries as a crash. */
  startErrorRecoverable: boolean;
  startBlockForMs: number;
  stdoutString: string;
  stderrString: string;
  /** How many more times stdout_string is written, every stdout_repeat_duration. */
  stdoutRepeat: number;
  stdoutRepeatMs: number;
}

type OptionKind = "duration" | "int" | "string" | "bool";

const OPTIONS: Record<string, OptionKind> = {
  run_for: "duration",
  exit_code: "int",
  exit_signal: "int",
  oom_killed: "bool",
  start_error: "string",
  start_error_recoverable: "bool",
  start_block_for: "duration",
  stdout_string: "string",
  stderr_string: "string",
  stdout_repeat: "int",
  stdout_repeat_duration: "duration",
  // Accepted for compatibility with Nomad's mock driver; stopping is always immediate here.
  kill_after: "duration",
};

function optionProblem(key: string, value: unknown): string | undefined {
  const kind = OPTIONS[key];
  if (kind === undefined) return `unknown option "${key}" for the mock driver`;
  switch (kind) {
    case "duration":
      return typeof value === "string" && parseDurationMs(value) !== undefined && (parseDurationMs(value) ?? 0) >= 0
        ? undefined : `${key} must be a duration such as "5s", got ${JSON.stringify(value)}`;
    case "int":
      return typeof value === "number" && Number.isInteger(value) ? undefined : `${key} must be a whole number, got ${JSON.stringify(value)}`;
    case "string":
      return typeof value === "string" ? undefined : `${key} must be a string, got ${JSON.stringify(value)}`;
    case "bool":
      return typeof value === "boolean" ? undefined : `${key} must be true or false, got ${JSON.stringify(value)}`;
  }
}

function parseConfig(config: Record<string, unknown>): MockTaskConfig {
  const problems = validateMockConfig(config);
  if (problems.length > 0) throw new TaskConfigError(problems.join("; "));
  const duration = (key: string) => (typeof config[key] === "string" ? parseDurationMs(config[key]) : undefined);
  const int = (key: string) => (typeof config[key] === "number" ? config[key] : 0);
  const str = (key: string) => (typeof config[key] === "string" ? config[key] : "");
  return {
    runForMs: duration("run_for"),
    exitCode: int("exit_code"),
    exitSignal: int("exit_signal"),
    oomKilled: config["oom_killed"] === true,
    startError: str("start_error"),
    startErrorRecoverable: config["start_error_recoverable"] === true,
    startBlockForMs: duration("start_block_for") ?? 0,
    stdoutString: str("stdout_string"),
    stderrString: str("stderr_string"),
    stdoutRepeat: int("stdout_repeat"),
    stdoutRepeatMs: duration("stdout_repeat_duration") ?? 0,
  };
}

export function validateMockConfig(config: Record<string, unknown>): string[] {
  return Object.entries(config).flatMap(([key, value]) => optionProblem(key, value) ?? []);
}

function signalNumber(signal: string): number {
  const name = (signal === "" ? "SIGTERM" : signal.toUpperCase()) as keyof typeof constants.signals;
  return constants.signals[name] ?? constants.signals.SIGTERM;
}

/** One pretend task: a promise for its exit and the timers that end it or write its output. */
class MockTask {
  exited: ExitResult | undefined;
  readonly exit: Promise<ExitResult>;
  #resolveExit!: (result: ExitResult) => void;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor() {
    this.exit = new Promise((resolve) => { this.#resolveExit = resolve; });
  }

  after(ms: number, action: () => void): void {
    const timer = setTimeout(() => { this.#timers.delete(timer); action(); }, ms);
    this.#timers.add(timer);
  }

  finish(result: ExitResult): void {
    if (this.exited) return;
    this.exited = result;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#resolveExit(result);
  }
}

// Tasks live in this process only: a handle carries the token of the process that started it,
// so a client restarted in another process finds nothing to re-attach to, as with a real task
// that died with its host.
const PROCESS_TOKEN = randomUUID();
const tasks = new Map<string, MockTask>();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class MockDriver implements Driver {
  readonly name = MOCK_DRIVER_NAME;

  /** Tasks started in this process that have not been destroyed (for tests and benchmarks). */
  static liveTaskCount(): number {
    return tasks.size;
  }

  fingerprint(): Promise<DriverFingerprint> {
    return Promise.resolve({
      detected: true,
      healthy: true,
      healthDescription: "Healthy",
      attributes: { "driver.mock.version": MOCK_DRIVER_VERSION },
    });
  }

  validateConfig(config: Record<string, unknown>): string[] {
    return validateMockConfig(config);
  }

  async start(task: TaskConfig): Promise<TaskHandle> {
    const config = parseConfig(task.config);
    if (config.startBlockForMs > 0) await sleep(config.startBlockForMs);
    if (config.startError !== "") {
      throw config.startErrorRecoverable ? new Error(config.startError) : new TaskConfigError(config.startError);
    }
    const taskId = `${task.allocId}/${task.taskName}/${randomUUID().slice(0, 8)}`;
    const mock = new MockTask();
    tasks.set(taskId, mock);
    // Output is written before the exit timer is armed so that a task with run_for "0s" has
    // written everything by the time wait() resolves.
    if (config.stdoutString !== "") await appendFile(task.stdoutPath, config.stdoutString);
    if (config.stderrString !== "") await appendFile(task.stderrPath, config.stderrString);
    this.#repeatStdout(mock, task.stdoutPath, config, config.stdoutRepeat);
    if (config.runForMs !== undefined) {
      mock.after(config.runForMs, () => mock.finish({ exitCode: config.exitCode, signal: config.exitSignal, oomKilled: config.oomKilled }));
    }
    return { driver: MOCK_DRIVER_NAME, taskId, startedAtMs: Date.now(), state: { process: PROCESS_TOKEN } };
  }

  #repeatStdout(mock: MockTask, path: string, config: MockTaskConfig, remaining: number): void {
    if (remaining <= 0 || config.stdoutString === "") return;
    mock.after(config.stdoutRepeatMs, () => {
      void appendFile(path, config.stdoutString).catch(() => undefined).then(() => {
        if (!mock.exited) this.#repeatStdout(mock, path, config, remaining - 1);
      });
    });
  }

  wait(handle: TaskHandle): Promise<ExitResult> {
    const mock = tasks.get(handle.taskId);
    if (!mock) return Promise.resolve({ exitCode: 0, signal: 0, oomKilled: false, error: "task not found: it ran in a process that has gone" });
    return mock.exit;
  }

  async stop(handle: TaskHandle, _timeoutMs: number, signal: string): Promise<void> {
    const mock = tasks.get(handle.taskId);
    if (!mock) return;
    mock.finish({ exitCode: 0, signal: signalNumber(signal), oomKilled: false });
    await mock.exit;
  }

  destroy(handle: TaskHandle): Promise<void> {
    const mock = tasks.get(handle.taskId);
    mock?.finish({ exitCode: 0, signal: signalNumber("SIGKILL"), oomKilled: false });
    tasks.delete(handle.taskId);
    return Promise.resolve();
  }

  recover(handle: TaskHandle): Promise<boolean> {
    const mock = handle.state["process"] === PROCESS_TOKEN ? tasks.get(handle.taskId) : undefined;
    return Promise.resolve(mock !== undefined && mock.exited === undefined);
  }

  signal(handle: TaskHandle, signal: string): Promise<void> {
    const mock = tasks.get(handle.taskId);
    if (!mock || mock.exited) return Promise.reject(new Error(`cannot send ${signal}: task ${handle.taskId} is not running`));
    return Promise.resolve();
  }
}
