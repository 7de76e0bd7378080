// Decodes the `job` block and applies Nomad's canonicalization: defaults per job type, and the
// inheritance of restart/reschedule/update/migrate from job to group to task.

import {
  DEFAULT_DATACENTERS, DEFAULT_NAMESPACE, DEFAULT_NODE_POOL, DEFAULT_PRIORITY, DEFAULT_REGION,
  defaultMigrateStrategy, defaultReschedulePolicy, defaultRestartPolicy, defaultUpdateStrategy,
} from "../model/defaults.js";
import { JOB_TYPES, type Job, type JobType, type MigrateStrategy, type ParameterizedConfig, type PeriodicConfig, type ReschedulePolicy, type Service, type UpdateStrategy } from "../model/job.js";
import { readAffinities, readConstraints, readMigrate, readReschedule, readSpreads, readUpdate } from "./blocks.js";
import { readGroup, type DecodedGroup } from "./group.js";
import type { BodyReader } from "./reader.js";
import { readIntegration } from "./task.js";

function readPeriodic(parent: BodyReader): PeriodicConfig | undefined {
  const block = parent.single("periodic");
  if (!block) return undefined;
  const r = parent.child(block, "periodic");
  const cron = r.string("cron");
  const periodic: PeriodicConfig = {
    enabled: r.bool("enabled") ?? true,
    specs: r.stringList("crons") ?? (cron === undefined ? [] : [cron]),
    specType: (r.string("spec_type") ?? "cron") as "cron",
    prohibitOverlap: r.bool("prohibit_overlap") ?? false,
    timeZone: r.string("time_zone") ?? "UTC",
  };
  r.finish();
  return periodic;
}

function readParameterized(parent: BodyReader): ParameterizedConfig | undefined {
  const block = parent.single("parameterized");
  if (!block) return undefined;
  const r = parent.child(block, "parameterized");
  const config: ParameterizedConfig = {
    payload: (r.string("payload") ?? "optional") as ParameterizedConfig["payload"],
    metaRequired: r.stringList("meta_required") ?? [],
    metaOptional: r.stringList("meta_optional") ?? [],
  };
  r.finish();
  return config;
}

/** Nomad names unnamed services `<job>-<group>[-<task>]` and expands ${JOB}, ${TASKGROUP}, ${TASK}. */
function canonicalServiceName(service: Service, job: string, group: string, task?: string): void {
  const fallback = task === undefined ? "${JOB}-${TASKGROUP}" : "${JOB}-${TASKGROUP}-${TASK}";
  service.name = (service.name || fallback)
    .replaceAll("${JOB}", job)
    .replaceAll("${TASKGROUP}", group)
    .replaceAll("${TASK}", task ?? "")
    .replaceAll("${BASE}", `${job}-${group}${task === undefined ? "" : `-${task}`}`);
}

const usesUpdate = (type: JobType) => type === "service" || type === "system";

function canonicalizeGroup(job: Job, decoded: DecodedGroup, jobPolicies: JobPolicies): void {
  const { group } = decoded;
  group.restartPolicy = { ...defaultRestartPolicy(job.type), ...decoded.restart };
  for (const { task, restart } of decoded.tasks) {
    task.restartPolicy = { ...group.restartPolicy, ...restart };
    for (const service of task.services) canonicalServiceName(service, job.id, group.name, task.name);
  }
  for (const service of group.services) canonicalServiceName(service, job.id, group.name);
  const reschedule = defaultReschedulePolicy(job.type);
  if (reschedule) group.reschedulePolicy = { ...reschedule, ...jobPolicies.reschedule, ...decoded.reschedule };
  if (usesUpdate(job.type)) group.update = { ...defaultUpdateStrategy(), ...jobPolicies.update, ...decoded.update };
  if (job.type === "service") group.migrate = { ...defaultMigrateStrategy(), ...jobPolicies.migrate, ...decoded.migrate };
}

interface JobPolicies {
  reschedule: Partial<ReschedulePolicy> | undefined;
  update: Partial<UpdateStrategy> | undefined;
  migrate: Partial<MigrateStrategy> | undefined;
}

/** Policy blocks some job types do not take; Nomad rejects them rather than silently ignoring them. */
function checkPolicyBlocks(r: BodyReader, type: JobType, groupReaders: BodyReader[]): void {
  const rules: [string, (t: JobType) => boolean, string][] = [
    ["reschedule", (t) => t === "service" || t === "batch", "service and batch jobs"],
    ["update", usesUpdate, "service and system jobs"],
    ["migrate", (t) => t === "service", "service jobs"],
  ];
  for (const reader of [r, ...groupReaders]) {
    for (const [block, allowed, which] of rules) {
      const found = reader.body.blocks.find((b) => b.type === block);
      if (found && !allowed(type)) {
        r.scope.diagnostics.add([...reader.path, block], `a "${block}" block applies only to ${which}, not to a ${type} job`, found.typeRange);
      }
    }
  }
}

export function readJob(r: BodyReader, id: string): Job {
  const type = (r.string("type") ?? "service") as JobType;
  const groupBlocks = r.blocks("group");
  const groupReaders = groupBlocks.map((block) => {
    r.expectLabels(block, 1, "group name");
    return r.child(block, `group "${block.labels[0] ?? ""}"`);
  });
  const groups = groupBlocks.map((block, i) => readGroup(groupReaders[i] as BodyReader, block.labels[0] ?? ""));
  const policies: JobPolicies = { reschedule: readReschedule(r), update: readUpdate(r), migrate: readMigrate(r) };
  const job: Job = {
    id,
    name: r.string("name") ?? id,
    namespace: r.string("namespace") ?? DEFAULT_NAMESPACE,
    region: r.string("region") ?? DEFAULT_REGION,
    type,
    priority: r.int("priority") ?? DEFAULT_PRIORITY,
    allAtOnce: r.bool("all_at_once") ?? false,
    datacenters: r.stringList("datacenters") ?? [...DEFAULT_DATACENTERS],
    nodePool: r.string("node_pool") ?? DEFAULT_NODE_POOL,
    constraints: readConstraints(r),
    affinities: readAffinities(r),
    spreads: readSpreads(r),
    taskGroups: groups.map((g) => g.group),
    meta: r.stringMap("meta") ?? {},
    stop: false,
    status: "pending",
    version: 0,
    submitTimeMs: 0,
    createIndex: 0,
    modifyIndex: 0,
    jobModifyIndex: 0,
  };
  const periodic = readPeriodic(r);
  if (periodic) job.periodic = periodic;
  const parameterized = readParameterized(r);
  if (parameterized) job.parameterized = parameterized;
  if (policies.update && usesUpdate(type)) job.update = { ...defaultUpdateStrategy(), ...policies.update };
  const vault = readIntegration(r, "vault");
  if (vault) job.vault = vault;
  const consul = readIntegration(r, "consul");
  if (consul) job.consul = consul;
  const vaultToken = r.string("vault_token");
  if (vaultToken !== undefined) job.vaultToken = vaultToken;
  const consulToken = r.string("consul_token");
  if (consulToken !== undefined) job.consulToken = consulToken;
  for (const dataBlock of ["ui", "multiregion"]) readIntegration(r, dataBlock);
  if (JOB_TYPES.includes(type)) checkPolicyBlocks(r, type, groupReaders);
  for (const group of groups) canonicalizeGroup(job, group, policies);
  r.finish();
  return job;
}
