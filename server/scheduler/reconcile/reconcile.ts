// The allocation reconciler (Nomad's allocReconciler) for service and batch jobs: compares the
// allocations a job has with the ones it wants and decides, per task group, what to place, stop,
// update in place, replace destructively, migrate off draining nodes, mark lost, and reschedule.
// Pure: it reads its input, the clock comes in as `nowMs`, and the result is data for the
// generic scheduler to turn into a plan.

import {
  allocIndex, isTerminalClientStatus,
  type Allocation, type Deployment, type DeploymentStatusUpdate, type Job, type TaskGroup, type UpdateStrategy,
} from "../../../shared/model/index.js";
import { NameIndex } from "./names.js";
import {
  FOLLOWUP_BATCH_WINDOW_MS, nextTracker, penaltyNodeIds, rescheduleDecision,
} from "./reschedule.js";
import { tasksUpdated } from "./tasks-updated.js";
import type {
  DeploymentPlan, DesiredUpdates, FollowupEval, GroupResult, ReconcileInput, ReconcileResult, StopDecision,
} from "./types.js";

export const ALLOC_NOT_NEEDED = "alloc not needed due to job update";
export const ALLOC_JOB_STOPPED = "alloc not needed since the job was stopped";
export const ALLOC_MIGRATING = "alloc is being migrated";
export const ALLOC_UPDATING = "alloc is being updated due to job update";
export const ALLOC_LOST = "alloc is lost since its node is down";
export const ALLOC_UNKNOWN = "alloc is unknown since its node is disconnected";
export const ALLOC_RESCHEDULED = "alloc was rescheduled because it failed";
export const ALLOC_RECONNECTED = "alloc not needed as the original allocation reconnected";

const ACTIVE_DEPLOYMENT = new Set(["running", "paused", "pending", "blocked", "unblocking"]);

export function emptyDesiredUpdates(): DesiredUpdates {
  return {
    place: 0, stop: 0, migrate: 0, inPlaceUpdate: 0, destructiveUpdate: 0, canary: 0, ignore: 0,
    rescheduleNow: 0, rescheduleLater: 0, disconnect: 0, reconnect: 0,
  };
}

function emptyGroupResult(): GroupResult {
  return {
    place: [], stop: [], inplaceUpdate: [], destructiveUpdate: [], attributeUpdates: [], followupEvals: [],
    rollingWaiting: 0, migrateWaiting: 0,
  };
}

/** Whether an allocation runs exactly this version of the job. */
export function runsVersion(alloc: Allocation, job: Job): boolean {
  return alloc.job.version === job.version && alloc.job.jobModifyIndex === job.jobModifyIndex;
}

const byIndexAsc = (a: Allocation, b: Allocation): number => allocIndex(a) - allocIndex(b) || a.id.localeCompare(b.id);
const byIndexDesc = (a: Allocation, b: Allocation): number => -byIndexAsc(a, b);

export function reconcile(input: ReconcileInput): ReconcileResult {
  const { job } = input;
  const stopped = !job || job.stop;
  const result: ReconcileResult = { groups: {}, desiredTGUpdates: {}, deploymentUpdates: [] };

  // A deployment of another version, or of a stopped job, is over.
  const dep = input.deployment;
  let current: Deployment | undefined;
  if (dep && ACTIVE_DEPLOYMENT.has(dep.status)) {
    if (stopped) {
      result.deploymentUpdates.push(cancel(dep, "Cancelled because job is stopped"));
    } else if (dep.jobVersion !== job.version) {
      result.deploymentUpdates.push(cancel(dep, "Cancelled due to newer version of job"));
    }
  }
  if (dep && job && !stopped && dep.jobVersion === job.version) current = dep;

  const byGroup = new Map<string, Allocation[]>();
  for (const tg of job?.taskGroups ?? []) byGroup.set(tg.name, []);
  for (const a of input.allocs) {
    const list = byGroup.get(a.taskGroup) ?? [];
    list.push(a);
    byGroup.set(a.taskGroup, list);
  }

  const jobId = job?.id ?? input.jobId ?? input.allocs[0]?.jobId ?? "";
  const deploymentGroups: DeploymentPlan["taskGroups"] = {};
  let needDeployment = false;
  for (const [name, allocs] of byGroup) {
    const tg = stopped ? undefined : job.taskGroups.find((g) => g.name === name);
    const r = emptyGroupResult();
    const ignored = tg && job
      ? reconcileGroup({ input, job, jobId, tg, allocs, current }, r)
      : stopGroup(input, allocs, stopped ? "stopped" : "not needed", r);
    result.groups[name] = r;
    result.desiredTGUpdates[name] = countUpdates(r, ignored);

    const update = serviceUpdate(input, tg);
    if (tg && job && update) {
      const hadCurrent = allocs.some((a) => runsVersion(a, job));
      const updating = r.destructiveUpdate.length + r.inplaceUpdate.length + r.rollingWaiting > 0;
      const canaries = r.place.filter((p) => p.canary).length;
      deploymentGroups[name] = {
        desiredTotal: tg.count,
        desiredCanaries: canaries > 0 || (update.canary > 0 && r.rollingWaiting > 0) ? update.canary : 0,
        autoRevert: update.autoRevert,
        autoPromote: update.autoPromote,
        progressDeadlineMs: update.progressDeadlineMs,
      };
      if (tg.count > 0 && (updating || canaries > 0 || (!hadCurrent && r.place.length > 0))) needDeployment = true;
    }
  }

  if (job && !stopped && needDeployment && (!dep || dep.jobVersion !== job.version)) {
    result.createDeployment = {
      jobId: job.id, namespace: job.namespace, jobVersion: job.version, jobModifyIndex: job.jobModifyIndex,
      jobCreateIndex: job.createIndex, taskGroups: deploymentGroups,
    };
  }
  if (job && current && current.status === "running" && deploymentComplete(job, current, result)) {
    result.deploymentUpdates.push({ deploymentId: current.id, status: "successful", statusDescription: "Deployment completed successfully" });
  }
  return result;
}

function cancel(dep: Deployment, statusDescription: string): DeploymentStatusUpdate {
  return { deploymentId: dep.id, status: "cancelled", statusDescription };
}

/** The update block that governs rolling updates, for service jobs that have one. */
function serviceUpdate(input: ReconcileInput, tg: TaskGroup | undefined): UpdateStrategy | undefined {
  const update = tg?.update;
  return !input.batch && update && update.maxParallel > 0 ? update : undefined;
}

function deploymentComplete(job: Job, dep: Deployment, result: ReconcileResult): boolean {
  for (const tg of job.taskGroups) {
    const r = result.groups[tg.name];
    const state = dep.taskGroups[tg.name];
    if (!r || !tg.update || tg.update.maxParallel === 0) continue;
    if (!state) return false;
    if (r.place.length + r.destructiveUpdate.length + r.rollingWaiting > 0) return false;
    if (state.desiredCanaries > 0 && !state.promoted) return false;
    if (state.healthyAllocs < state.desiredTotal) return false;
  }
  return true;
}

function countUpdates(r: GroupResult, ignore: number): DesiredUpdates {
  const d = emptyDesiredUpdates();
  for (const p of r.place) {
    if (p.canary) d.canary++;
    else if (p.reason !== "migrate") d.place++;
    if (p.reason === "reschedule") d.rescheduleNow++;
  }
  for (const s of r.stop) {
    if (s.migrate) d.migrate++;
    else d.stop++;
    if (s.reason === "reconnected") d.reconnect++;
  }
  d.inPlaceUpdate = r.inplaceUpdate.length;
  d.destructiveUpdate = r.destructiveUpdate.length;
  d.disconnect = r.attributeUpdates.length;
  d.rescheduleLater = r.followupEvals
    .filter((f) => f.triggeredBy === "failed-follow-up")
    .reduce((n, f) => n + f.allocIds.length, 0);
  d.ignore = ignore;
  return d;
}

/** Whether an allocation's node is gone for good (down, or disconnected past its allowance). */
function nodeLost(input: ReconcileInput, alloc: Allocation, tg: TaskGroup | undefined): boolean {
  const node = input.taintedNodes.get(alloc.nodeId);
  if (!node) return false;
  if (node.status === "down") return true;
  if (node.status !== "disconnected") return false;
  const allowanceMs = tg?.maxClientDisconnectMs;
  return allowanceMs === undefined || input.nowMs >= node.statusUpdatedAtMs + allowanceMs;
}

/** The job is stopped or the group is gone: everything still running stops. */
function stopGroup(input: ReconcileInput, allocs: readonly Allocation[], reason: "stopped" | "not needed", r: GroupResult): number {
  for (const a of allocs) {
    if (a.desiredStatus !== "run" || isTerminalClientStatus(a.clientStatus)) continue;
    if (nodeLost(input, a, a.job.taskGroups.find((g) => g.name === a.taskGroup))) {
      r.stop.push({ alloc: a, reason: "lost", description: ALLOC_LOST, clientStatus: "lost" });
    } else {
      r.stop.push({ alloc: a, reason, description: reason === "stopped" ? ALLOC_JOB_STOPPED : ALLOC_NOT_NEEDED });
    }
  }
  return 0;
}

interface GroupContext {
  input: ReconcileInput;
  job: Job;
  jobId: string;
  tg: TaskGroup;
  allocs: readonly Allocation[];
  /** The deployment of this job version, if there is one. */
  current: Deployment | undefined;
}

/** Returns how many allocations were left alone. */
function reconcileGroup(ctx: GroupContext, r: GroupResult): number {
  const { input, job, tg } = ctx;
  const { nowMs, batch } = input;
  let ignore = 0;

  const live = ctx.allocs.filter((a) => a.desiredStatus === "run");
  const byId = new Map(ctx.allocs.map((a) => [a.id, a]));

  // Allocations on disconnected clients that came back while a replacement runs: keep the
  // original, stop the replacement.
  const reconnecting = new Set(live
    .filter((a) => a.clientStatus === "unknown" && !input.taintedNodes.has(a.nodeId))
    .map((a) => a.id));
  const replaced = new Set<string>();
  for (const a of ctx.allocs) if (a.previousAllocation !== "") replaced.add(a.previousAllocation);
  for (const a of ctx.allocs) if (a.nextAllocation !== "") replaced.add(a.id);

  const keep: Allocation[] = [];
  const lost: Allocation[] = [];
  const disconnecting: Allocation[] = [];
  const migrate: Allocation[] = [];
  const rescheduleNow: { alloc: Allocation; delayMs: number }[] = [];
  const later = new Map<string, number>(); // alloc id → reschedule time, for new follow-ups

  for (const a of live) {
    const node = input.taintedNodes.get(a.nodeId);
    const terminal = isTerminalClientStatus(a.clientStatus);
    if (reconnecting.has(a.previousAllocation) && !terminal) {
      r.stop.push({ alloc: a, reason: "reconnected", description: ALLOC_RECONNECTED });
      continue;
    }
    if (replaced.has(a.id) && !reconnecting.has(a.id)) {
      // Its replacement exists. An unknown original whose node is now gone for good is lost.
      if (a.clientStatus === "unknown" && nodeLost(input, a, tg)) {
        r.stop.push({ alloc: a, reason: "lost", description: ALLOC_LOST, clientStatus: "lost" });
      }
      continue;
    }
    if (terminal) {
      if (a.clientStatus === "complete") {
        // A finished batch alloc is done; a service that exited is replaced by a new placement.
        if (batch) keep.push(a);
        continue;
      }
      if (a.clientStatus === "lost") continue;
      const decision = rescheduleDecision(a, tg.reschedulePolicy, nowMs, input.evalId);
      if (decision.kind === "now") {
        rescheduleNow.push({ alloc: a, delayMs: decision.delayMs });
      } else {
        // Exhausted failures keep their slot (Nomad does not replace them); delayed ones wait.
        keep.push(a);
        if (decision.kind === "later" && a.followupEvalId === "") later.set(a.id, decision.atMs);
      }
      continue;
    }
    if (node && (node.status === "down" || node.status === "disconnected")) {
      if (tg.preventRescheduleOnLost) {
        keep.push(a);
        if (a.clientStatus !== "unknown") r.attributeUpdates.push({ alloc: a, clientStatus: "unknown", description: ALLOC_UNKNOWN });
      } else if (nodeLost(input, a, tg)) {
        lost.push(a);
      } else {
        disconnecting.push(a);
      }
      continue;
    }
    if (node?.drainStrategy) {
      migrate.push(a);
      continue;
    }
    keep.push(a);
  }

  // Canaries of this version that are not promoted yet run beside the count.
  const update = serviceUpdate(input, tg);
  const state = ctx.current?.taskGroups[tg.name];
  const promoted = state?.promoted ?? false;
  const isCanary = (a: Allocation): boolean =>
    runsVersion(a, job) && (a.deploymentStatus?.canary === true || (state?.placedCanaries.includes(a.id) ?? false));
  const canaries = update && !promoted ? keep.filter(isCanary) : [];
  const counted = keep.filter((a) => !canaries.includes(a));

  // Too many: stop the duplicates of promoted canaries, then the broken, then the highest names.
  const currentNames = new Set(counted.filter((a) => runsVersion(a, job)).map((a) => a.name));
  const total = counted.length + lost.length + disconnecting.length + migrate.length + rescheduleNow.length;
  let excess = total - tg.count;
  const victims = new Set<string>();
  const take = (list: readonly Allocation[], onStop: (a: Allocation) => StopDecision): void => {
    for (const a of list) {
      if (excess <= 0) return;
      if (victims.has(a.id)) continue;
      victims.add(a.id);
      r.stop.push(onStop(a));
      excess--;
    }
  };
  const notNeeded = (a: Allocation): StopDecision => ({ alloc: a, reason: "not needed", description: ALLOC_NOT_NEEDED });
  take(counted.filter((a) => !runsVersion(a, job) && currentNames.has(a.name)).sort(byIndexDesc), notNeeded);
  take(rescheduleNow.map((x) => x.alloc).sort(byIndexDesc), notNeeded);
  take([...lost].sort(byIndexDesc), (a) => ({ alloc: a, reason: "lost", description: ALLOC_LOST, clientStatus: "lost" }));
  take([...disconnecting].sort(byIndexDesc), notNeeded);
  take([...migrate].sort(byIndexDesc), notNeeded);
  take([...counted].sort((a, b) =>
    allocIndex(b) - allocIndex(a) ||
    Number(runsVersion(a, job)) - Number(runsVersion(b, job)) ||
    Number(a.clientStatus === "running") - Number(b.clientStatus === "running") ||
    a.id.localeCompare(b.id)), notNeeded);
  const alive = (a: Allocation): boolean => !victims.has(a.id);

  const names = new NameIndex(ctx.jobId, tg.name, [
    ...counted, ...lost, ...disconnecting, ...migrate, ...rescheduleNow.map((x) => x.alloc),
  ].filter(alive).map((a) => a.name));

  // Replacements keep the name of what they replace.
  for (const a of lost.filter(alive)) {
    r.stop.push({ alloc: a, reason: "lost", description: ALLOC_LOST, clientStatus: "lost" });
    r.place.push({ name: a.name, taskGroup: tg.name, previousAlloc: a, penaltyNodeIds: [], reason: "lost" });
  }
  const disconnectFollowups = new Map<number, string[]>();
  for (const a of disconnecting.filter(alive)) {
    const node = input.taintedNodes.get(a.nodeId);
    if (a.clientStatus !== "unknown") r.attributeUpdates.push({ alloc: a, clientStatus: "unknown", description: ALLOC_UNKNOWN });
    r.place.push({ name: a.name, taskGroup: tg.name, previousAlloc: a, penaltyNodeIds: [], reason: "disconnect" });
    const at = (node?.statusUpdatedAtMs ?? nowMs) + (tg.maxClientDisconnectMs ?? 0);
    disconnectFollowups.set(at, [...(disconnectFollowups.get(at) ?? []), a.id]);
  }
  for (const [waitUntilMs, allocIds] of disconnectFollowups) {
    r.followupEvals.push({ waitUntilMs, allocIds, triggeredBy: "max-disconnect-timeout" });
  }
  for (const { alloc, delayMs } of rescheduleNow.filter((x) => alive(x.alloc)).sort((x, y) => byIndexAsc(x.alloc, y.alloc))) {
    r.stop.push({ alloc, reason: "rescheduled", description: ALLOC_RESCHEDULED });
    r.place.push({
      name: alloc.name, taskGroup: tg.name, previousAlloc: alloc, reason: "reschedule",
      rescheduleTracker: tg.reschedulePolicy ? nextTracker(alloc, tg.reschedulePolicy, nowMs, delayMs) : [],
      penaltyNodeIds: penaltyNodeIds(alloc),
    });
  }
  r.followupEvals.push(...batchFollowups([...later].filter(([id]) => !victims.has(id))));

  // Drain migrations, at most `migrate.max_parallel` in flight.
  const migrating = migrate.filter(alive).sort(byIndexAsc);
  if (migrating.length > 0) {
    const maxParallel = tg.migrate?.maxParallel ?? 1;
    const inFlight = counted.filter((a) => {
      const prev = byId.get(a.previousAllocation);
      const prevNode = prev ? input.taintedNodes.get(prev.nodeId) : undefined;
      return prev !== undefined && prev.desiredStatus !== "run" && prevNode?.drainStrategy !== undefined &&
        (a.clientStatus !== "running" || a.deploymentStatus?.healthy !== true);
    }).length;
    const budget = Math.max(0, maxParallel - inFlight);
    for (const a of migrating.slice(0, budget)) {
      r.stop.push({ alloc: a, reason: "migrating", description: ALLOC_MIGRATING, migrate: true });
      r.place.push({ name: a.name, taskGroup: tg.name, previousAlloc: a, penaltyNodeIds: [], reason: "migrate" });
    }
    r.migrateWaiting = Math.max(0, migrating.length - budget);
    ignore += r.migrateWaiting;
  }

  // New versions: in place when nothing that needs a restart changed, destructively otherwise.
  const destructive: Allocation[] = [];
  for (const a of counted.filter(alive)) {
    const terminal = isTerminalClientStatus(a.clientStatus);
    if (runsVersion(a, job) || (batch && terminal)) {
      ignore++;
    } else if (terminal || tasksUpdated(a.job, job, tg.name) !== undefined) {
      destructive.push(a);
    } else {
      r.inplaceUpdate.push(a);
    }
  }
  destructive.sort(byIndexAsc);
  ignore += canaries.length;

  const halted = ctx.current !== undefined && (ctx.current.status === "paused" || ctx.current.status === "failed");
  if (!update) {
    for (const a of destructive) r.destructiveUpdate.push({ old: a, name: a.name });
  } else if (update.canary > 0 && !promoted && (destructive.length > 0 || canaries.length > 0)) {
    // Canary phase: new-version allocations beside the old ones, nothing replaced until promotion.
    const want = halted ? 0 : Math.max(0, update.canary - canaries.length);
    const taken = new Set(canaries.map((a) => a.name));
    const canaryNames = destructive.map((a) => a.name).filter((n) => !taken.has(n)).slice(0, want);
    if (canaryNames.length < want) canaryNames.push(...names.next(want - canaryNames.length));
    for (const name of canaryNames) r.place.push({ name, taskGroup: tg.name, canary: true, penaltyNodeIds: [], reason: "canary" });
    r.rollingWaiting = destructive.length;
    ignore += destructive.length;
  } else {
    // Rolling update: `max_parallel` new-version allocations may be unhealthy at a time.
    const unhealthy = ctx.current
      ? counted.filter((a) => alive(a) && runsVersion(a, job) && a.deploymentId === ctx.current?.id &&
        a.deploymentStatus?.healthy !== true).length
      : 0;
    const limit = halted ? 0 : Math.max(0, update.maxParallel - unhealthy);
    for (const a of destructive.slice(0, limit)) r.destructiveUpdate.push({ old: a, name: a.name });
    r.rollingWaiting = Math.max(0, destructive.length - limit);
    ignore += r.rollingWaiting;
  }

  // Missing allocations take the lowest free names.
  const occupied = counted.filter(alive).length + lost.filter(alive).length + disconnecting.filter(alive).length +
    migrate.filter(alive).length + rescheduleNow.filter((x) => alive(x.alloc)).length;
  const missing = tg.count - occupied;
  if (missing > 0) {
    for (const name of names.next(missing)) r.place.push({ name, taskGroup: tg.name, penaltyNodeIds: [], reason: "missing" });
  }
  return ignore;
}

/** Follow-up evals for delayed reschedules; failures within a few seconds share one eval. */
function batchFollowups(later: [string, number][]): FollowupEval[] {
  const out: FollowupEval[] = [];
  let batch: FollowupEval | undefined;
  for (const [id, atMs] of [...later].sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]))) {
    if (!batch || atMs - batch.waitUntilMs >= FOLLOWUP_BATCH_WINDOW_MS) {
      batch = { waitUntilMs: atMs, allocIds: [], triggeredBy: "failed-follow-up" };
      out.push(batch);
    }
    batch.allocIds.push(id);
  }
  return out;
}
