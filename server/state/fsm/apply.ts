// Applying one command to the state: a pure function from (state, index, command) to the new
// state, the events it publishes and a result for whoever proposed it. Semantics follow Nomad's
// state store (nomad/state/state_store.go), function by function where the comments say so.

import type { Allocation, DeploymentStatusUpdate, Job, Node } from "../../../shared/model/index.js";
import { deepEqual } from "./equal.js";
import { allocRow, sharedAllocation, sharedDescription, sharedTaskStates } from "./intern.js";
import { key, pad } from "./keys.js";
import type { Owner } from "./pmap.js";
import { DEFAULT_VARIABLE_NAMESPACE } from "./snapshot.js";
import { isAllocTerminal } from "./status.js";
import type { StateData } from "./tables.js";
import { Txn, variableMetadata, type Committed } from "./txn.js";
import type {
  AllocClientUpdateCommand, AllocStop, AllocUpsertCommand, AllocationInput, ApplyErrorCode, ApplyOk, ApplyResult,
  DeploymentAllocHealthCommand, DeploymentDeleteCommand, DeploymentPromoteCommand, DeploymentStatusCommand,
  DeploymentUpsertCommand, EvalDeleteCommand, EvalUpsertCommand, JobDeregisterCommand, JobRegisterCommand,
  JobScaleCommand, JobStabilityCommand, NodeDeregisterCommand, NodeDrainCommand, NodeEligibilityCommand,
  NodeRegisterCommand, NodeStatusCommand, StateCommand, VarDeleteCommand, VarPutCommand, Variable,
} from "./types.js";

type Extra = Omit<ApplyOk, "ok" | "index">;

type Outcome =
  | { ok: true; extra?: Extra }
  | { ok: false; code: ApplyErrorCode; error: string; current?: Variable | null };

const OK: Outcome = { ok: true };

function fail(code: ApplyErrorCode, error: string): Outcome {
  return { ok: false, code, error };
}

/** A batch's skipped ids, reported only when there are some. */
function notFound(ids: string[]): Outcome {
  return ids.length === 0 ? OK : { ok: true, extra: { notFound: ids } };
}

export interface Applied {
  result: ApplyResult;
  /** The changes, when the command succeeded; a failed command changes nothing. */
  committed?: Committed;
}

/** Applies `cmd` at Raft `index` on top of `base`. Never throws for bad input; see ApplyResult. */
export function applyCommand(base: StateData, index: number, cmd: StateCommand, owner: Owner): Applied {
  const txn = new Txn(base, index, owner);
  const outcome = dispatch(txn, cmd);
  if (!outcome.ok) {
    const result: ApplyResult = { ok: false, index, code: outcome.code, error: outcome.error };
    if (outcome.current !== undefined) result.current = outcome.current;
    return { result };
  }
  return { result: { ok: true, index, ...outcome.extra }, committed: txn.commit() };
}

function dispatch(txn: Txn, cmd: StateCommand): Outcome {
  switch (cmd.type) {
    case "job.register": return jobRegister(txn, cmd);
    case "job.deregister": return jobDeregister(txn, cmd);
    case "job.stability": return jobStability(txn, cmd);
    case "job.scale": return jobScale(txn, cmd);
    case "node.register": return nodeRegister(txn, cmd);
    case "node.status": return nodeStatus(txn, cmd);
    case "node.eligibility": return nodeEligibility(txn, cmd);
    case "node.drain": return nodeDrain(txn, cmd);
    case "node.deregister": return nodeDeregister(txn, cmd);
    case "alloc.upsert": return allocUpsert(txn, cmd);
    case "alloc.clientUpdate": return allocClientUpdate(txn, cmd);
    case "eval.upsert": return evalUpsert(txn, cmd);
    case "eval.delete": return evalDelete(txn, cmd);
    case "deployment.upsert": return deploymentUpsert(txn, cmd);
    case "deployment.status": return deploymentStatus(txn, cmd);
    case "deployment.promote": return deploymentPromote(txn, cmd);
    case "deployment.allocHealth": return deploymentAllocHealth(txn, cmd);
    case "deployment.delete": return deploymentDelete(txn, cmd);
    case "var.put": return varPut(txn, cmd);
    case "var.delete": return varDelete(txn, cmd);
    default: {
      const unknown: { type?: unknown } = cmd;
      return fail("invalid", `unknown command type ${JSON.stringify(unknown.type)}`);
    }
  }
}

// --- jobs --------------------------------------------------------------------------------------

function jobResult(job: Job, changed?: boolean): Outcome {
  const extra: Extra = { jobModifyIndex: job.jobModifyIndex, jobVersion: job.version };
  if (changed !== undefined) extra.jobChanged = changed;
  return { ok: true, extra };
}

/** Nomad's applyUpsertJob: the eval learns the job modify index it was made for. */
function jobRegister(txn: Txn, cmd: JobRegisterCommand): Outcome {
  if (cmd.job.id === "" || cmd.job.namespace === "") return fail("invalid", "a job needs an id and a namespace");
  const { job, changed } = txn.upsertJob(cmd.job);
  if (cmd.eval !== undefined) txn.upsertEval({ ...cmd.eval, jobModifyIndex: job.jobModifyIndex });
  return jobResult(job, changed);
}

/** Nomad's applyDeregisterJob: stop is a new version with `stop`; purge deletes the job. */
function jobDeregister(txn: Txn, cmd: JobDeregisterCommand): Outcome {
  if (cmd.purge) {
    txn.deleteJob(cmd.namespace, cmd.jobId);
    if (cmd.eval !== undefined) txn.upsertEval({ ...cmd.eval, jobModifyIndex: txn.index });
    return OK;
  }
  const current = txn.state.jobs.get(key(cmd.namespace, cmd.jobId));
  if (current === undefined) return fail("not-found", `job "${cmd.jobId}" in namespace "${cmd.namespace}" not found`);
  const { job } = txn.upsertJob({ ...current, stop: true, submitTimeMs: cmd.submitTimeMs ?? current.submitTimeMs });
  if (cmd.eval !== undefined) txn.upsertEval({ ...cmd.eval, jobModifyIndex: job.jobModifyIndex });
  return jobResult(job);
}

function jobStability(txn: Txn, cmd: JobStabilityCommand): Outcome {
  if (!txn.setJobStability(cmd.namespace, cmd.jobId, cmd.version, cmd.stable)) {
    return fail("not-found", `job "${cmd.jobId}" in namespace "${cmd.namespace}" has no version ${cmd.version}`);
  }
  return OK;
}

function jobScale(txn: Txn, cmd: JobScaleCommand): Outcome {
  const current = txn.state.jobs.get(key(cmd.namespace, cmd.jobId));
  if (current === undefined) return fail("not-found", `job "${cmd.jobId}" in namespace "${cmd.namespace}" not found`);
  if (!current.taskGroups.some((tg) => tg.name === cmd.group)) {
    return fail("invalid", `job "${cmd.jobId}" has no task group "${cmd.group}"`);
  }
  if (!Number.isInteger(cmd.count) || cmd.count < 0) return fail("invalid", `count must be a whole number ≥ 0, not ${cmd.count}`);
  const scaled: Job = {
    ...current,
    taskGroups: current.taskGroups.map((tg) => (tg.name === cmd.group ? { ...tg, count: cmd.count } : tg)),
    submitTimeMs: cmd.submitTimeMs ?? current.submitTimeMs,
  };
  const { job, changed } = txn.upsertJob(scaled);
  if (cmd.eval !== undefined) txn.upsertEval({ ...cmd.eval, jobModifyIndex: job.jobModifyIndex });
  return jobResult(job, changed);
}

// --- nodes -------------------------------------------------------------------------------------

function withoutDrain(node: Node): Node {
  const { drainStrategy: _drain, ...rest } = node;
  return rest;
}

/**
 * Nomad's upsertNodeTxn. A re-registration refreshes what the client fingerprinted and its
 * status, but keeps the node's identity (id, secret, create index) and what operators set on it
 * (drain, scheduling eligibility).
 */
function nodeRegister(txn: Txn, cmd: NodeRegisterCommand): Outcome {
  const node = cmd.node;
  if (node.id === "") return fail("invalid", "a node needs an id");
  const existing = txn.state.nodes.get(node.id);
  let row: Node;
  if (existing === undefined) {
    row = { ...node, createIndex: txn.index, modifyIndex: txn.index };
  } else {
    row = {
      ...withoutDrain(node),
      secretId: existing.secretId,
      createIndex: existing.createIndex,
      modifyIndex: txn.index,
      schedulingEligibility: existing.schedulingEligibility,
      ...(existing.drainStrategy === undefined ? {} : { drainStrategy: existing.drainStrategy }),
    };
  }
  txn.writeNode(row, "NodeRegistration");
  for (const ev of cmd.evals ?? []) txn.upsertEval(ev);
  return OK;
}

function nodeMissing(id: string): Outcome {
  return fail("not-found", `node "${id}" not found`);
}

function nodeStatus(txn: Txn, cmd: NodeStatusCommand): Outcome {
  const existing = txn.state.nodes.get(cmd.nodeId);
  if (existing === undefined) return nodeMissing(cmd.nodeId);
  txn.writeNode({
    ...existing,
    status: cmd.status,
    statusDescription: cmd.statusDescription ?? "",
    statusUpdatedAtMs: cmd.updatedAtMs,
    modifyIndex: txn.index,
  }, "NodeStatusUpdate");
  for (const ev of cmd.evals ?? []) txn.upsertEval(ev);
  return OK;
}

function nodeEligibility(txn: Txn, cmd: NodeEligibilityCommand): Outcome {
  const existing = txn.state.nodes.get(cmd.nodeId);
  if (existing === undefined) return nodeMissing(cmd.nodeId);
  if (cmd.eligibility === "eligible" && existing.drainStrategy !== undefined) {
    return fail("invalid", `node "${cmd.nodeId}" is draining; it cannot be made eligible until the drain ends`);
  }
  txn.writeNode({ ...existing, schedulingEligibility: cmd.eligibility, modifyIndex: txn.index }, "NodeEligibility");
  for (const ev of cmd.evals ?? []) txn.upsertEval(ev);
  return OK;
}

/** A drain makes the node ineligible; ending one makes it eligible again only if asked. */
function nodeDrain(txn: Txn, cmd: NodeDrainCommand): Outcome {
  const existing = txn.state.nodes.get(cmd.nodeId);
  if (existing === undefined) return nodeMissing(cmd.nodeId);
  const row: Node = cmd.drainStrategy !== undefined
    ? { ...existing, drainStrategy: cmd.drainStrategy, schedulingEligibility: "ineligible", modifyIndex: txn.index }
    : {
      ...withoutDrain(existing),
      schedulingEligibility: cmd.markEligible === true ? "eligible" : existing.schedulingEligibility,
      modifyIndex: txn.index,
    };
  txn.writeNode(row, "NodeDrain");
  for (const ev of cmd.evals ?? []) txn.upsertEval(ev);
  return OK;
}

function nodeDeregister(txn: Txn, cmd: NodeDeregisterCommand): Outcome {
  return notFound(cmd.nodeIds.filter((id) => !txn.deleteNode(id)));
}

// --- allocations -------------------------------------------------------------------------------

/**
 * Nomad's upsertAllocsImpl for one allocation. An update keeps what the client owns (task
 * states, client status — unless the scheduler declares the allocation lost or unknown) and the
 * create index; a placement that replaces an earlier allocation links the two.
 */
function upsertAlloc(txn: Txn, input: AllocationInput, planJob: Job | undefined): boolean {
  const existing = txn.alloc(input.id);
  const job = input.job
    ?? (planJob !== undefined && planJob.id === input.jobId && planJob.namespace === input.namespace ? planJob : undefined)
    ?? existing?.job
    ?? txn.state.jobs.get(key(input.namespace, input.jobId));
  if (job === undefined) return false;
  const nodes = (id: string) => txn.state.nodes.get(id);
  if (existing !== undefined) {
    const row: Allocation = sharedAllocation({
      ...input,
      job,
      createIndex: existing.createIndex,
      modifyIndex: txn.index,
      allocModifyIndex: txn.index,
      taskStates: existing.taskStates,
      createTimeMs: existing.createTimeMs,
    }, job, nodes);
    if (input.clientStatus !== "lost" && input.clientStatus !== "unknown") {
      row.clientStatus = existing.clientStatus;
      row.clientDescription = existing.clientDescription;
    }
    const stopped = isAllocTerminal(row) && !isAllocTerminal(existing);
    txn.writeAlloc(row, existing, stopped || row.desiredStatus !== existing.desiredStatus ? "AllocationUpdateDesiredStatus" : "AllocationUpdated");
    return true;
  }
  const row: Allocation = sharedAllocation({ ...input, job, createIndex: txn.index, modifyIndex: txn.index, allocModifyIndex: txn.index }, job, nodes);
  if (row.deploymentStatus !== undefined) row.deploymentStatus = { ...row.deploymentStatus, modifyIndex: txn.index };
  if (row.previousAllocation !== "") {
    const previous = txn.alloc(row.previousAllocation);
    if (previous !== undefined && previous.nextAllocation !== row.id) {
      txn.writeAlloc({ ...previous, nextAllocation: row.id, modifyIndex: txn.index }, previous, "AllocationUpdated");
    }
  }
  txn.writeAlloc(row, undefined, "AllocationCreated");
  return true;
}

/** Nomad's DenormalizeAllocationDiffSlice + upsert: a plan's stop applied to the stored row. */
function stopAlloc(txn: Txn, stop: AllocStop, desired: "stop" | "evict"): boolean {
  const existing = txn.alloc(stop.allocId);
  if (existing === undefined) return false;
  const row: Allocation = {
    ...existing,
    desiredStatus: stop.desiredStatus ?? desired,
    desiredDescription: stop.desiredDescription,
    modifyIndex: txn.index,
    allocModifyIndex: txn.index,
  };
  if (stop.clientStatus !== undefined) row.clientStatus = stop.clientStatus;
  if (stop.clientDescription !== undefined) row.clientDescription = stop.clientDescription;
  if (stop.followupEvalId !== undefined && stop.followupEvalId !== "") row.followupEvalId = stop.followupEvalId;
  if (stop.modifyTimeMs !== undefined && stop.modifyTimeMs !== 0) row.modifyTimeMs = stop.modifyTimeMs;
  txn.writeAlloc(row, existing, "AllocationUpdateDesiredStatus");
  return true;
}

function updateDeploymentStatus(txn: Txn, update: DeploymentStatusUpdate): boolean {
  const existing = txn.state.deployments.get(update.deploymentId);
  if (existing === undefined) return false;
  txn.writeDeployment(
    { ...existing, status: update.status, statusDescription: update.statusDescription, modifyIndex: txn.index },
    existing, "DeploymentStatusUpdate");
  return true;
}

/**
 * A plan's job, decoded from the log, is a fresh copy of a job the state already holds; use the
 * stored object instead so allocations share one job per version (memory, snapshot size).
 */
function internJob(txn: Txn, job: Job): Job {
  const candidates = [
    txn.state.jobs.get(key(job.namespace, job.id)),
    txn.state.jobVersions.get(key(job.namespace, job.id, pad(job.version))),
  ];
  for (const stored of candidates) {
    if (stored !== undefined && stored.jobModifyIndex === job.jobModifyIndex && deepEqual(stored, job)) return stored;
  }
  return job;
}

/** Nomad's UpsertPlanResults: deployment first (so placements count in it), then allocations. */
function allocUpsert(txn: Txn, cmd: AllocUpsertCommand): Outcome {
  const missing: string[] = [];
  const planJob = cmd.job === undefined ? undefined : internJob(txn, cmd.job);
  if (cmd.deployment !== undefined) txn.upsertDeployment(cmd.deployment);
  for (const u of cmd.deploymentUpdates ?? []) if (!updateDeploymentStatus(txn, u)) missing.push(u.deploymentId);
  if (cmd.evalId !== undefined && cmd.evalId !== "") txn.touchEval(cmd.evalId);
  for (const s of cmd.stopped ?? []) if (!stopAlloc(txn, s, "stop")) missing.push(s.allocId);
  for (const p of cmd.preempted ?? []) if (!stopAlloc(txn, p, "evict")) missing.push(p.allocId);
  for (const a of cmd.allocs) if (!upsertAlloc(txn, a, planJob)) missing.push(a.id);
  for (const ev of cmd.evals ?? []) txn.upsertEval(ev);
  return notFound(missing);
}

/**
 * Nomad's nestedUpdateAllocFromClient: the client is the authority on client status, task states
 * and deployment health; everything the servers decided stays as it is.
 */
function allocClientUpdate(txn: Txn, cmd: AllocClientUpdateCommand): Outcome {
  const missing: string[] = [];
  for (const u of cmd.updates) {
    const existing = txn.alloc(u.allocId);
    if (existing === undefined) {
      missing.push(u.allocId);
      continue;
    }
    // A copy by allocRow, not a spread: a spread of a row is several times slower, and this runs
    // once for every allocation every time its client reports.
    const row = allocRow(existing);
    row.clientStatus = u.clientStatus;
    row.clientDescription = sharedDescription(u.clientDescription);
    row.taskStates = sharedTaskStates(u.taskStates);
    row.modifyIndex = txn.index;
    row.modifyTimeMs = u.modifyTimeMs;
    const reported = u.deploymentStatus;
    if (reported?.healthy !== undefined) {
      const known = existing.deploymentStatus;
      if (known === undefined) {
        row.deploymentStatus = { ...reported, modifyIndex: txn.index };
      } else if (known.healthy !== reported.healthy) {
        row.deploymentStatus = { ...known, healthy: reported.healthy, timestampMs: reported.timestampMs, modifyIndex: txn.index };
      }
    }
    txn.writeAlloc(row, existing, "AllocationUpdated");
  }
  for (const ev of cmd.evals ?? []) txn.upsertEval(ev);
  return notFound(missing);
}

// --- evaluations -------------------------------------------------------------------------------

function evalUpsert(txn: Txn, cmd: EvalUpsertCommand): Outcome {
  for (const ev of cmd.evals) txn.upsertEval(ev);
  return OK;
}

/** Garbage collection: evaluations and allocations go; their jobs may now be dead. */
function evalDelete(txn: Txn, cmd: EvalDeleteCommand): Outcome {
  const missing = cmd.evalIds.filter((id) => !txn.deleteEval(id));
  for (const id of cmd.allocIds) if (!txn.deleteAlloc(id)) missing.push(id);
  return notFound(missing);
}

// --- deployments -------------------------------------------------------------------------------

function deploymentUpsert(txn: Txn, cmd: DeploymentUpsertCommand): Outcome {
  txn.upsertDeployment(cmd.deployment);
  return OK;
}

function deploymentStatus(txn: Txn, cmd: DeploymentStatusCommand): Outcome {
  const missing = cmd.updates.filter((u) => !updateDeploymentStatus(txn, u)).map((u) => u.deploymentId);
  if (cmd.job !== undefined) txn.upsertJob(cmd.job);
  if (cmd.eval !== undefined) txn.upsertEval(cmd.eval);
  return notFound(missing);
}

const DEPLOYMENT_RUNNING = "Deployment is running";

/**
 * Nomad's updateDeploymentPromotionImpl: every promoted group needs as many healthy canaries as
 * it asked for; promoted canaries stop being canaries.
 */
function deploymentPromote(txn: Txn, cmd: DeploymentPromoteCommand): Outcome {
  const deployment = txn.state.deployments.get(cmd.deploymentId);
  if (deployment === undefined) return fail("not-found", `deployment "${cmd.deploymentId}" not found`);
  const groups = cmd.groups === undefined ? undefined : new Set(cmd.groups);
  for (const g of groups ?? []) {
    if (deployment.taskGroups[g] === undefined) return fail("invalid", `deployment "${cmd.deploymentId}" has no task group "${g}"`);
  }
  const promoting = (tg: string) => groups === undefined || groups.has(tg);
  const canaries = new Set(Object.values(deployment.taskGroups).flatMap((s) => s.placedCanaries));
  const healthy = new Map<string, number>();
  const promotable: Allocation[] = [];
  for (const alloc of txn.view().allocsByDeployment(deployment.id)) {
    if (!canaries.has(alloc.id) || !promoting(alloc.taskGroup)) continue;
    if (isAllocTerminal(alloc) || alloc.deploymentStatus?.healthy !== true) continue;
    healthy.set(alloc.taskGroup, (healthy.get(alloc.taskGroup) ?? 0) + 1);
    promotable.push(alloc);
  }
  const short: string[] = [];
  for (const [tg, state] of Object.entries(deployment.taskGroups)) {
    if (!promoting(tg) || state.desiredCanaries === 0) continue;
    const have = healthy.get(tg) ?? 0;
    if (have < state.desiredCanaries) short.push(`task group "${tg}" has ${have}/${state.desiredCanaries} healthy canaries`);
  }
  if (short.length > 0) return fail("invalid", `cannot promote deployment "${deployment.id}": ${short.join("; ")}`);
  const taskGroups = { ...deployment.taskGroups };
  for (const [tg, state] of Object.entries(taskGroups)) {
    if (!promoting(tg)) continue;
    const requireProgressByMs = state.progressDeadlineMs > 0 && state.requireProgressByMs !== 0
      ? cmd.timeMs + state.progressDeadlineMs
      : state.requireProgressByMs;
    taskGroups[tg] = { ...state, promoted: true, requireProgressByMs };
  }
  const needsPromotion = Object.values(taskGroups).some((s) => s.desiredCanaries > 0 && !s.promoted);
  const statusDescription = !needsPromotion && deployment.status === "running" ? DEPLOYMENT_RUNNING : deployment.statusDescription;
  txn.writeDeployment({ ...deployment, taskGroups, statusDescription, modifyIndex: txn.index }, deployment, "DeploymentPromotion");
  if (cmd.eval !== undefined) txn.upsertEval(cmd.eval);
  for (const alloc of promotable) {
    const current = txn.alloc(alloc.id) ?? alloc;
    if (current.deploymentStatus === undefined) continue;
    txn.writeAlloc({
      ...current,
      deploymentStatus: { ...current.deploymentStatus, canary: false, modifyIndex: txn.index },
      modifyIndex: txn.index,
      allocModifyIndex: txn.index,
    }, current, "AllocationUpdated");
  }
  return OK;
}

/** Nomad's updateDeploymentAllocHealthImpl; an unknown allocation fails the whole command. */
function deploymentAllocHealth(txn: Txn, cmd: DeploymentAllocHealthCommand): Outcome {
  if (txn.state.deployments.get(cmd.deploymentId) === undefined) return fail("not-found", `deployment "${cmd.deploymentId}" not found`);
  const marks: [string, boolean][] = [
    ...cmd.healthyAllocIds.map((id): [string, boolean] => [id, true]),
    ...cmd.unhealthyAllocIds.map((id): [string, boolean] => [id, false]),
  ];
  for (const [id, healthy] of marks) {
    const existing = txn.alloc(id);
    if (existing === undefined) return fail("not-found", `allocation "${id}" not found`);
    if (existing.deploymentId !== cmd.deploymentId) {
      return fail("invalid", `allocation "${id}" is not part of deployment "${cmd.deploymentId}"`);
    }
    const status = existing.deploymentStatus ?? { timestampMs: 0, canary: false, modifyIndex: 0 };
    txn.writeAlloc({
      ...existing,
      deploymentStatus: { ...status, healthy, timestampMs: cmd.timestampMs, modifyIndex: txn.index },
      modifyIndex: txn.index,
    }, existing, "AllocationUpdated");
  }
  if (cmd.update !== undefined && !updateDeploymentStatus(txn, cmd.update)) {
    return fail("not-found", `deployment "${cmd.update.deploymentId}" not found`);
  }
  if (cmd.job !== undefined) txn.upsertJob(cmd.job);
  if (cmd.eval !== undefined) txn.upsertEval(cmd.eval);
  return OK;
}

function deploymentDelete(txn: Txn, cmd: DeploymentDeleteCommand): Outcome {
  return notFound(cmd.deploymentIds.filter((id) => !txn.deleteDeployment(id)));
}

// --- variables ---------------------------------------------------------------------------------

function casConflict(path: string, checkIndex: number, current: Variable | undefined): Outcome {
  const have = current === undefined ? "it does not exist" : `its modify index is ${current.modifyIndex}`;
  return { ok: false, code: "cas-conflict", error: `cas conflict: variable "${path}" was expected at index ${checkIndex} but ${have}`, current: current ?? null };
}

/** Nomad's varSetTxn / varSetCASTxn. */
function varPut(txn: Txn, cmd: VarPutCommand): Outcome {
  if (cmd.path === "") return fail("invalid", "a variable needs a path");
  const namespace = cmd.namespace ?? DEFAULT_VARIABLE_NAMESPACE;
  const existing = txn.state.variables.get(key(namespace, cmd.path));
  if (cmd.checkIndex !== undefined) {
    const matches = cmd.checkIndex === 0 ? existing === undefined : existing?.modifyIndex === cmd.checkIndex;
    if (!matches) return casConflict(cmd.path, cmd.checkIndex, existing);
  }
  const timeMs = cmd.timeMs ?? 0;
  const v: Variable = {
    namespace,
    path: cmd.path,
    items: cmd.items,
    createIndex: existing?.createIndex ?? txn.index,
    modifyIndex: txn.index,
    createTimeMs: existing?.createTimeMs ?? timeMs,
    modifyTimeMs: timeMs,
  };
  txn.writeVariable(v);
  return { ok: true, extra: { variable: variableMetadata(v) } };
}

/** Nomad's varDeleteTxn / varDeleteCASTxn: deleting what is not there succeeds unless a CAS says otherwise. */
function varDelete(txn: Txn, cmd: VarDeleteCommand): Outcome {
  const namespace = cmd.namespace ?? DEFAULT_VARIABLE_NAMESPACE;
  const existing = txn.state.variables.get(key(namespace, cmd.path));
  if (cmd.checkIndex !== undefined) {
    const matches = existing === undefined ? cmd.checkIndex === 0 : existing.modifyIndex === cmd.checkIndex;
    if (!matches) return casConflict(cmd.path, cmd.checkIndex, existing);
  }
  if (existing !== undefined) txn.deleteVariable(existing);
  return OK;
}
