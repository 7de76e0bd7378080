// An allocation runner over mock-driver tasks in a scratch directory, recording what it reports.

import type { ExecutionContext } from "ava";
import { AllocDir } from "../../../client/allocdir/index.js";
import { AllocRunner } from "../../../client/allocrunner/index.js";
import type { TaskHandle } from "../../../client/drivers/driver.js";
import type { AllocClientUpdate, Allocation, Task } from "../../../shared/model/index.js";
import { allocFor, scratchDir, SpyDriver, testNode, type AllocSpec } from "../taskrunner/fixtures.js";

export interface AllocHarness {
  runner: AllocRunner;
  alloc: Allocation;
  driver: SpyDriver;
  dataDir: string;
  reports: AllocClientUpdate[];
  handles: Record<string, TaskHandle | undefined>;
  /** Another runner for the same allocation, as a restarted client would build it. */
  successor(): AllocHarness;
}

function build(t: ExecutionContext, alloc: Allocation, dataDir: string, driver: SpyDriver): AllocHarness {
  const reports: AllocClientUpdate[] = [];
  const handles: Record<string, TaskHandle | undefined> = {};
  const runner = new AllocRunner({ alloc, node: testNode, allocDir: AllocDir.of(dataDir, alloc.id).root }, {
    drivers: [driver],
    report: (update) => reports.push(update),
    saveHandle: (task, handle) => { handles[task] = handle; },
    random: () => 0,
  });
  t.teardown(() => runner.destroy());
  return { runner, alloc, driver, dataDir, reports, handles, successor: () => build(t, alloc, dataDir, driver) };
}

export async function allocHarness(t: ExecutionContext, tasks: Task[], spec: AllocSpec = {}): Promise<AllocHarness> {
  return build(t, allocFor(tasks, spec), await scratchDir(t), new SpyDriver());
}

export function lastReport(h: AllocHarness): AllocClientUpdate | undefined {
  return h.reports[h.reports.length - 1];
}
