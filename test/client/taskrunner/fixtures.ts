// Shared by the client runner tests: allocations around mock-driver tasks, a driver that records
// what it was asked to do, scratch directories, and polling with a deadline (never fixed sleeps).

import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ExecutionContext } from "ava";
import { AllocDir } from "../../../client/allocdir/index.js";
import type { TaskConfig, TaskHandle } from "../../../client/drivers/driver.js";
import { MockDriver } from "../../../client/drivers/mock/index.js";
import { TaskRunner } from "../../../client/taskrunner/index.js";
import type { Allocation, Job, RestartPolicy, Task, TaskGroup, TaskState } from "../../../shared/model/index.js";
import { group, job, node, task } from "../../support/model.js";

export const testNode = node("node-1", {
  name: "client-1",
  datacenter: "dc2",
  nodeClass: "gpu",
  nodePool: "edge",
  attributes: { "cpu.arch": "arm64", "kernel.name": "linux", "driver.mock": "1" },
  meta: { rack: "r7" },
});

/** Restarts quickly so policy tests take milliseconds. */
export function fastPolicy(overrides: Partial<RestartPolicy> = {}): RestartPolicy {
  return { attempts: 2, intervalMs: 60_000, delayMs: 20, mode: "fail", renderTemplates: false, ...overrides };
}

export function mockTask(name: string, config: Record<string, unknown> = {}, overrides: Partial<Task> = {}): Task {
  return task(name, { driver: "mock", config, restartPolicy: fastPolicy(), killTimeoutMs: 100, ...overrides });
}

export interface AllocSpec {
  group?: Partial<TaskGroup>;
  job?: Partial<Job>;
  alloc?: Partial<Allocation>;
}

export function allocFor(tasks: Task[], spec: AllocSpec = {}): Allocation {
  const g = group("web", 1, { tasks, ...spec.group });
  const j = job("web", { taskGroups: [g], ...spec.job });
  return {
    id: randomUUID(),
    namespace: "default",
    evalId: randomUUID(),
    name: `${j.id}.${g.name}[3]`,
    nodeId: testNode.id,
    nodeName: testNode.name,
    jobId: j.id,
    job: j,
    taskGroup: g.name,
    allocatedResources: {
      tasks: Object.fromEntries(tasks.map((t) => [t.name, {
        cpuMhz: t.resources.cpuMhz, reservedCores: [], memoryMb: t.resources.memoryMb, memoryMaxMb: t.resources.memoryMaxMb, devices: [],
      }])),
      diskMb: 300,
      ports: [],
    },
    metrics: {
      nodesEvaluated: 1, nodesFiltered: 0, nodesInPool: 1, nodesAvailable: {}, classFiltered: {}, constraintFiltered: {},
      nodesExhausted: 0, classExhausted: {}, dimensionExhausted: {}, quotaExhausted: [], scoreMetaData: [],
      allocationTimeMs: 0, coalescedFailures: 0,
    },
    desiredStatus: "run",
    desiredDescription: "",
    clientStatus: "pending",
    clientDescription: "",
    taskStates: {},
    previousAllocation: "",
    nextAllocation: "",
    deploymentId: "",
    rescheduleTracker: [],
    followupEvalId: "",
    createIndex: 1,
    modifyIndex: 1,
    allocModifyIndex: 1,
    createTimeMs: Date.now(),
    modifyTimeMs: Date.now(),
    ...spec.alloc,
  };
}

/** A mock driver that remembers what it started and stopped, in order. */
export class SpyDriver extends MockDriver {
  readonly started: TaskConfig[] = [];
  readonly stopped: string[] = [];

  override start(config: TaskConfig): Promise<TaskHandle> {
    this.started.push(config);
    return super.start(config);
  }

  override stop(handle: TaskHandle, timeoutMs: number, signal: string): Promise<void> {
    this.stopped.push(handle.taskId.split("/")[1] ?? "");
    return super.stop(handle, timeoutMs, signal);
  }

  startsOf(taskName: string): TaskConfig[] {
    return this.started.filter((c) => c.taskName === taskName);
  }
}

/** A scratch data directory removed after the test. */
export async function scratchDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "nomadish-client-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Polls `probe` every few milliseconds until it returns true; fails with `what` after the deadline. */
export async function eventually(what: string, probe: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function eventTypes(state: TaskState): string[] {
  return state.events.map((e) => e.type);
}

export function lastEvent(state: TaskState): TaskState["events"][number] | undefined {
  return state.events[state.events.length - 1];
}

export interface TaskHarness {
  runner: TaskRunner;
  driver: SpyDriver;
  alloc: Allocation;
  allocDir: AllocDir;
  /** Every state the runner reported, in order. */
  states: TaskState[];
  /** Every handle it asked to save (undefined = cleared), in order. */
  savedHandles: (TaskHandle | undefined)[];
}

export interface HarnessOptions extends AllocSpec {
  driver?: SpyDriver | null;
  random?: () => number;
  slowStartNoticeMs?: number;
}

/** A task runner for `t` over a fresh allocation directory; killed after the test. */
export async function taskHarness(t: ExecutionContext, theTask: Task, opts: HarnessOptions = {}): Promise<TaskHarness> {
  const dataDir = await scratchDir(t);
  const alloc = allocFor([theTask], opts);
  const allocDir = AllocDir.of(dataDir, alloc.id);
  const driver = opts.driver === undefined ? new SpyDriver() : opts.driver;
  const states: TaskState[] = [];
  const savedHandles: (TaskHandle | undefined)[] = [];
  const runner = new TaskRunner({
    alloc, task: theTask, node: testNode, region: "europe", allocDir,
    ...(opts.slowStartNoticeMs === undefined ? {} : { slowStartNoticeMs: opts.slowStartNoticeMs }),
  }, {
    driver: driver ?? undefined,
    onStateChange: (s) => states.push(s),
    saveHandle: (h) => { savedHandles.push(h); },
    random: opts.random ?? (() => 0),
  });
  t.teardown(async () => { await runner.kill(); });
  return { runner, driver: driver ?? new SpyDriver(), alloc, allocDir, states, savedHandles };
}
