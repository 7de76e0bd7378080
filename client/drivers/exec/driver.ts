// exec: runs a command isolated the way Nomad's exec driver does on Linux: its own pid, mount, uts
// and ipc namespaces, chrooted into its task directory with the host's system directories bound
// read-only, as an unprivileged user (nobody unless the task sets one), limited by cgroup v1
// memory and cpu groups. See launch.ts for how it is started and cgroup.ts for how it is killed.

import { spawn, type ChildProcess } from "node:child_process";
import { access } from "node:fs/promises";
import path from "node:path";
import type { Driver, DriverFingerprint, ExitResult, TaskConfig, TaskHandle } from "../driver.js";
import { TaskConfigError } from "../driver.js";
import { childExit, spawned } from "../util/child.js";
import { DEFAULT_PATH, resolveCommand } from "../util/command.js";
import { checkOptions, optString, optStrings, type OptionSchema } from "../util/config.js";
import { exitFilePath, exitFromStatus, readExitFile, removeExitFile, writeExitFile } from "../util/exitfile.js";
import { openOutput } from "../util/output.js";
import { pollUntil, readStat, sendSignal } from "../util/proc.js";
import { CONTROLLERS, TaskCgroup } from "./cgroup.js";
import { launchCommand } from "./launch.js";
import { defaultExecOptions, type ExecOptions } from "./options.js";
import { hostPathFor, prepareRoot } from "./root.js";
import { resolveUser } from "./user.js";

const SCHEMA: OptionSchema = { command: { kind: "string", required: true }, args: { kind: "strings" } };
const MIB = 1024 * 1024;

/** What an exec handle keeps: unshare's pid and start time (pids are reused), the cgroup, the exit file. */
interface ExecState {
  pid: number;
  startTime: number;
  cgroup: string;
  exitFile: string;
}

export class ExecDriver implements Driver {
  readonly name = "exec";
  private readonly opts: ExecOptions;
  /** One wait per task, shared by every caller. */
  private readonly waits = new Map<string, Promise<ExitResult>>();
  /** Tasks this instance started: a pending wait() keeps the client alive for them. */
  private readonly children = new Map<string, ChildProcess>();
  private closed = false;

  constructor(opts: Partial<ExecOptions> = {}) {
    this.opts = { ...defaultExecOptions, ...opts };
  }

  async fingerprint(): Promise<DriverFingerprint> {
    const problem = await this.unavailable();
    return {
      detected: problem === undefined,
      healthy: problem === undefined,
      healthDescription: problem ?? "Healthy",
      attributes: problem === undefined ? { "driver.exec.cgroup_version": "1" } : {},
    };
  }

  /** Why exec cannot run here, if it cannot. */
  private async unavailable(): Promise<string | undefined> {
    if (process.getuid?.() !== 0) return "exec needs the client to run as root";
    for (const c of CONTROLLERS) {
      // A v1 hierarchy has one file per controller at its root (v2 has none of these).
      const probe = c === "memory" ? "memory.limit_in_bytes" : c === "cpu" ? "cpu.shares" : "cgroup.procs";
      const ok = await access(path.join(this.opts.cgroupRoot, c, probe)).then(() => true, () => false);
      if (!ok) return `exec needs the cgroup v1 ${c} controller at ${path.join(this.opts.cgroupRoot, c)}`;
    }
    for (const tool of ["unshare", "chroot", "mount"]) {
      if (resolveCommand(tool, hostPath(), "/") === undefined) return `exec needs ${tool} (util-linux, coreutils)`;
    }
    return undefined;
  }

  validateConfig(config: Record<string, unknown>): string[] {
    return checkOptions(this.name, SCHEMA, config);
  }

  async start(task: TaskConfig): Promise<TaskHandle> {
    const problems = this.validateConfig(task.config);
    if (problems.length > 0) throw new TaskConfigError(problems.join("; "));
    const user = await resolveUser(task.user);
    if (user === undefined) throw new TaskConfigError(`user "${task.user}" not found in the task's root`);
    const unshare = resolveCommand("unshare", hostPath(), "/");
    if (unshare === undefined) throw new Error("exec: unshare not found on the client");

    const binds = await prepareRoot(task.taskDir, task.allocDir, user.uid, user.gid);
    const env = { PATH: DEFAULT_PATH, ...task.env };
    const command = optString(task.config, "command") ?? "";
    const resolved = resolveCommand(command, env.PATH, "/", (p) => hostPathFor(task.taskDir, p));
    if (resolved === undefined) throw new TaskConfigError(`command "${command}" not found in the task's root`);

    const cgroup = new TaskCgroup(this.opts.cgroupRoot, path.join(this.opts.cgroupParent, `${task.allocId}-${task.taskName}`));
    const { memoryMb, memoryMaxMb, cpuMhz } = task.resources;
    // memory_max (oversubscription) is the hard limit; memory is then what the task is sure to get.
    await cgroup.create({
      memoryBytes: (memoryMaxMb > memoryMb ? memoryMaxMb : memoryMb) * MIB,
      memorySoftBytes: memoryMaxMb > memoryMb ? memoryMb * MIB : 0,
      cpuShares: cpuMhz,
    });
    const exitFile = exitFilePath(task.taskDir);
    await removeExitFile(exitFile);

    const [program, argv] = launchCommand({
      unshare,
      cgroupProcsFiles: cgroup.procsFiles(),
      root: task.taskDir,
      allocDir: task.allocDir,
      exitFile,
      uid: user.uid,
      gid: user.gid,
      binds,
      command: resolved,
      args: optStrings(task.config, "args"),
    });
    const output = openOutput(task.stdoutPath, task.stderrPath);
    let child: ChildProcess;
    let exited: Promise<ExitResult>;
    try {
      // detached: a session of its own, so the task outlives the client and its terminal signals.
      child = spawn(program, argv, { cwd: "/", env, detached: true, stdio: ["ignore", output.stdout, output.stderr] });
      // Listen before anything else: a short task may be gone before the next await returns.
      exited = childExit(child, exitFile, () => cgroup.oomKilled());
      await spawned(child);
    } catch (err) {
      await cgroup.remove().catch(() => {});
      throw err;
    } finally {
      output.close();
    }
    child.unref();
    const pid = child.pid ?? 0;
    const state: ExecState = { pid, startTime: (await readStat(pid))?.startTime ?? 0, cgroup: cgroup.name, exitFile };
    const handle: TaskHandle = { driver: this.name, taskId: String(pid), startedAtMs: Date.now(), state: { ...state } };
    this.children.set(handle.taskId, child);
    this.waits.set(handle.taskId, exited.finally(() => this.children.delete(handle.taskId)));
    this.opts.logger.debug("task started", { alloc: task.allocId, task: task.taskName, pid, cgroup: cgroup.name });
    return handle;
  }

  wait(handle: TaskHandle): Promise<ExitResult> {
    // A waiter keeps the client alive until the task ends, as the polling wait below does.
    this.children.get(handle.taskId)?.ref();
    let wait = this.waits.get(handle.taskId);
    if (wait === undefined) {
      wait = this.pollExit(this.stateOf(handle));
      this.waits.set(handle.taskId, wait);
    }
    return wait;
  }

  async stop(handle: TaskHandle, timeoutMs: number, signal: string): Promise<void> {
    const { state, cgroup } = this.parts(handle);
    if ((await cgroup.pids()).length === 0) return;
    // The signal goes to the command only: the namespace's init (the wrapper) must live on to
    // record the command's status. The command may not exist yet while the root is being set up.
    let signalled = false;
    const ended = await pollUntil(async () => {
      const pids = await cgroup.pids();
      if (!signalled && pids.length > 0) {
        const commands = await this.commandPids(state, pids);
        for (const pid of commands) sendSignal(pid, signal);
        signalled = commands.length > 0;
      }
      return pids.length === 0;
    }, timeoutMs, 25);
    if (ended) return;
    await cgroup.killAll();
    // Killed with the wrapper, so nothing recorded how it ended: a recovered wait() reads this.
    if ((await readExitFile(state.exitFile)) === undefined) await writeExitFile(state.exitFile, 128 + 9);
  }

  async destroy(handle: TaskHandle): Promise<void> {
    const { state, cgroup } = this.parts(handle);
    await cgroup.killAll();
    await cgroup.remove();
    await removeExitFile(state.exitFile);
    this.waits.delete(handle.taskId);
    this.children.delete(handle.taskId);
  }

  async recover(handle: TaskHandle): Promise<boolean> {
    const { state, cgroup } = this.parts(handle);
    if ((await cgroup.pids()).length > 0) return true;
    // Ended while the client was away: still "recovered" when wait() can report how it ended.
    return (await cgroup.exists()) && (await readExitFile(state.exitFile)) !== undefined;
  }

  async signal(handle: TaskHandle, signal: string): Promise<void> {
    const { state, cgroup } = this.parts(handle);
    const pids = await cgroup.pids();
    if (pids.length === 0) throw new Error(`task ${handle.taskId} is not running`);
    for (const pid of await this.commandPids(state, pids)) sendSignal(pid, signal);
  }

  /** Lets go of the tasks without touching them, as a client that shuts down does. */
  close(): Promise<void> {
    this.closed = true;
    for (const child of this.children.values()) child.unref();
    return Promise.resolve();
  }

  /** The task's command: the child of the namespace's init, which is the child of unshare. */
  private async commandPids(state: ExecState, pids: number[]): Promise<number[]> {
    const stats = (await Promise.all(pids.map((pid) => readStat(pid)))).filter((s) => s !== undefined);
    const inits = new Set(stats.filter((s) => s.ppid === state.pid).map((s) => s.pid));
    return stats.filter((s) => inits.has(s.ppid)).map((s) => s.pid);
  }

  /** A task this client did not start (or no longer remembers): poll its cgroup until it is empty. */
  private async pollExit(state: ExecState): Promise<ExitResult> {
    const cgroup = new TaskCgroup(this.opts.cgroupRoot, state.cgroup);
    await pollUntil(async () => this.closed || (await cgroup.pids()).length === 0, Number.POSITIVE_INFINITY, this.opts.pollIntervalMs);
    if (this.closed) return new Promise(() => {}); // the client is going away; nobody is waiting any more
    const status = await readExitFile(state.exitFile);
    const oomKilled = await cgroup.oomKilled();
    if (status === undefined) {
      return { exitCode: -1, signal: 0, oomKilled, error: "the task ended while the client was down and left no exit status" };
    }
    return exitFromStatus(status, oomKilled);
  }

  private parts(handle: TaskHandle): { state: ExecState; cgroup: TaskCgroup } {
    const state = this.stateOf(handle);
    return { state, cgroup: new TaskCgroup(this.opts.cgroupRoot, state.cgroup) };
  }

  private stateOf(handle: TaskHandle): ExecState {
    const { pid, startTime, cgroup, exitFile } = handle.state;
    if (typeof pid !== "number" || typeof startTime !== "number" || typeof cgroup !== "string" || typeof exitFile !== "string") {
      throw new Error(`not an exec handle: ${JSON.stringify(handle)}`);
    }
    return { pid, startTime, cgroup, exitFile };
  }
}

/** The client's own PATH, for finding unshare and friends on the host. */
function hostPath(): string {
  return process.env["PATH"] ?? DEFAULT_PATH;
}
