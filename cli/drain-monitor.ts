// Follows a node drain the way `nomad node drain` does: one blocking loop on the node (until the
// drainer clears its drain strategy) and one on its allocations (until none is left running),
// printing a timestamped line for each change.

import type { ApiClient } from "../shared/api/client.js";
import type { AllocationStub } from "../shared/model/index.js";
import type { CommandIO } from "./command.js";
import { getNode, nodeAllocations } from "./fetch.js";
import { formatTimestamp } from "./time.js";

const BLOCKING_WAIT_MS = 5_000;
const NO_NEWS_PAUSE_MS = 250;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function blocking(minIndex: number) {
  return { minIndex, maxWaitMs: minIndex === 0 ? 0 : BLOCKING_WAIT_MS, stale: true, namespace: "", region: "" };
}

export interface DrainMonitorOptions {
  /** System jobs' allocations stay, so they do not hold the drain open. */
  ignoreSystemJobs: boolean;
  /** Raft index of the drain update: changes after it are news. */
  fromIndex: number;
  now?: () => number;
}

/** What changed for one allocation between two reads, in Nomad's words; "" for nothing. */
export function allocDrainChange(before: AllocationStub | undefined, after: AllocationStub): string {
  if (before === undefined) return "";
  if (before.clientStatus !== after.clientStatus) return `status ${before.clientStatus} -> ${after.clientStatus}`;
  if (before.desiredStatus !== after.desiredStatus && after.desiredStatus === "stop") return "draining";
  return "";
}

export async function monitorDrain(client: ApiClient, nodeId: string, io: CommandIO, opts: DrainMonitorOptions): Promise<number> {
  const now = opts.now ?? Date.now;
  const say = (message: string) => io.stdout(`${formatTimestamp(now())}: ${message}\n`);

  async function watchNode(): Promise<void> {
    let index = opts.fromIndex;
    let wasDown = false;
    for (;;) {
      const { node, index: seen } = await getNode(client, nodeId, blocking(index));
      // The drain was set just before monitoring began: a node without one has finished draining.
      if (node.drainStrategy === undefined) {
        say(`Node ${JSON.stringify(nodeId)} has marked all allocations for migration`);
        return;
      }
      if (node.status === "down" && !wasDown) say(`Node ${JSON.stringify(nodeId)} down`);
      wasDown = node.status === "down";
      if (seen <= index) await pause(NO_NEWS_PAUSE_MS);
      index = Math.max(index, seen);
    }
  }

  async function watchAllocs(): Promise<void> {
    let index = 0;
    const last = new Map<string, AllocationStub>();
    for (;;) {
      const { allocs, index: seen } = await nodeAllocations(client, nodeId, blocking(index));
      let running = 0;
      for (const alloc of allocs) {
        const change = allocDrainChange(last.get(alloc.id), alloc);
        if (change !== "") say(`Alloc ${JSON.stringify(alloc.id)} ${change}`);
        last.set(alloc.id, alloc);
        if (opts.ignoreSystemJobs && alloc.jobType === "system") continue;
        if (alloc.clientStatus === "pending" || alloc.clientStatus === "running") running++;
      }
      if (running === 0) {
        say(`All allocations on node ${JSON.stringify(nodeId)} have stopped`);
        return;
      }
      if (seen <= index) await pause(NO_NEWS_PAUSE_MS);
      index = Math.max(index, seen);
    }
  }

  await Promise.all([watchNode(), watchAllocs()]);
  return 0;
}
