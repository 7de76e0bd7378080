// Runs one task of an allocation through its driver, from "Received" to dead: builds the task's
// directory, renders its templates, starts it with its environment and interpolated config,
// waits for it, and applies the restart policy when it exits. Kills, user restarts and a client
// restart (re-attaching to the task through its saved handle) interrupt that loop at well-defined
// points. Everything that happens is a Nomad task event in the task's TaskState.

import { devNull } from "node:os";
import path from "node:path";
import { silentLogger, type Logger } from "../../shared/log.js";
import { formatDuration } from "../../shared/model/duration.js";
import type { Allocation, TaskState } from "../../shared/model/alloc.js";
import type { Task } from "../../shared/model/job.js";
import { TaskConfigError, type Driver, type ExitResult, type TaskConfig, type TaskHandle } from "../drivers/driver.js";
import { LogRotator } from "../logs/index.js";
import { buildTaskEnv, taskDirsAsSeenBy, type TaskEnv } from "../taskenv/index.js";
import { killingEvent, restartingEvent, TaskEventType, taskEvent, terminatedEvent } from "./events.js";
import {
  DEFAULT_SLOW_START_NOTICE_MS, defaultFsIsolation, type KillReason, type TaskRunnerModules, type TaskRunnerOptions,
} from "./options.js";
import { RestartTracker, restartsOnSuccess } from "./restart-tracker.js";
import { Latch, Pulse, sleep } from "./signals.js";
import { newTaskState, TaskStateRecorder } from "./task-state.js";
import { renderTemplates } from "./templates.js";

const DEFAULT_KILL_SIGNAL = "SIGTERM";
const USER_RESTART_REASON = "User requested restart";

/** How one run of the task ended, as far as the loop cares. */
type RunOutcome =
  | { kind: "exited"; exit: ExitResult }
  /** The driver could not start it, for a reason that may pass: counts as a failure. */
  | { kind: "startFailed" }
  | { kind: "userRestart" }
  /** Dead already (killed, or failed beyond retrying); the loop ends. */
  | { kind: "over" };

function successful(exit: ExitResult): boolean {
  return exit.exitCode === 0 && exit.signal === 0 && (exit.error === undefined || exit.error === "");
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class TaskRunner {
  readonly taskName: string;
  readonly #task: Task;
  #alloc: Allocation;
  readonly #opts: TaskRunnerOptions;
  readonly #driver: Driver | undefined;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #modules: TaskRunnerModules;
  #recorder: TaskStateRecorder;
  readonly #tracker: RestartTracker;
  readonly #rotators: LogRotator[];

  #handle: TaskHandle | undefined;
  /** A handle saved before a client restart, to re-attach to instead of starting anew. */
  #recoveredHandle: TaskHandle | undefined;
  #templateEnv: Record<string, string> = {};
  #templatesRendered = false;
  #running: Promise<TaskState> | undefined;
  readonly #killRequest = new Latch<KillReason | undefined>();
  readonly #restartRequest = new Pulse();
  readonly #done = new Latch<TaskState>();

  constructor(opts: TaskRunnerOptions, modules: TaskRunnerModules) {
    this.taskName = opts.task.name;
    this.#task = opts.task;
    this.#alloc = opts.alloc;
    this.#opts = opts;
    this.#modules = modules;
    this.#driver = modules.driver;
    this.#log = (modules.logger ?? silentLogger).child("taskrunner");
    this.#now = modules.now ?? Date.now;
    const random = modules.random ?? Math.random;
    // "Received" is recorded without telling anyone: the owner reports the allocation as a whole.
    this.#recorder = this.#newRecorder({
      ...newTaskState(), events: [taskEvent(TaskEventType.Received, this.#now(), "Task received by client")],
    });
    this.#tracker = new RestartTracker(
      opts.task.restartPolicy, restartsOnSuccess(opts.alloc.job.type, opts.task.lifecycle), this.#now, random,
    );
    this.#rotators = (["stdout", "stderr"] as const).map((stream) => new LogRotator({
      dir: opts.allocDir.logsDir,
      task: this.taskName,
      stream,
      maxFiles: opts.task.logConfig.maxFiles,
      maxFileSizeMb: opts.task.logConfig.maxFileSizeMb,
    }, { logger: this.#log }));
  }

  /** A copy of the task's state. */
  get state(): TaskState {
    return this.#recorder.snapshot();
  }

  get handle(): TaskHandle | undefined {
    return this.#handle;
  }

  /** Resolves with the final state once the task is dead for good. */
  get done(): Promise<TaskState> {
    return this.#done.promise;
  }

  /**
   * After a client restart, before run(): carry on from the state the client had for this task
   * and re-attach to it through `handle` when there is one (run() then calls driver.recover; a
   * task that died meanwhile goes through the restart policy). A task that was dead stays dead.
   */
  recover(handle: TaskHandle | undefined, previous: TaskState): void {
    if (this.#running) throw new Error(`task "${this.taskName}" is already running; recover() comes before run()`);
    this.#recorder = this.#newRecorder(previous);
    this.#recoveredHandle = handle;
  }

  #newRecorder(initial: TaskState): TaskStateRecorder {
    return new TaskStateRecorder(initial, this.#now, (state) => this.#modules.onStateChange(state));
  }

  /** Starts the task's life; resolves with its final state once it is dead. Calling it again returns the same promise. */
  run(): Promise<TaskState> {
    this.#running ??= this.#main().then(() => this.#finish(), (err: unknown) => {
      this.#log.error("task runner failed; this is a bug", { alloc: this.#alloc.id, task: this.taskName, err });
      this.#recorder.record(taskEvent(TaskEventType.DriverFailure, this.#now(), `internal error: ${errorMessage(err)}`, { failsTask: true }), "dead");
      return this.#finish();
    });
    return this.#running;
  }

  /** Kills the task (no restart follows); resolves once it is dead. Works before run() and while it waits to restart. */
  kill(reason?: KillReason): Promise<TaskState> {
    if (!this.#running && this.#recoveredHandle === undefined) {
      // Never started (or recovered dead): nothing to stop, it is simply dead.
      if (this.#recorder.state !== "dead") {
        if (reason) this.#recorder.record(taskEvent(reason.type, this.#now(), reason.message));
        this.#recorder.record(undefined, "dead");
      }
      this.#killRequest.fire(reason);
      this.#running = Promise.resolve(this.#finish());
      return this.#done.promise;
    }
    if (this.#recorder.state !== "dead" && !this.#killRequest.fired) {
      if (reason) this.#recorder.record(taskEvent(reason.type, this.#now(), reason.message));
      this.#killRequest.fire(reason);
    }
    // A task recovered after a client restart but not run yet may still be running: run()
    // re-attaches to it only to kill it.
    if (!this.#running) void this.run();
    return this.#done.promise;
  }

  /** Restarts the running task at once; a user's request, so it uses up none of the restart policy's attempts. */
  restart(): Promise<void> {
    if (this.#recorder.state === "dead" || !this.#running || this.#killRequest.fired) {
      return Promise.reject(new Error(`task "${this.taskName}" is not running`));
    }
    this.#restartRequest.fire();
    return Promise.resolve();
  }

  async signal(signal: string): Promise<void> {
    if (!this.#handle || !this.#driver) throw new Error(`task "${this.taskName}" is not running`);
    await this.#driver.signal(this.#handle, signal);
  }

  /** An in-place update of the allocation: the next start of the task sees it (meta, env). */
  update(alloc: Allocation): void {
    this.#alloc = alloc;
  }

  #finish(): TaskState {
    for (const rotator of this.#rotators) rotator.stop();
    const state = this.#recorder.snapshot();
    this.#done.fire(state);
    return state;
  }

  // -------------------------------------------------------------------------------------------
  // The loop

  async #main(): Promise<void> {
    if (this.#recorder.state === "dead") return; // restored dead
    if (!(await this.#setup())) return;
    for (;;) {
      if (this.#killRequest.fired && this.#recoveredHandle === undefined) {
        // Killed while waiting to restart: nothing is running. (A recovered task may be
        // running still: it is re-attached below, and killed.)
        this.#recorder.record(taskEvent(TaskEventType.Killed, this.#now(), "Task successfully killed"), "dead");
        return;
      }
      const recovered = this.#recoveredHandle;
      this.#recoveredHandle = undefined;
      const outcome = recovered ? await this.#reattach(recovered) : await this.#startAndWait();
      if (outcome.kind === "over") return;
      // A recovered task found gone after a kill was asked for: stopped, not failed.
      if (this.#killRequest.fired) continue;

      if (outcome.kind === "userRestart") {
        this.#recorder.record(restartingEvent(this.#now(), 0, USER_RESTART_REASON), "pending");
        this.#beforeRestart();
        continue;
      }
      const decision = outcome.kind === "exited" ? this.#tracker.onExit(successful(outcome.exit)) : this.#tracker.onStartError();
      if (decision.action === "stop") {
        const event = decision.failed
          ? taskEvent(TaskEventType.NotRestarting, this.#now(), decision.reason, { details: { restart_reason: decision.reason }, failsTask: true })
          : undefined;
        this.#recorder.record(event, "dead");
        return;
      }
      this.#log.info("restarting task", { alloc: this.#alloc.id, task: this.taskName, reason: decision.reason, delayMs: Math.round(decision.delayMs) });
      this.#recorder.record(restartingEvent(this.#now(), decision.delayMs, decision.reason), "pending");
      // A kill or a user's restart cuts the delay short.
      await sleep(decision.delayMs, Promise.race([this.#killRequest.promise, this.#restartRequest.next()]));
      this.#beforeRestart();
    }
  }

  /** Builds the task directory and renders templates; false when the task failed doing so. */
  async #setup(): Promise<boolean> {
    const { allocDir } = this.#opts;
    const fresh = this.#recoveredHandle === undefined;
    if (fresh) this.#recorder.record(taskEvent(TaskEventType.Setup, this.#now(), "Building Task Directory"));
    try {
      await allocDir.buildForTask(this.taskName);
      for (const rotator of this.#rotators) rotator.prepare();
    } catch (err) {
      return this.#failSetup(`failed to build task directory: ${errorMessage(err)}`);
    }
    // A re-attached task already has its files; they are rendered again only if it must start anew.
    return fresh ? this.#renderTemplatesOnce() : true;
  }

  async #renderTemplatesOnce(): Promise<boolean> {
    if (this.#templatesRendered || this.#task.templates.length === 0) return true;
    const { allocDir } = this.#opts;
    try {
      const hostEnv = this.#buildEnv("none");
      const rendered = await renderTemplates({
        templates: this.#task.templates,
        taskDir: allocDir.taskDir(this.taskName),
        allocRoot: allocDir.root,
        env: hostEnv.env,
        interpolate: (text) => hostEnv.interpolate(text),
      });
      this.#templateEnv = rendered.env;
      this.#templatesRendered = true;
      const names = rendered.paths.map((p) => path.relative(allocDir.taskDir(this.taskName), p));
      this.#recorder.record(taskEvent(TaskEventType.TemplateRendered, this.#now(), `Rendered ${names.join(", ")}`));
      return true;
    } catch (err) {
      return this.#failSetup(errorMessage(err));
    }
  }

  #failSetup(message: string): false {
    this.#log.warn("task setup failed", { alloc: this.#alloc.id, task: this.taskName, message });
    this.#recorder.record(taskEvent(TaskEventType.SetupFailure, this.#now(), message, { failsTask: true }), "dead");
    return false;
  }

  /** Nomad re-renders templates on restart only when the restart policy asks for it. */
  #beforeRestart(): void {
    if (this.#task.restartPolicy.renderTemplates) this.#templatesRendered = false;
  }

  #buildEnv(isolation = this.#opts.fsIsolation ?? defaultFsIsolation(this.#task.driver)): TaskEnv {
    const { allocDir, node } = this.#opts;
    return buildTaskEnv({
      alloc: this.#alloc,
      task: this.#task,
      node,
      region: this.#opts.region ?? this.#alloc.job.region,
      dirs: taskDirsAsSeenBy(isolation, allocDir.sharedDir, allocDir.taskDir(this.taskName)),
      templateEnv: this.#templateEnv,
    });
  }

  #taskConfig(): TaskConfig {
    const { allocDir } = this.#opts;
    const task = this.#task;
    const env = this.#buildEnv();
    const allocated = this.#alloc.allocatedResources.tasks[task.name];
    const logsOff = task.logConfig.disabled;
    const [stdout, stderr] = this.#rotators;
    return {
      allocId: this.#alloc.id,
      taskName: task.name,
      jobName: this.#alloc.job.name,
      groupName: this.#alloc.taskGroup,
      config: env.interpolateDeep(task.config),
      env: env.env,
      user: task.user,
      resources: {
        cpuMhz: allocated?.cpuMhz ?? task.resources.cpuMhz,
        cores: allocated && allocated.reservedCores.length > 0 ? allocated.reservedCores.length : task.resources.cores,
        memoryMb: allocated?.memoryMb ?? task.resources.memoryMb,
        memoryMaxMb: allocated?.memoryMaxMb ?? task.resources.memoryMaxMb,
      },
      ports: this.#alloc.allocatedResources.ports.map((p) => ({ label: p.label, hostIp: p.hostIp, value: p.value, to: p.to })),
      taskDir: allocDir.taskDir(task.name),
      allocDir: allocDir.sharedDir,
      stdoutPath: logsOff || !stdout ? devNull : stdout.currentPath,
      stderrPath: logsOff || !stderr ? devNull : stderr.currentPath,
      killSignal: task.killSignal || DEFAULT_KILL_SIGNAL,
    };
  }

  /** Fails the task at once with the driver's message: the user must change the job. */
  #driverFailure(message: string): RunOutcome {
    this.#recorder.record(taskEvent(TaskEventType.DriverFailure, this.#now(), message, { failsTask: true }), "dead");
    return { kind: "over" };
  }

  async #startAndWait(): Promise<RunOutcome> {
    const driver = this.#driver;
    if (!driver) return this.#driverFailure(`driver "${this.#task.driver}" is not available on this node`);
    if (!(await this.#renderTemplatesOnce())) return { kind: "over" };

    let config: TaskConfig;
    try {
      config = this.#taskConfig();
    } catch (err) {
      return this.#driverFailure(errorMessage(err));
    }
    const problems = driver.validateConfig(config.config);
    if (problems.length > 0) return this.#driverFailure(problems.join("; "));

    const noticeMs = this.#opts.slowStartNoticeMs ?? DEFAULT_SLOW_START_NOTICE_MS;
    const slowNotice = setTimeout(() => {
      this.#recorder.record(taskEvent(TaskEventType.Driver, this.#now(), `Still starting the task with driver "${driver.name}"`));
    }, noticeMs);
    let handle: TaskHandle;
    try {
      handle = await driver.start(config);
    } catch (err) {
      if (err instanceof TaskConfigError) return this.#driverFailure(err.message);
      // Anything else may pass (a daemon restarting, a port race): retried under the restart policy.
      this.#log.warn("driver failed to start task", { alloc: this.#alloc.id, task: this.taskName, err });
      this.#recorder.record(taskEvent(TaskEventType.DriverFailure, this.#now(), errorMessage(err)));
      return { kind: "startFailed" };
    } finally {
      clearTimeout(slowNotice);
    }
    await this.#adopt(handle);
    if (this.#killRequest.fired) return this.#killTask(handle, this.#waitOn(handle));
    this.#recorder.record(taskEvent(TaskEventType.Started, this.#now(), "Task started by client"), "running");
    return this.#waitForExit(handle);
  }

  /** After a client restart: re-attach, or treat a task that died meanwhile as an exit. */
  async #reattach(handle: TaskHandle): Promise<RunOutcome> {
    const driver = this.#driver;
    if (!driver) return this.#driverFailure(`driver "${this.#task.driver}" is not available on this node`);
    let attached = false;
    try {
      attached = await driver.recover(handle);
    } catch (err) {
      this.#log.warn("could not recover task", { alloc: this.#alloc.id, task: this.taskName, err });
    }
    if (!attached) {
      this.#log.info("task is gone after client restart", { alloc: this.#alloc.id, task: this.taskName });
      await this.#release(handle);
      const exit: ExitResult = { exitCode: 0, signal: 0, oomKilled: false, error: "task was lost while the client was down" };
      this.#recorder.record(terminatedEvent(this.#now(), exit));
      return { kind: "exited", exit };
    }
    this.#log.info("re-attached to task", { alloc: this.#alloc.id, task: this.taskName });
    this.#handle = handle;
    for (const rotator of this.#rotators) rotator.start();
    if (this.#killRequest.fired) return this.#killTask(handle, this.#waitOn(handle));
    if (this.#recorder.state !== "running") this.#recorder.record(taskEvent(TaskEventType.Started, this.#now(), "Task started by client"), "running");
    return this.#waitForExit(handle);
  }

  async #adopt(handle: TaskHandle): Promise<void> {
    this.#handle = handle;
    for (const rotator of this.#rotators) rotator.start();
    try {
      await this.#modules.saveHandle(handle);
    } catch (err) {
      this.#log.warn("could not save task handle", { alloc: this.#alloc.id, task: this.taskName, err });
    }
  }

  /** Frees the driver's leftovers of an exited task and forgets its handle. */
  async #release(handle: TaskHandle): Promise<void> {
    if (this.#handle === handle) this.#handle = undefined;
    for (const rotator of this.#rotators) rotator.stop();
    try {
      await this.#driver?.destroy(handle);
    } catch (err) {
      this.#log.warn("could not destroy task", { alloc: this.#alloc.id, task: this.taskName, err });
    }
    try {
      await this.#modules.saveHandle(undefined);
    } catch (err) {
      this.#log.warn("could not clear task handle", { alloc: this.#alloc.id, task: this.taskName, err });
    }
  }

  #waitOn(handle: TaskHandle): Promise<ExitResult> {
    const driver = this.#driver as Driver;
    return driver.wait(handle).catch((err: unknown) => ({ exitCode: 0, signal: 0, oomKilled: false, error: `waiting for the task failed: ${errorMessage(err)}` }));
  }

  async #waitForExit(handle: TaskHandle): Promise<RunOutcome> {
    const exit = this.#waitOn(handle);
    const woke = await Promise.race([
      exit.then((result) => ({ kind: "exit" as const, result })),
      this.#killRequest.promise.then(() => ({ kind: "kill" as const })),
      this.#restartRequest.next().then(() => ({ kind: "restart" as const })),
    ]);
    if (woke.kind === "kill") return this.#killTask(handle, exit);
    if (woke.kind === "restart") {
      this.#recorder.record(taskEvent(TaskEventType.RestartSignaled, this.#now(), USER_RESTART_REASON));
      await this.#stopDriverTask(handle);
      this.#recorder.record(terminatedEvent(this.#now(), await exit));
      await this.#release(handle);
      return { kind: "userRestart" };
    }
    this.#log.info("task exited", { alloc: this.#alloc.id, task: this.taskName, exitCode: woke.result.exitCode });
    this.#recorder.record(terminatedEvent(this.#now(), woke.result));
    await this.#release(handle);
    return { kind: "exited", exit: woke.result };
  }

  async #stopDriverTask(handle: TaskHandle): Promise<void> {
    const driver = this.#driver as Driver;
    try {
      await driver.stop(handle, this.#task.killTimeoutMs, this.#task.killSignal || DEFAULT_KILL_SIGNAL);
    } catch (err) {
      // Waiting for an exit that a failed stop never brings would hang the runner: force it.
      this.#log.warn("driver failed to stop task; killing it", { alloc: this.#alloc.id, task: this.taskName, err });
      await driver.stop(handle, 0, "SIGKILL").catch((again: unknown) => {
        this.#log.error("driver failed to kill task", { alloc: this.#alloc.id, task: this.taskName, err: again });
      });
    }
  }

  async #killTask(handle: TaskHandle, exit: Promise<ExitResult>): Promise<RunOutcome> {
    const delayMs = this.#task.shutdownDelayMs;
    if (delayMs > 0) {
      this.#recorder.record(taskEvent(TaskEventType.ShutdownDelay, this.#now(), `Waiting for shutdown_delay of ${formatDuration(delayMs)} before killing the task`));
      await sleep(delayMs);
    }
    this.#recorder.record(killingEvent(this.#now(), this.#task.killTimeoutMs));
    await this.#stopDriverTask(handle);
    this.#recorder.record(terminatedEvent(this.#now(), await exit));
    await this.#release(handle);
    this.#recorder.record(taskEvent(TaskEventType.Killed, this.#now(), "Task successfully killed"), "dead");
    return { kind: "over" };
  }
}
