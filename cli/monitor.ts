// Watches an evaluation the way `nomad job run` does: blocking queries on the evaluation, its
// allocations compared with the previous view, one line per change, then the outcome with any
// placement failures. Follows `nextEval`. Exit codes: 2 when placements failed, 1 when the
// evaluation failed for another reason, 0 otherwise.

import * as pb from "../proto/index.js";
import type { ApiClient } from "../shared/api/client.js";
import { UserError } from "../shared/errors.js";
import type { AllocationStub, Evaluation } from "../shared/model/index.js";
import { formatDuration } from "../shared/model/index.js";
import { allocStubFromWire, evalFromWire } from "../shared/wire/index.js";
import type { CommandIO } from "./command.js";
import { shortId } from "./ids.js";
import { failedGroupHeading, placementFailureLines, sortedGroups } from "./placement.js";
import { formatTimestamp } from "./time.js";

/** How long each blocking query may wait on the server; well inside the client's deadline. */
const BLOCKING_WAIT_MS = 5_000;
/** Pause when a server answers a blocking query at once without news, so we never spin. */
const NO_NEWS_PAUSE_MS = 250;

interface AllocView {
  id: string;
  name: string;
  group: string;
  nodeId: string;
  desired: string;
  client: string;
  clientDescription: string;
  createIndex: number;
}

/** What the monitor last saw of the evaluation; changes between two views become output lines. */
export interface EvalView {
  status: string;
  jobId: string;
  nodeId: string;
  deploymentId: string;
  createIndex: number;
  allocs: Map<string, AllocView>;
}

export function emptyView(): EvalView {
  return { status: "pending", jobId: "", nodeId: "", deploymentId: "", createIndex: 0, allocs: new Map() };
}

export function viewOf(ev: Evaluation, allocs: readonly AllocationStub[]): EvalView {
  const mine = allocs.filter((a) => a.evalId === ev.id);
  return {
    status: ev.status, jobId: ev.jobId, nodeId: ev.nodeId, deploymentId: ev.deploymentId, createIndex: ev.createIndex,
    allocs: new Map(mine.map((a) => [a.id, {
      id: a.id, name: a.name, group: a.taskGroup, nodeId: a.nodeId, desired: a.desiredStatus, client: a.clientStatus,
      clientDescription: a.clientDescription, createIndex: a.createIndex,
    }])),
  };
}

/** Lines (without time) for what changed between two views, in Nomad's words. */
export function changeLines(before: EvalView, after: EvalView, fullIds = false): string[] {
  const id = (s: string) => JSON.stringify(shortId(s, fullIds));
  const lines: string[] = [];
  if (before.nodeId === "" && after.nodeId !== "") lines.push(`Evaluation triggered by node ${id(after.nodeId)}`);
  if (before.jobId === "" && after.jobId !== "") lines.push(`Evaluation triggered by job ${JSON.stringify(after.jobId)}`);
  if (before.deploymentId === "" && after.deploymentId !== "") lines.push(`Evaluation within deployment: ${id(after.deploymentId)}`);
  const allocs = [...after.allocs.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  for (const alloc of allocs) {
    const previous = before.allocs.get(alloc.id);
    if (previous === undefined) {
      // An allocation older than the evaluation was updated in place by it.
      if (alloc.createIndex < after.createIndex) {
        lines.push(`Allocation ${id(alloc.id)} modified: node ${id(alloc.nodeId)}, group ${JSON.stringify(alloc.group)}`);
      } else if (alloc.desired === "run") {
        lines.push(`Allocation ${id(alloc.id)} created: node ${id(alloc.nodeId)}, group ${JSON.stringify(alloc.group)}`);
      }
    } else if (previous.client !== alloc.client) {
      const why = alloc.clientDescription === "" ? "" : ` (${alloc.clientDescription})`;
      lines.push(`Allocation ${id(alloc.id)} status changed: ${JSON.stringify(previous.client)} -> ${JSON.stringify(alloc.client)}${why}`);
    }
  }
  if (before.status !== "" && after.status !== "pending" && before.status !== after.status) {
    lines.push(`Evaluation status changed: ${JSON.stringify(before.status)} -> ${JSON.stringify(after.status)}`);
  }
  return lines;
}

export function isTerminalEval(status: Evaluation["status"]): boolean {
  return status === "complete" || status === "failed" || status === "canceled";
}

/** Writes `==> <time>: …` (a milestone) and `    <time>: …` (progress) lines. */
export class MonitorOutput {
  constructor(private readonly io: CommandIO, private readonly now: () => number = Date.now) {}

  info(message: string): void {
    this.io.stdout(`==> ${formatTimestamp(this.now())}: ${message}\n`);
  }

  output(message: string): void {
    this.io.stdout(`    ${formatTimestamp(this.now())}: ${message}\n`);
  }

  /** A line printed as is under the progress indent (the `* …` reasons). */
  detail(line: string): void {
    this.io.stdout(`    ${line}\n`);
  }
}

/** Prints how a finished evaluation ended; returns its exit code. */
export function reportOutcome(ev: Evaluation, out: MonitorOutput, fullIds = false): number {
  const groups = sortedGroups(ev.failedTgAllocs);
  const finished = `Evaluation ${JSON.stringify(shortId(ev.id, fullIds))} finished with status ${JSON.stringify(ev.status)}`;
  if (groups.length === 0) {
    out.info(ev.status === "failed" && ev.statusDescription !== "" ? `${finished}: ${ev.statusDescription}` : finished);
    // Nomad exits 0 here; a failed evaluation (e.g. too many plan attempts) is an error all the same.
    return ev.status === "failed" ? 1 : 0;
  }
  out.info(`${finished} but failed to place all allocations:`);
  for (const group of groups) {
    const metric = ev.failedTgAllocs[group];
    if (metric === undefined) continue;
    out.output(failedGroupHeading(group, metric));
    for (const line of placementFailureLines(metric, "  ")) out.detail(line);
  }
  if (ev.blockedEval !== "") {
    out.output(`Evaluation ${JSON.stringify(shortId(ev.blockedEval, fullIds))} waiting for additional capacity to place remainder`);
  }
  return 2;
}

async function evaluationAfter(client: ApiClient, evalId: string, minIndex: number): Promise<{ ev: Evaluation; index: number }> {
  const options: pb.QueryOptions = { minIndex, maxWaitMs: minIndex === 0 ? 0 : BLOCKING_WAIT_MS, stale: false, namespace: "", region: "" };
  const response = await client.call(pb.EvaluationsService.get, { evalId, options }, "read");
  if (response.evaluation === undefined) throw new UserError(`No evaluation with id "${evalId}" found`);
  return { ev: evalFromWire(response.evaluation), index: response.meta?.index ?? 0 };
}

async function allocationsOf(client: ApiClient, ev: Evaluation): Promise<AllocationStub[]> {
  if (ev.jobId === "") return [];
  const options: pb.QueryOptions = { minIndex: 0, maxWaitMs: 0, stale: false, namespace: ev.namespace, region: "" };
  const response = await client.call(pb.JobsService.allocations, { jobId: ev.jobId, all: false, options }, "read");
  return response.allocations.map(allocStubFromWire);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface MonitorOptions {
  fullIds?: boolean;
  now?: () => number;
}

/** Watches `evalId` (and the evaluations it is followed by) to the end; returns the exit code. */
export async function monitorEvaluation(client: ApiClient, evalId: string, io: CommandIO, opts: MonitorOptions = {}): Promise<number> {
  const fullIds = opts.fullIds ?? false;
  const now = opts.now ?? Date.now;
  const out = new MonitorOutput(io, now);
  out.info(`Monitoring evaluation ${JSON.stringify(shortId(evalId, fullIds))}`);
  let view = emptyView();
  let index = 0;
  for (;;) {
    const { ev, index: seen } = await evaluationAfter(client, evalId, index);
    if (seen <= index) await pause(NO_NEWS_PAUSE_MS);
    index = Math.max(index, seen);
    const next = viewOf(ev, await allocationsOf(client, ev));
    for (const line of changeLines(view, next, fullIds)) out.output(line);
    view = next;
    if (!isTerminalEval(ev.status)) continue;
    const code = reportOutcome(ev, out, fullIds);
    if (ev.nextEval === "") return code;
    const waitMs = ev.waitUntilMs - now();
    if (waitMs > 0) out.info(`Monitoring next evaluation ${JSON.stringify(shortId(ev.nextEval, fullIds))} in ${formatDuration(Math.ceil(waitMs / 1000) * 1000)}`);
    return monitorEvaluation(client, ev.nextEval, io, opts);
  }
}
