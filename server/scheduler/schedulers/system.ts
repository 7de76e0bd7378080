// The system scheduler (Nomad's SystemScheduler) for system and sysbatch jobs: one allocation of
// each task group on every eligible node that can run it. Allocations on nodes that went down are
// lost, on nodes that can no longer take the job they stop; a new job version replaces them in
// place or destructively. A node-scoped evaluation (`eval.nodeId`) only looks at that node.

import type { Allocation, Node, TaskGroup } from "../../../shared/model/index.js";
import { ALLOC_JOB_STOPPED, ALLOC_LOST, ALLOC_NOT_NEEDED, ALLOC_UPDATING, runsVersion, tasksUpdated } from "../reconcile/index.js";
import { candidateNodes } from "../feasible.js";
import { isTerminal } from "../resources.js";
import { PlacementEngine } from "../stack.js";
import type { Placement, PlanView } from "../types.js";
import { appendAlloc, appendStop, emptyPlan, FailedPlacements, placedAlloc, popStop } from "./build.js";
import { finishEval } from "./finish.js";
import type { SchedulerInput, SchedulerResult } from "./types.js";

export const ALLOC_NODE_INELIGIBLE = "alloc not needed as node is no longer eligible";
export const ALLOC_NODE_INFEASIBLE = "alloc not needed as node is no longer feasible";

const groupKey = (nodeId: string, group: string): string => `${nodeId}\u0000${group}`;

/** The node could not run the group at all (as opposed to lacking free capacity right now). */
function infeasible(p: Placement): boolean {
  return p.node === undefined && p.metrics.nodesExhausted === 0;
}

/** The plan as placement sees it, with `alloc` stopped as well. */
function without(plan: PlanView, alloc: Allocation): PlanView {
  return {
    nodeAllocation: plan.nodeAllocation,
    nodeUpdate: { ...plan.nodeUpdate, [alloc.nodeId]: [...(plan.nodeUpdate[alloc.nodeId] ?? []), alloc] },
    ...(plan.nodePreemptions ? { nodePreemptions: plan.nodePreemptions } : {}),
  };
}

export function processSystem(input: SchedulerInput): SchedulerResult {
  const { eval: ev, snapshot, nowMs } = input;
  const job = snapshot.job(ev.namespace, ev.jobId);
  const plan = emptyPlan(ev, snapshot.index, job);
  const engine = new PlacementEngine({ evalId: ev.id, algorithm: input.config.algorithm }, {
    state: snapshot, ...(input.clock ? { clock: input.clock } : {}),
  });
  const failures = new FailedPlacements();
  const queued: Record<string, number> = {};
  for (const tg of job?.taskGroups ?? []) queued[tg.name] = 0;

  const inScope = (nodeId: string): boolean => ev.nodeId === "" || ev.nodeId === nodeId;
  const nodes = snapshot.nodes();
  const nodesById = new Map(nodes.map((n) => [n.id, n]));
  const allocs = snapshot.allocsByJob(ev.namespace, ev.jobId).filter((a) => inScope(a.nodeId));
  const live = allocs.filter((a) => !isTerminal(a));

  const stopLive = (list: readonly Allocation[], description: string): void => {
    for (const a of list) {
      const node = nodesById.get(a.nodeId);
      if (node === undefined || node.status === "down") appendStop(plan, a, ALLOC_LOST, nowMs, "lost");
      else appendStop(plan, a, description, nowMs);
    }
  };

  if (!job || job.stop) {
    stopLive(live, ALLOC_JOB_STOPPED);
    return finishEval(input, job, plan, { failures, queued, followupEvals: [], engine, blockOnFailure: false });
  }

  const groups = new Map(job.taskGroups.map((g) => [g.name, g]));
  stopLive(live.filter((a) => !groups.has(a.taskGroup)), ALLOC_NOT_NEEDED);

  const liveByKey = new Map<string, Allocation[]>();
  for (const a of live) {
    const key = groupKey(a.nodeId, a.taskGroup);
    liveByKey.set(key, [...(liveByKey.get(key) ?? []), a]);
  }
  // A sysbatch job runs once per node and version: finished allocations are not run again.
  const done = new Set(job.type === "sysbatch"
    ? allocs.filter((a) => a.clientStatus === "complete" && runsVersion(a, job)).map((a) => groupKey(a.nodeId, a.taskGroup))
    : []);

  const eligible = new Set(candidateNodes(nodes, job).nodes.map((n) => n.id));
  const nodeIds = [...new Set([...nodes.map((n) => n.id), ...live.map((a) => a.nodeId)])].filter(inScope).sort();

  const place = (node: Node, tg: TaskGroup, previous?: Allocation): Placement => {
    const result = engine.selectAmong([node.id], job, tg, plan);
    if (result.node !== undefined) {
      appendAlloc(plan, placedAlloc(input, result, {
        name: `${job.id}.${tg.name}[0]`, job, taskGroup: tg.name, ...(previous ? { previousAllocation: previous.id } : {}),
      }));
    } else if (!infeasible(result)) {
      failures.record(tg.name, result.metrics);
      queued[tg.name] = (queued[tg.name] ?? 0) + 1;
    }
    return result;
  };

  for (const nodeId of nodeIds) {
    const node = nodesById.get(nodeId);
    for (const tg of job.taskGroups) {
      const here = liveByKey.get(groupKey(nodeId, tg.name)) ?? [];
      if (node === undefined || node.status === "down") {
        stopLive(here, ALLOC_LOST);
        continue;
      }
      // A disconnected client may come back; a drain that spares system jobs leaves them alone.
      if (node.status === "disconnected" || node.drainStrategy?.ignoreSystemJobs === true) continue;
      // As in Nomad: marking a node ineligible stops new placements, not what already runs there.
      if (node.schedulingEligibility === "ineligible" && node.drainStrategy === undefined) continue;
      if (!eligible.has(nodeId)) {
        stopLive(here, ALLOC_NODE_INELIGIBLE);
        continue;
      }
      // One per node: keep the newest version, stop duplicates.
      const sorted = [...here].sort((a, b) => Number(runsVersion(b, job)) - Number(runsVersion(a, job)) || b.createIndex - a.createIndex);
      const [existing, ...extra] = sorted;
      stopLive(extra, ALLOC_NOT_NEEDED);

      if (existing === undefined) {
        if (!done.has(groupKey(nodeId, tg.name))) place(node, tg);
        continue;
      }
      if (runsVersion(existing, job)) {
        // Still feasible here? (A driver or attribute may have gone since it was placed.)
        if (infeasible(engine.selectAmong([nodeId], job, tg, without(plan, existing)))) {
          appendStop(plan, existing, ALLOC_NODE_INFEASIBLE, nowMs);
        }
        continue;
      }
      if (tasksUpdated(existing.job, job, tg.name) === undefined) {
        appendAlloc(plan, { ...existing, job, evalId: ev.id, modifyTimeMs: nowMs });
        continue;
      }
      appendStop(plan, existing, ALLOC_UPDATING, nowMs);
      const result = place(node, tg, existing);
      if (result.node === undefined) {
        popStop(plan, existing);
        // The new version cannot run on this node at all: the old one goes too.
        if (infeasible(result)) appendStop(plan, existing, ALLOC_NODE_INFEASIBLE, nowMs);
      }
    }
  }

  return finishEval(input, job, plan, { failures, queued, followupEvals: [], engine, blockOnFailure: false });
}
