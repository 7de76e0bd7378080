// raw_exec: runs the command as the client's user with no isolation, in a session (and so a
// process group) of its own, so stop() can reach everything it started. A tiny shell wrapper runs
// the command in the foreground and records its exit status in the task's directory, because a
// client that restarts is no longer the task's parent and could not learn it otherwise.

import { spawn, type ChildProcess } from "node:child_process";
import type { Driver, DriverFingerprint, ExitResult, TaskConfig, TaskHandle } from "../driver.js";
import { TaskConfigError } from "../driver.js";
import { checkOptions, optString, optStrings, type OptionSchema } from "../util/config.js";
import { resolveCommand, DEFAULT_PATH } from "../util/command.js";
import { exitFilePath, exitFromStatus, readExitFile, removeExitFile, writeExitFile } from "../util/exitfile.js";
import { childExit, spawned } from "../util/child.js";
import { openOutput } from "../util/output.js";
import { childrenOf, findProcesses, isAlive, pollUntil, readStat, sendSignal } from "../util/proc.js";
import { defaultRawExecOptions, type RawExecOptions } from "./options.js";

const SCHEMA: OptionSchema = { command: { kind: "string", required: true }, args: { kind: "strings" } };

// $1 is the exit file; the command runs in the foreground so the shell sees its status.
const WRAPPER = `exit_file=$1; shift; "$@"; status=$?; echo "$status" > "$exit_file"; exit "$status"`;

/** What a raw_exec handle keeps: the wrapper's pid and start time (pids are reused), the exit file. */
interface RawExecState {
  pid: number;
  startTime: number;
  exitFile: string;
}

export class RawExecDriver implements Driver {
  readonly name = "raw_exec";
  private readonly opts: RawExecOptions;
  /** One wait per task, shared by every caller. */
  private readonly waits = new Map<string, Promise<ExitResult>>();
  /** Tasks this instance started: a pending wait() keeps the client alive for them. */
  private readonly children = new Map<string, ChildProcess>();
  private closed = false;

  constructor(opts: Partial<RawExecOptions> = {}) {
    this.opts = { ...defaultRawExecOptions, ...opts };
  }

  fingerprint(): Promise<DriverFingerprint> {
    const enabled = this.opts.enabled;
    return Promise.resolve({
      detected: enabled,
      healthy: enabled,
      healthDescription: enabled ? "Healthy" : "disabled: raw_exec runs tasks without isolation; enable it in the client's config",
      attributes: {},
    });
  }

  validateConfig(config: Record<string, unknown>): string[] {
    return checkOptions(this.name, SCHEMA, config);
  }

  async start(task: TaskConfig): Promise<TaskHandle> {
    if (!this.opts.enabled) throw new TaskConfigError("the raw_exec driver is disabled on this client");
    const problems = this.validateConfig(task.config);
    if (problems.length > 0) throw new TaskConfigError(problems.join("; "));
    const command = optString(task.config, "command") ?? "";
    const env = { PATH: process.env["PATH"] ?? DEFAULT_PATH, ...task.env };
    const resolved = resolveCommand(command, env.PATH, task.taskDir);
    if (resolved === undefined) throw new TaskConfigError(`command "${command}" not found`);

    const exitFile = exitFilePath(task.taskDir);
    await removeExitFile(exitFile);
    const output = openOutput(task.stdoutPath, task.stderrPath);
    let child: ChildProcess;
    let exited: Promise<ExitResult>;
    try {
      child = spawn("/bin/sh", ["-c", WRAPPER, "nomadish-raw_exec", exitFile, resolved, ...optStrings(task.config, "args")], {
        cwd: task.taskDir,
        env,
        // A session of its own: it survives the client and stop() can signal the whole group.
        detached: true,
        stdio: ["ignore", output.stdout, output.stderr],
      });
      // Listen before anything else: a short task may be gone before the next await returns.
      exited = childExit(child, exitFile, () => Promise.resolve(false));
      await spawned(child);
    } finally {
      output.close();
    }
    child.unref();
    const pid = child.pid ?? 0;
    const state: RawExecState = { pid, startTime: (await readStat(pid))?.startTime ?? 0, exitFile };
    const handle: TaskHandle = { driver: this.name, taskId: String(pid), startedAtMs: Date.now(), state: { ...state } };
    this.children.set(handle.taskId, child);
    this.waits.set(handle.taskId, exited.finally(() => this.children.delete(handle.taskId)));
    this.opts.logger.debug("task started", { alloc: task.allocId, task: task.taskName, pid });
    return handle;
  }

  wait(handle: TaskHandle): Promise<ExitResult> {
    // A waiter keeps the client alive until the task ends, as the polling wait below does.
    this.children.get(handle.taskId)?.ref();
    let wait = this.waits.get(handle.taskId);
    if (wait === undefined) {
      wait = this.pollExit(stateOf(handle));
      this.waits.set(handle.taskId, wait);
    }
    return wait;
  }

  async stop(handle: TaskHandle, timeoutMs: number, signal: string): Promise<void> {
    const state = stateOf(handle);
    if (!(await isAlive(state.pid, state.startTime))) return;
    // The command, not the wrapper: the wrapper must live on to record the command's status.
    const commands = await childrenOf(state.pid);
    for (const pid of commands.length > 0 ? commands : [state.pid]) sendSignal(pid, signal);
    const ended = await pollUntil(async () => !(await isAlive(state.pid, state.startTime)), timeoutMs, 25);
    if (ended) return;
    await this.killSession(state);
    if ((await readExitFile(state.exitFile)) === undefined) await writeExitFile(state.exitFile, 128 + 9);
  }

  async destroy(handle: TaskHandle): Promise<void> {
    const state = stateOf(handle);
    await this.killSession(state);
    await removeExitFile(state.exitFile);
    this.waits.delete(handle.taskId);
    this.children.delete(handle.taskId);
  }

  async recover(handle: TaskHandle): Promise<boolean> {
    const state = stateOf(handle);
    if (await isAlive(state.pid, state.startTime)) return true;
    // Ended while the client was away: still "recovered" when wait() can report how it ended.
    return (await readExitFile(state.exitFile)) !== undefined;
  }

  async signal(handle: TaskHandle, signal: string): Promise<void> {
    const state = stateOf(handle);
    if (!(await isAlive(state.pid, state.startTime))) throw new Error(`task ${handle.taskId} is not running`);
    for (const pid of await childrenOf(state.pid)) sendSignal(pid, signal);
  }

  /** Lets go of the tasks without touching them, as a client that shuts down does. */
  close(): Promise<void> {
    this.closed = true;
    for (const child of this.children.values()) child.unref();
    return Promise.resolve();
  }

  /** A task this client did not start (or no longer remembers): poll until the wrapper is gone. */
  private async pollExit(state: RawExecState): Promise<ExitResult> {
    const gone = async () => !(await isAlive(state.pid, state.startTime));
    await pollUntil(async () => this.closed || (await gone()), Number.POSITIVE_INFINITY, this.opts.pollIntervalMs);
    if (this.closed) return new Promise(() => {}); // the client is going away; nobody is waiting any more
    const status = await readExitFile(state.exitFile);
    if (status === undefined) return { exitCode: -1, signal: 0, oomKilled: false, error: "the task ended while the client was down and left no exit status" };
    return exitFromStatus(status);
  }

  /** SIGKILLs every process left in the task's session (children it started included). */
  private async killSession(state: RawExecState): Promise<void> {
    const members = () => findProcesses((s) => s.session === state.pid && s.startTime >= state.startTime);
    await pollUntil(async () => {
      const left = await members();
      for (const p of left) sendSignal(p.pid, "SIGKILL");
      return left.length === 0;
    }, 5_000, 25);
  }
}

function stateOf(handle: TaskHandle): RawExecState {
  const { pid, startTime, exitFile } = handle.state;
  if (typeof pid !== "number" || typeof startTime !== "number" || typeof exitFile !== "string") {
    throw new Error(`not a raw_exec handle: ${JSON.stringify(handle)}`);
  }
  return { pid, startTime, exitFile };
}
