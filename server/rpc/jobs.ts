// The Jobs API: registering, stopping, scaling and planning jobs (writes through the leader),
// and reading them with their versions, allocations and evaluations.

import * as pb from "../../proto/index.js";
import { allocStub, jobListStub, validateJob, type Job } from "../../shared/model/index.js";
import {
  allocMetricToWire, allocStubToWire, evalToWire, jobDiffToWire, jobFromWire, jobListStubToWire, jobSummaryToWire, jobToWire,
} from "../../shared/wire/index.js";
import { annotateDiff, diffJobs } from "../scheduler/diff/index.js";
import { newEval } from "../leader/evals.js";
import type { SchedulerAlgorithm } from "../scheduler/index.js";
import type { ApplyResult, StateCommand, StateStore } from "../state/index.js";
import type { ServerContext } from "./context.js";
import { invalid, notFound, RpcError } from "./errors.js";
import { dryRun } from "./job-plan.js";
import { blockingRead, namespaceOf, readRouting, requireId } from "./query.js";
import * as grpc from "@grpc/grpc-js";

export type Propose = (command: StateCommand) => Promise<{ index: number; result: unknown }>;

export interface JobsModules {
  store: StateStore;
  propose: Propose;
  algorithm(): SchedulerAlgorithm;
}

/** The job from the request, with what the servers fill in, validated. */
function incomingJob(wire: pb.Job | undefined, namespace: string): Job {
  if (!wire) throw invalid("the request has no job");
  let job: Job;
  try {
    job = jobFromWire(wire);
  } catch (err) {
    throw invalid(`the job is malformed: ${(err as Error).message}`);
  }
  job = { ...job, namespace: job.namespace || namespace, submitTimeMs: Date.now(), stop: false };
  const problems = validateJob(job);
  if (problems.length > 0) {
    throw invalid(`the job is invalid:\n${problems.map((p) => `  * ${p.path.length > 0 ? `${p.path.join(".")}: ` : ""}${p.message}`).join("\n")}`);
  }
  return job;
}

function checkIndex(current: Job | undefined, expected: number | undefined): void {
  if (expected === undefined) return;
  const actual = current?.jobModifyIndex ?? 0;
  if (actual !== expected) {
    throw new RpcError(grpc.status.FAILED_PRECONDITION, expected === 0
      ? `job "${current?.id}" already exists (check index ${expected}, current ${actual})`
      : `the job changed since it was read: check index ${expected}, current job modify index ${actual}`);
  }
}

function applied(result: unknown): ApplyResult & { ok: true } {
  const r = result as ApplyResult;
  if (!r.ok) throw r.code === "not-found" ? new RpcError(grpc.status.NOT_FOUND, r.error) : invalid(r.error);
  return r;
}

/** Periodic and parameterized jobs get evaluations when an instance launches, not when registered. */
function needsEval(job: Job): boolean {
  return job.periodic === undefined && job.parameterized === undefined;
}

export function jobsService(ctx: ServerContext, m: JobsModules): pb.JobsServer {
  const f = ctx.forwarder;
  const method = pb.JobsService;
  const { store, propose } = m;
  const existing = (namespace: string, id: string): Job => {
    const job = store.snapshot().job(namespace, id);
    if (!job) throw notFound(`job "${id}"`);
    return job;
  };

  const register = async (job: Job, check: number | undefined, preserveCounts: boolean) => {
    const current = store.snapshot().job(job.namespace, job.id);
    checkIndex(current, check);
    if (preserveCounts && current) {
      job = { ...job, taskGroups: job.taskGroups.map((tg) => ({ ...tg, count: current.taskGroups.find((c) => c.name === tg.name)?.count ?? tg.count })) };
    }
    const ev = needsEval(job) ? newEval(job, "job-register") : undefined;
    const { index, result } = await propose({ type: "job.register", job, ...(ev ? { eval: ev } : {}) });
    const r = applied(result);
    return { evalId: ev?.id ?? "", evalCreateIndex: ev ? index : 0, jobModifyIndex: r.jobModifyIndex ?? index, warnings: [], meta: { index } };
  };

  return {
    register: f.unary("leader-write", method.register, async (req) =>
      register(incomingJob(req.job, namespaceOf(req.options)), req.checkIndex, req.preserveCounts)),

    deregister: f.unary("leader-write", method.deregister, async (req) => {
      const namespace = namespaceOf(req.options);
      const job = existing(namespace, requireId(req.jobId, "job id"));
      const ev = newEval(job, "job-deregister");
      const { index, result } = await propose({ type: "job.deregister", namespace, jobId: job.id, purge: req.purge, submitTimeMs: Date.now(), eval: ev });
      const r = applied(result);
      return { evalId: ev.id, evalCreateIndex: index, jobModifyIndex: r.jobModifyIndex ?? index, meta: { index } };
    }),

    plan: f.unary("leader-read", method.plan, async (req) => {
      const job = incomingJob(req.job, namespaceOf(req.options));
      const run = dryRun(store.snapshot(), job, m.algorithm());
      const updates: Record<string, pb.DesiredUpdates> = {};
      for (const [group, d] of Object.entries(run.desiredTGUpdates)) {
        updates[group] = {
          ignore: d.ignore, place: d.place, migrate: d.migrate, stop: d.stop, inPlaceUpdate: d.inPlaceUpdate,
          destructiveUpdate: d.destructiveUpdate, canary: d.canary, preemptions: 0,
        };
      }
      const failed: Record<string, pb.AllocMetric> = {};
      for (const [group, metric] of Object.entries(run.failedTgAllocs)) failed[group] = allocMetricToWire(metric);
      const diff = req.diff ? jobDiffToWire(annotateDiff(diffJobs(run.current, run.planned), run.desiredTGUpdates)) : undefined;
      return {
        ...(diff ? { diff } : {}),
        desiredTgUpdates: updates, failedTgAllocs: failed, jobModifyIndex: run.current?.jobModifyIndex ?? 0,
        nextPeriodicLaunchMs: 0, warnings: [],
      };
    }),

    list: f.unary(readRouting, method.list, async (req) => {
      const namespace = req.options?.namespace || "*";
      const { value, meta } = await blockingRead(ctx, store, req.options, ["jobs", "jobSummaries"], (snap) =>
        snap.jobs(namespace).filter((j) => j.id.startsWith(req.prefix)).map((j) => jobListStub(j, snap.jobSummary(j.namespace, j.id))));
      return { jobs: value.map(jobListStubToWire), meta };
    }),

    get: f.unary(readRouting, method.get, async (req) => {
      const namespace = namespaceOf(req.options);
      requireId(req.jobId, "job id");
      const { value, meta } = await blockingRead(ctx, store, req.options, ["jobs", "jobSummaries"], (snap) => ({
        job: req.version === undefined ? snap.job(namespace, req.jobId) : snap.jobVersion(namespace, req.jobId, req.version),
        summary: snap.jobSummary(namespace, req.jobId),
      }));
      if (!value.job) throw notFound(req.version === undefined ? `job "${req.jobId}"` : `version ${req.version} of job "${req.jobId}"`);
      return { job: jobToWire(value.job), ...(value.summary ? { summary: jobSummaryToWire(value.summary) } : {}), meta };
    }),

    versions: f.unary(readRouting, method.versions, async (req) => {
      const namespace = namespaceOf(req.options);
      const { value, meta } = await blockingRead(ctx, store, req.options, ["jobVersions"], (snap) => snap.jobVersions(namespace, req.jobId));
      if (value.length === 0) throw notFound(`job "${req.jobId}"`);
      // diffs[i] compares versions[i] with the version before it (the next, older entry).
      const diffs = req.diffs ? value.slice(0, -1).map((v, i) => jobDiffToWire(diffJobs(value[i + 1], v))) : [];
      return { versions: value.map(jobToWire), diffs, meta };
    }),

    allocations: f.unary(readRouting, method.allocations, async (req) => {
      const namespace = namespaceOf(req.options);
      const { value, meta } = await blockingRead(ctx, store, req.options, ["allocs"], (snap) => snap.allocsByJob(namespace, req.jobId));
      return { allocations: value.map((a) => allocStubToWire(allocStub(a))), meta };
    }),

    evaluations: f.unary(readRouting, method.evaluations, async (req) => {
      const namespace = namespaceOf(req.options);
      const { value, meta } = await blockingRead(ctx, store, req.options, ["evals"], (snap) =>
        [...snap.evalsByJob(namespace, req.jobId)].sort((a, b) => b.createIndex - a.createIndex));
      return { evaluations: value.map(evalToWire), meta };
    }),

    scale: f.unary("leader-write", method.scale, async (req) => {
      const namespace = namespaceOf(req.options);
      const job = existing(namespace, requireId(req.jobId, "job id"));
      checkIndex(job, req.checkIndex);
      const group = req.taskGroup || (job.taskGroups.length === 1 ? job.taskGroups[0]?.name ?? "" : "");
      if (!job.taskGroups.some((tg) => tg.name === group)) {
        throw invalid(req.taskGroup ? `job "${job.id}" has no task group "${req.taskGroup}"` : `job "${job.id}" has several task groups; name the one to scale`);
      }
      if (req.count === undefined) return { evalId: "", evalCreateIndex: 0, jobModifyIndex: job.jobModifyIndex, meta: { index: store.latestIndex } };
      if (req.count < 0) throw invalid(`count must be 0 or more, not ${req.count}`);
      const ev = newEval(job, "job-scaling");
      const { index, result } = await propose({ type: "job.scale", namespace, jobId: job.id, group, count: req.count, submitTimeMs: Date.now(), eval: ev });
      const r = applied(result);
      return { evalId: ev.id, evalCreateIndex: index, jobModifyIndex: r.jobModifyIndex ?? index, meta: { index } };
    }),

    revert: f.unary("leader-write", method.revert, async (req) => {
      const namespace = namespaceOf(req.options);
      const current = existing(namespace, requireId(req.jobId, "job id"));
      if (req.enforcePriorVersion !== undefined && current.version !== req.enforcePriorVersion) {
        throw new RpcError(grpc.status.FAILED_PRECONDITION, `the current version is ${current.version}, not ${req.enforcePriorVersion}`);
      }
      const target = store.snapshot().jobVersion(namespace, current.id, req.version);
      if (!target) throw notFound(`version ${req.version} of job "${current.id}"`);
      if (target.version === current.version) throw invalid(`version ${req.version} is already the current version`);
      const r = await register({ ...target, stop: false, submitTimeMs: Date.now() }, undefined, false);
      return { evalId: r.evalId, evalCreateIndex: r.evalCreateIndex, jobModifyIndex: r.jobModifyIndex, meta: r.meta };
    }),

    dispatch: f.unary("leader-write", method.dispatch, async (req) => {
      const namespace = namespaceOf(req.options);
      const parent = existing(namespace, requireId(req.jobId, "job id"));
      const spec = parent.parameterized;
      if (!spec) throw invalid(`job "${parent.id}" is not parameterized`);
      if (spec.payload === "required" && req.payload.length === 0) throw invalid("this job requires a payload");
      if (spec.payload === "forbidden" && req.payload.length > 0) throw invalid("this job does not take a payload");
      const missing = spec.metaRequired.filter((k) => !(k in req.meta));
      if (missing.length > 0) throw invalid(`missing required meta: ${missing.join(", ")}`);
      const allowed = new Set([...spec.metaRequired, ...spec.metaOptional]);
      const unknown = Object.keys(req.meta).filter((k) => !allowed.has(k));
      if (unknown.length > 0) throw invalid(`meta not allowed by the job: ${unknown.join(", ")}`);
      const childId = `${parent.id}/dispatch-${Math.floor(Date.now() / 1000)}-${Math.random().toString(16).slice(2, 10)}`;
      const { parameterized: _spec, ...rest } = parent;
      const child: Job = { ...rest, id: childId, name: childId, meta: { ...parent.meta, ...req.meta }, submitTimeMs: Date.now(), stop: false };
      const r = await register(child, undefined, false);
      return { dispatchedJobId: childId, evalId: r.evalId, evalCreateIndex: r.evalCreateIndex, jobCreateIndex: r.meta.index, meta: r.meta };
    }),
  };
}

