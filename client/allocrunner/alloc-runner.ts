// Runs one allocation on this client: a task runner per task of its group, started and stopped in
// lifecycle order; the allocation's client status and deployment health worked out from the
// tasks' states and reported on every change; and the allocation's directory, removed when the
// client is done with it.
//
// Every decision about which task to start or kill next is made in one place, #step(), from the
// current task states, after each state change. That keeps the ordering rules readable and
// makes recovery after a client restart the same code path as a first start.

import { silentLogger, type Logger } from "../../shared/log.js";
import type { Allocation, DeploymentStatus, TaskState } from "../../shared/model/alloc.js";
import { defaultUpdateStrategy } from "../../shared/model/defaults.js";
import type { Task, TaskGroup } from "../../shared/model/job.js";
import type { AllocClientUpdate } from "../../shared/model/views.js";
import { AllocDir } from "../allocdir/index.js";
import type { TaskHandle } from "../drivers/driver.js";
import { newTaskState, TaskEventType, TaskRunner, type KillReason } from "../taskrunner/index.js";
import { HealthWatcher } from "./health.js";
import { countsForHealth, SIDECAR_ROLES, STOP_ORDER, taskRole, type TaskRole } from "./lifecycle.js";
import { findDriver, type AllocRunnerModules, type AllocRunnerOptions } from "./options.js";
import { allocClientStatus } from "./status.js";

interface TaskSlot {
  task: Task;
  role: TaskRole;
  runner: TaskRunner;
  state: TaskState;
  /** run() has been called. */
  started: boolean;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class AllocRunner {
  readonly id: string;
  readonly allocDir: AllocDir;
  #alloc: Allocation;
  readonly #group: TaskGroup | undefined;
  readonly #opts: AllocRunnerOptions;
  readonly #modules: AllocRunnerModules;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #slots = new Map<string, TaskSlot>();

  #running = false;
  /** A task failed or the leader died: every other task is being killed. */
  #killingAll = false;
  #stopping = false;
  #destroying = false;
  #sidecarsKilled = false;
  #stopPromise: Promise<void> | undefined;
  #health: HealthWatcher | undefined;
  #deploymentStatus: DeploymentStatus | undefined;
  #terminalSinceMs = 0;
  #resolveDone!: () => void;
  readonly #done = new Promise<void>((resolve) => { this.#resolveDone = resolve; });
  #inStep = false;
  #stepAgain = false;

  constructor(opts: AllocRunnerOptions, modules: AllocRunnerModules) {
    this.id = opts.alloc.id;
    this.#alloc = opts.alloc;
    this.#opts = opts;
    this.#modules = modules;
    this.#log = (modules.logger ?? silentLogger).child("allocrunner");
    this.#now = modules.now ?? Date.now;
    this.allocDir = new AllocDir(opts.allocDir);
    this.#group = opts.alloc.job.taskGroups.find((g) => g.name === opts.alloc.taskGroup);
    for (const task of this.#group?.tasks ?? []) this.#addTask(task);
    this.#deploymentStatus = opts.alloc.deploymentStatus;
  }

  #addTask(task: Task): void {
    const runner = new TaskRunner({
      alloc: this.#alloc,
      task,
      node: this.#opts.node,
      allocDir: this.allocDir,
      ...(this.#opts.region === undefined ? {} : { region: this.#opts.region }),
      ...(this.#opts.fsIsolation === undefined ? {} : { fsIsolation: this.#opts.fsIsolation(task.driver) }),
      ...(this.#opts.slowStartNoticeMs === undefined ? {} : { slowStartNoticeMs: this.#opts.slowStartNoticeMs }),
    }, {
      driver: findDriver(this.#modules.drivers, task.driver),
      ...(this.#modules.logger === undefined ? {} : { logger: this.#modules.logger }),
      ...(this.#modules.random === undefined ? {} : { random: this.#modules.random }),
      now: this.#now,
      onStateChange: (state) => this.#onTaskState(task.name, state),
      saveHandle: (handle) => this.#modules.saveHandle(task.name, handle),
    });
    this.#slots.set(task.name, { task, role: taskRole(task), runner, state: runner.state, started: false });
  }

  get alloc(): Allocation {
    return this.#alloc;
  }

  /** Where the tasks' log files are (`<alloc>/alloc/logs`), for streaming them. */
  get logDir(): string {
    return this.allocDir.logsDir;
  }

  taskStates(): Record<string, TaskState> {
    return Object.fromEntries([...this.#slots].map(([name, slot]) => [name, slot.state]));
  }

  /** What the client reports to the servers about this allocation right now. */
  clientUpdate(): AllocClientUpdate {
    const { status, description } = this.#group === undefined
      ? { status: "failed" as const, description: `task group "${this.#alloc.taskGroup}" is not in the job` }
      : allocClientStatus([...this.#slots.values()].map((s) => s.state));
    return {
      allocId: this.id,
      clientStatus: status,
      clientDescription: description,
      taskStates: this.taskStates(),
      ...(this.#deploymentStatus === undefined ? {} : { deploymentStatus: { ...this.#deploymentStatus } }),
      modifyTimeMs: this.#now(),
    };
  }

  isTerminal(): boolean {
    return this.#terminalSinceMs > 0;
  }

  terminalSinceMs(): number {
    return this.#terminalSinceMs;
  }

  /** Starts the allocation's tasks; resolves once every task is dead. Calling it again just waits. */
  run(): Promise<void> {
    if (!this.#running) {
      this.#running = true;
      this.#log.info("running allocation", { allocId: this.id, group: this.#alloc.taskGroup });
      this.#startHealthWatch();
      this.#report();
      this.#step();
    }
    return this.#done;
  }

  /**
   * After a client restart: carries on from the task states the client had saved (the server's
   * copy in the allocation by default) and re-attaches to tasks through their saved handles,
   * then runs. Tasks that were dead stay dead; tasks whose handle no longer leads anywhere go
   * through their restart policy.
   */
  recover(handles: Record<string, TaskHandle>, taskStates: Record<string, TaskState> = this.#alloc.taskStates): Promise<void> {
    if (this.#running) return Promise.reject(new Error(`allocation ${this.id} is already running`));
    for (const [name, slot] of this.#slots) {
      const previous = taskStates[name];
      const handle = handles[name];
      if (previous === undefined && handle === undefined) continue;
      slot.runner.recover(handle, previous ?? newTaskState());
      slot.state = slot.runner.state;
    }
    void this.run();
    return Promise.resolve();
  }

  /** The servers changed the allocation: a stop, or an in-place update (the tasks see it on their next start). */
  update(alloc: Allocation): void {
    const newDeployment = alloc.deploymentId !== this.#alloc.deploymentId;
    this.#alloc = alloc;
    for (const slot of this.#slots.values()) slot.runner.update(alloc);
    if (alloc.desiredStatus !== "run") {
      void this.stop();
      return;
    }
    if (newDeployment) {
      this.#health?.stop();
      this.#health = undefined;
      this.#deploymentStatus = alloc.deploymentStatus;
      if (this.#running) this.#startHealthWatch();
    }
  }

  /**
   * Restarts one task, or every running task. `allTasks` (Nomad's -all-tasks) is accepted, but
   * lifecycle tasks that have already finished are not run again.
   */
  async restart(taskName?: string, _allTasks = false): Promise<void> {
    if (taskName !== undefined) {
      const slot = this.#slots.get(taskName);
      if (!slot) throw new Error(`task "${taskName}" is not in allocation ${this.id}`);
      await slot.runner.restart();
      return;
    }
    const running = [...this.#slots.values()].filter((s) => s.state.state === "running");
    if (running.length === 0) throw new Error(`allocation ${this.id} has no running tasks`);
    await Promise.all(running.map((s) => s.runner.restart()));
  }

  async signal(taskName: string, signal: string): Promise<void> {
    const slot = this.#slots.get(taskName);
    if (!slot) throw new Error(`task "${taskName}" is not in allocation ${this.id}`);
    await slot.runner.signal(signal);
  }

  /**
   * Stops the allocation (desired status stop): waits out the group's shutdown_delay, kills the
   * tasks backwards through the lifecycle, runs the poststop tasks; resolves once all are dead.
   */
  stop(): Promise<void> {
    this.#stopPromise ??= this.#stopTasks();
    return this.#stopPromise;
  }

  async #stopTasks(): Promise<void> {
    this.#stopping = true;
    this.#health?.stop();
    this.#log.info("stopping allocation", { allocId: this.id });
    const slots = [...this.#slots.values()];
    const delayMs = this.#group?.shutdownDelayMs ?? 0;
    if (delayMs > 0 && !this.#destroying && slots.some((s) => s.state.state === "running")) await sleep(delayMs);
    for (const roles of STOP_ORDER) {
      await Promise.all(slots.filter((s) => roles.includes(s.role)).map((s) => s.runner.kill()));
    }
    this.#step();
    await this.#done;
  }

  /** Stops whatever still runs (poststop tasks are not run) and removes the allocation's directory. */
  async destroy(): Promise<void> {
    this.#destroying = true;
    await Promise.all([...this.#slots.values()].filter((s) => s.role === "poststop").map((s) => s.runner.kill()));
    await this.stop();
    this.#health?.stop();
    await this.allocDir.destroy();
    this.#log.info("destroyed allocation", { allocId: this.id });
  }

  // -------------------------------------------------------------------------------------------

  #onTaskState(name: string, state: TaskState): void {
    const slot = this.#slots.get(name);
    if (!slot) return;
    slot.state = state;
    this.#step();
    this.#health?.observe(this.#stateMap());
    this.#report();
  }

  #stateMap(): Map<string, TaskState> {
    return new Map([...this.#slots].map(([name, slot]) => [name, slot.state]));
  }

  #report(): void {
    try {
      this.#modules.report(this.clientUpdate());
    } catch (err) {
      this.#log.error("reporting the allocation's status failed", { allocId: this.id, err });
    }
  }

  #startHealthWatch(): void {
    const update = this.#group?.update ?? defaultUpdateStrategy();
    // Health matters only to a deployment, and only until it has been decided.
    if (this.#alloc.deploymentId === "" || update.healthCheck === "manual") return;
    if (this.#deploymentStatus?.healthy !== undefined) return;
    const tasks = [...this.#slots.values()].filter((s) => countsForHealth(s.role)).map((s) => s.task.name);
    this.#health = new HealthWatcher({
      tasks, minHealthyTimeMs: update.minHealthyTimeMs, healthyDeadlineMs: update.healthyDeadlineMs,
    }, {
      now: this.#now,
      onResult: (healthy, description) => {
        this.#log.info("allocation health decided", { allocId: this.id, healthy, description });
        this.#deploymentStatus = {
          healthy,
          timestampMs: this.#now(),
          canary: this.#alloc.deploymentStatus?.canary ?? false,
          modifyIndex: this.#alloc.deploymentStatus?.modifyIndex ?? 0,
        };
        this.#report();
      },
    });
    this.#health.observe(this.#stateMap());
  }

  /** Re-entrant calls (a kill that makes a task dead at once) are folded into the running step. */
  #step(): void {
    if (this.#inStep) {
      this.#stepAgain = true;
      return;
    }
    this.#inStep = true;
    try {
      do {
        this.#stepAgain = false;
        this.#decide();
      } while (this.#stepAgain);
    } finally {
      this.#inStep = false;
    }
  }

  #slotsWith(roles: readonly TaskRole[]): TaskSlot[] {
    return [...this.#slots.values()].filter((s) => roles.includes(s.role));
  }

  #decide(): void {
    const all = [...this.#slots.values()];
    const isDead = (s: TaskSlot) => s.state.state === "dead";

    // A failed task takes the allocation down with it; so does the death of a leader task.
    if (!this.#killingAll) {
      const failed = all.find((s) => s.state.failed);
      const leader = all.find((s) => s.task.leader && isDead(s) && s.role !== "poststop");
      if (failed) this.#killAll({ type: TaskEventType.SiblingFailed, message: `Task's sibling "${failed.task.name}" failed` }, failed);
      else if (leader) this.#killAll({ type: TaskEventType.LeaderDead, message: "Leader Task in Group dead" }, leader);
    }

    const prestart = this.#slotsWith(["prestart", "prestartSidecar"]);
    const main = this.#slotsWith(["main"]);
    const poststart = this.#slotsWith(["poststart", "poststartSidecar"]);
    if (this.#running && !this.#stopping && !this.#killingAll) {
      this.#start(prestart);
      // Main tasks wait for prestart tasks to finish successfully, and for prestart sidecars to run.
      const prestartDone = prestart.every((s) => s.role === "prestartSidecar"
        ? s.state.state === "running"
        : isDead(s) && !s.state.failed);
      if (prestartDone) this.#start(main);
      const mainUp = main.every((s) => s.started && (s.state.state === "running" || (isDead(s) && !s.state.failed)));
      if (prestartDone && mainUp) this.#start(poststart);
    }

    // Sidecars exist to serve the main tasks: once those are all gone, so are they.
    const mainGone = main.length > 0 && main.every(isDead);
    if (mainGone && !this.#sidecarsKilled) {
      this.#sidecarsKilled = true;
      for (const s of all) {
        if (SIDECAR_ROLES.has(s.role) && !isDead(s)) void s.runner.kill({ type: TaskEventType.MainDead, message: "Main tasks in the group died" });
      }
    }

    // Poststop tasks run once everything else has ended (not when the client is only cleaning up).
    const others = all.filter((s) => s.role !== "poststop");
    const poststop = this.#slotsWith(["poststop"]);
    const ranAnything = others.some((s) => s.started);
    if (others.every(isDead)) {
      if (ranAnything && !this.#destroying) this.#start(poststop);
      else for (const s of poststop) void s.runner.kill();
    }

    if (this.#terminalSinceMs === 0 && all.every(isDead)) {
      this.#terminalSinceMs = this.#now();
      this.#health?.stop();
      this.#log.info("allocation finished", { allocId: this.id, status: allocClientStatus(all.map((s) => s.state)).status });
      this.#resolveDone();
    }
  }

  #start(slots: readonly TaskSlot[]): void {
    for (const slot of slots) {
      if (slot.started) continue;
      slot.started = true;
      void slot.runner.run();
    }
  }

  #killAll(reason: KillReason, cause: TaskSlot): void {
    this.#killingAll = true;
    this.#log.info("killing the allocation's other tasks", { allocId: this.id, task: cause.task.name, reason: reason.type });
    for (const slot of this.#slots.values()) {
      if (slot === cause || slot.role === "poststop" || slot.state.state === "dead") continue;
      void slot.runner.kill(reason);
    }
  }
}
