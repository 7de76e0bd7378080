// The generic scheduler (Nomad's GenericScheduler) for service and batch jobs: the reconciler
// decides what each task group needs, and this turns its decisions into a plan — stops, in-place
// updates, destructive updates and placements through one placement engine per evaluation.

import type { Allocation, Deployment, DeploymentState, Evaluation, Job, Node } from "../../../shared/model/index.js";
import { reconcile, ALLOC_UPDATING, type DeploymentPlan, type PlacementDecision } from "../reconcile/index.js";
import { PlacementEngine } from "../stack.js";
import type { SelectOptions } from "../types.js";
import {
  appendAlloc, appendStop, emptyPlan, FailedPlacements, newEvaluation, placedAlloc, popStop,
} from "./build.js";
import { finishEval } from "./finish.js";
import type { SchedulerInput, SchedulerResult } from "./types.js";

const ACTIVE_DEPLOYMENT = new Set(["running", "paused", "pending", "blocked", "unblocking"]);

/** Unhealthy nodes per node list (the state hands out one list per version of its nodes table). */
const unhealthyCache = new WeakMap<readonly Node[], Map<string, Node>>();

/**
 * The nodes that are down, disconnected or draining. Few ever are: find those first rather than
 * index thousands of healthy ones, and once per version of the nodes, not once per evaluation.
 */
function unhealthyNodes(nodes: readonly Node[]): Map<string, Node> {
  let unhealthy = unhealthyCache.get(nodes);
  if (unhealthy === undefined) {
    unhealthy = new Map();
    for (const n of nodes) {
      if (n.status === "down" || n.status === "disconnected" || n.drainStrategy !== undefined) unhealthy.set(n.id, n);
    }
    unhealthyCache.set(nodes, unhealthy);
  }
  return unhealthy;
}

/** Nodes of the job's allocations that are down, disconnected or draining. */
export function taintedNodes(nodes: readonly Node[], allocs: readonly Allocation[]): Map<string, Node> {
  const unhealthy = unhealthyNodes(nodes);
  const tainted = new Map<string, Node>();
  if (unhealthy.size === 0) return tainted;
  for (const a of allocs) {
    const node = unhealthy.get(a.nodeId);
    if (node) tainted.set(node.id, node);
  }
  return tainted;
}

function buildDeployment(input: SchedulerInput, plan: DeploymentPlan): Deployment {
  const taskGroups: Record<string, DeploymentState> = {};
  let needsPromotion = false;
  for (const [name, tg] of Object.entries(plan.taskGroups)) {
    if (tg.desiredCanaries > 0 && !tg.autoPromote) needsPromotion = true;
    taskGroups[name] = {
      autoRevert: tg.autoRevert,
      autoPromote: tg.autoPromote,
      progressDeadlineMs: tg.progressDeadlineMs,
      requireProgressByMs: tg.progressDeadlineMs > 0 ? input.nowMs + tg.progressDeadlineMs : 0,
      promoted: false,
      placedCanaries: [],
      desiredCanaries: tg.desiredCanaries,
      desiredTotal: tg.desiredTotal,
      placedAllocs: 0,
      healthyAllocs: 0,
      unhealthyAllocs: 0,
    };
  }
  return {
    id: input.newId(),
    namespace: plan.namespace,
    jobId: plan.jobId,
    jobVersion: plan.jobVersion,
    jobModifyIndex: plan.jobModifyIndex,
    jobCreateIndex: plan.jobCreateIndex,
    taskGroups,
    status: "running",
    statusDescription: needsPromotion ? "Deployment is running but requires manual promotion" : "Deployment is running",
    createIndex: 0,
    modifyIndex: 0,
  };
}

export function processGeneric(input: SchedulerInput): SchedulerResult {
  const { eval: ev, snapshot, nowMs } = input;
  const job: Job | undefined = snapshot.job(ev.namespace, ev.jobId);
  const allocs = snapshot.allocsByJob(ev.namespace, ev.jobId);
  const plan = emptyPlan(ev, snapshot.index, job);
  const existing = snapshot.latestDeploymentByJob(ev.namespace, ev.jobId);
  const batch = (job?.type ?? ev.type) === "batch";

  const decisions = reconcile({
    job, jobId: ev.jobId, allocs, taintedNodes: taintedNodes(snapshot.nodes(), allocs), deployment: existing,
    evalId: ev.id, nowMs, batch,
  });
  plan.deploymentUpdates.push(...decisions.deploymentUpdates);

  // The deployment new allocations belong to: a new one, or the running one of this version.
  let deployment: Deployment | undefined;
  let createdDeployment: Deployment | undefined;
  if (decisions.createDeployment) {
    createdDeployment = buildDeployment(input, decisions.createDeployment);
    deployment = createdDeployment;
  } else if (job && !job.stop && existing && existing.jobVersion === job.version && ACTIVE_DEPLOYMENT.has(existing.status) &&
    !decisions.deploymentUpdates.some((u) => u.deploymentId === existing.id && u.status === "cancelled")) {
    deployment = existing;
  }
  const deploymentId = deployment?.id ?? "";

  // 1. Stops.
  for (const group of Object.values(decisions.groups)) {
    for (const s of group.stop) appendStop(plan, s.alloc, s.description, nowMs, s.clientStatus);
  }

  // 2. Attribute updates and follow-up evaluations (the allocations learn their follow-up's id).
  const updated = new Map<string, Allocation>();
  const update = (a: Allocation, change: Partial<Allocation>): void => {
    updated.set(a.id, { ...(updated.get(a.id) ?? a), ...change, modifyTimeMs: nowMs });
  };
  const followupEvals: Evaluation[] = [];
  const byId = new Map(allocs.map((a) => [a.id, a]));
  for (const group of Object.values(decisions.groups)) {
    for (const u of group.attributeUpdates) update(u.alloc, { clientStatus: u.clientStatus, clientDescription: u.description });
    for (const f of group.followupEvals) {
      const follow = newEvaluation(input, job, f.triggeredBy, { waitUntilMs: f.waitUntilMs });
      followupEvals.push(follow);
      for (const id of f.allocIds) {
        const a = byId.get(id);
        if (a) update(a, { followupEvalId: follow.id });
      }
    }
  }

  // 3. In-place updates: same node, same resources, the new job.
  if (job) {
    for (const group of Object.values(decisions.groups)) {
      for (const a of group.inplaceUpdate) {
        update(a, { job, evalId: ev.id, deploymentId: deploymentId !== "" ? deploymentId : a.deploymentId });
      }
    }
  }
  for (const a of updated.values()) appendAlloc(plan, a);

  // 4. Destructive updates, then 5. placements, through one engine for the whole evaluation.
  const queued: Record<string, number> = {};
  for (const tg of job?.taskGroups ?? []) queued[tg.name] = 0;
  const failures = new FailedPlacements();
  const maxPlacements = input.config.maxPlacements ?? Infinity;
  let placements = 0;
  let sliced = false;
  const engine = new PlacementEngine({ evalId: ev.id, algorithm: input.config.algorithm }, {
    state: snapshot, ...(input.clock ? { clock: input.clock } : {}),
  });
  let canaryDeployment: Deployment | undefined;

  const place = (
    decision: Pick<PlacementDecision, "name" | "taskGroup" | "penaltyNodeIds" | "rescheduleTracker" | "canary">,
    previous: Allocation | undefined, onFail?: () => void,
  ): void => {
    const tg = job?.taskGroups.find((g) => g.name === decision.taskGroup);
    if (!job || !tg) return;
    if (placements >= maxPlacements) {
      // Left for the follow-up evaluation of this slice.
      sliced = true;
      onFail?.();
      return;
    }
    if (failures.has(tg.name)) {
      failures.coalesce(tg.name);
      onFail?.();
      return;
    }
    const options: SelectOptions = { penaltyNodeIds: decision.penaltyNodeIds };
    if (previous && tg.ephemeralDisk.sticky) options.preferredNodeIds = [previous.nodeId];
    const result = engine.select(job, tg, plan, options);
    if (result.node === undefined) {
      failures.record(tg.name, result.metrics);
      onFail?.();
      return;
    }
    const alloc = placedAlloc(input, result, {
      name: decision.name, job, taskGroup: tg.name,
      ...(previous ? { previousAllocation: previous.id } : {}),
      ...(decision.rescheduleTracker ? { rescheduleTracker: decision.rescheduleTracker } : {}),
      deploymentId,
      ...(decision.canary ? { canary: true } : {}),
    });
    appendAlloc(plan, alloc);
    placements++;
    queued[tg.name] = (queued[tg.name] ?? 1) - 1;
    if (decision.canary && deployment) {
      canaryDeployment ??= deployment === createdDeployment ? deployment : structuredClone(deployment);
      canaryDeployment.taskGroups[tg.name]?.placedCanaries.push(alloc.id);
    }
  };

  for (const [name, group] of Object.entries(decisions.groups)) {
    if (name in queued) queued[name] = group.place.length + group.destructiveUpdate.length;
  }
  for (const group of Object.values(decisions.groups)) {
    for (const d of group.destructiveUpdate) {
      appendStop(plan, d.old, ALLOC_UPDATING, nowMs);
      // Without a node for the replacement the old allocation keeps running.
      place({ name: d.name, taskGroup: d.old.taskGroup, penaltyNodeIds: [] }, d.old, () => popStop(plan, d.old));
    }
  }
  for (const group of Object.values(decisions.groups)) {
    // A drain migration whose replacement finds no node leaves the original running.
    for (const p of group.place) place(p, p.previousAlloc, p.reason === "migrate" && p.previousAlloc ? () => popStop(plan, p.previousAlloc as Allocation) : undefined);
  }

  if (canaryDeployment) plan.deployment = canaryDeployment;
  else if (createdDeployment) plan.deployment = createdDeployment;
  if (sliced) followupEvals.push(newEvaluation(input, job, "queued-allocs", { statusDescription: "places the next slice of allocations" }));

  return finishEval(input, job, plan, {
    failures, queued, followupEvals, engine, blockOnFailure: true, desiredTGUpdates: decisions.desiredTGUpdates,
    ...(createdDeployment ? { createdDeployment } : {}),
  });
}
