// Jobs on the wire: Job and everything in it, plus the list and summary views.

import * as pb from "../../proto/index.js";
import type {
  Affinity, Artifact, CheckRestart, Constraint, ConstraintOperator, DelayFunction, DispatchPayload, EphemeralDisk,
  HealthCheckMode, Job, JobListStub, JobStatus, JobSummary, JobType, Lifecycle, LifecycleHook, LogConfig, MigrateStrategy, NetworkResource,
  ParameterizedConfig, PeriodicConfig, Port, RequestedDevice, ReschedulePolicy, Resources, RestartMode, RestartPolicy,
  Service, ServiceCheck, Spread, Task, TaskGroup, Template, UpdateStrategy, VolumeMount, VolumeRequest,
} from "../model/index.js";
import {
  enumCodec, ifPresent, jsonFromWire, jsonObjectFromWire, jsonToWire, mapValues, ms, present, required, stringUnion,
} from "./convert.js";

// ---------------------------------------------------------------------------------------------
// Enums and string vocabularies

export const jobTypeCodec = enumCodec<JobType, pb.JobType>("Job.type", {
  service: pb.JobType.SERVICE,
  batch: pb.JobType.BATCH,
  system: pb.JobType.SYSTEM,
  sysbatch: pb.JobType.SYSBATCH,
});

export const jobStatusCodec = enumCodec<JobStatus, pb.JobStatus>("Job.status", {
  pending: pb.JobStatus.PENDING,
  running: pb.JobStatus.RUNNING,
  dead: pb.JobStatus.DEAD,
});

const constraintOperator = stringUnion<ConstraintOperator>("operator", {
  "=": true, "==": true, is: true, "!=": true, not: true, ">": true, ">=": true, "<": true, "<=": true,
  regexp: true, set_contains: true, set_contains_all: true, set_contains_any: true, version: true, semver: true,
  is_set: true, is_not_set: true, distinct_hosts: true, distinct_property: true,
});
const restartMode = stringUnion<RestartMode>("RestartPolicy.mode", { fail: true, delay: true });
const delayFunction = stringUnion<DelayFunction>("ReschedulePolicy.delayFunction", {
  constant: true, exponential: true, fibonacci: true,
});
const healthCheckMode = stringUnion<HealthCheckMode>("healthCheck", { checks: true, task_states: true, manual: true });
const serviceProvider = stringUnion<Service["provider"]>("Service.provider", { consul: true, nomad: true });
const changeMode = stringUnion<Template["changeMode"]>("Template.changeMode", {
  noop: true, restart: true, signal: true, script: true,
});
const artifactMode = stringUnion<Artifact["mode"]>("Artifact.mode", { any: true, file: true, dir: true });
const lifecycleHook = stringUnion<LifecycleHook>("Lifecycle.hook", { prestart: true, poststart: true, poststop: true });
const volumeType = stringUnion<VolumeRequest["type"]>("VolumeRequest.type", { host: true, csi: true });
const periodicSpecType = stringUnion<PeriodicConfig["specType"]>("PeriodicConfig.specType", { cron: true });
const payloadRequirement = stringUnion<ParameterizedConfig["payload"]>("ParameterizedConfig.payload", {
  optional: true, required: true, forbidden: true,
});

// ---------------------------------------------------------------------------------------------
// Placement rules

export function constraintToWire(c: Constraint): pb.Constraint {
  return { attribute: c.attribute, operator: c.operator, value: c.value };
}

export function constraintFromWire(c: pb.Constraint): Constraint {
  return { attribute: c.attribute, operator: constraintOperator(c.operator), value: c.value };
}

export function affinityToWire(a: Affinity): pb.Affinity {
  return { attribute: a.attribute, operator: a.operator, value: a.value, weight: a.weight };
}

export function affinityFromWire(a: pb.Affinity): Affinity {
  return { attribute: a.attribute, operator: constraintOperator(a.operator), value: a.value, weight: a.weight };
}

function spreadToWire(s: Spread): pb.Spread {
  return { attribute: s.attribute, weight: s.weight, targets: s.targets.map((t) => ({ value: t.value, percent: t.percent })) };
}

function spreadFromWire(s: pb.Spread): Spread {
  return { attribute: s.attribute, weight: s.weight, targets: s.targets.map((t) => ({ value: t.value, percent: t.percent })) };
}

// ---------------------------------------------------------------------------------------------
// Policies

function restartPolicyToWire(p: RestartPolicy): pb.RestartPolicy {
  return {
    attempts: p.attempts, intervalMs: ms(p.intervalMs), delayMs: ms(p.delayMs), mode: p.mode,
    renderTemplates: p.renderTemplates,
  };
}

function restartPolicyFromWire(p: pb.RestartPolicy): RestartPolicy {
  return {
    attempts: p.attempts, intervalMs: p.intervalMs, delayMs: p.delayMs, mode: restartMode(p.mode),
    renderTemplates: p.renderTemplates,
  };
}

function reschedulePolicyToWire(p: ReschedulePolicy): pb.ReschedulePolicy {
  return {
    attempts: p.attempts, intervalMs: ms(p.intervalMs), delayMs: ms(p.delayMs), delayFunction: p.delayFunction,
    maxDelayMs: ms(p.maxDelayMs), unlimited: p.unlimited,
  };
}

function reschedulePolicyFromWire(p: pb.ReschedulePolicy): ReschedulePolicy {
  return {
    attempts: p.attempts, intervalMs: p.intervalMs, delayMs: p.delayMs, delayFunction: delayFunction(p.delayFunction),
    maxDelayMs: p.maxDelayMs, unlimited: p.unlimited,
  };
}

function updateToWire(u: UpdateStrategy): pb.UpdateStrategy {
  return {
    staggerMs: ms(u.staggerMs), maxParallel: u.maxParallel, healthCheck: u.healthCheck,
    minHealthyTimeMs: ms(u.minHealthyTimeMs), healthyDeadlineMs: ms(u.healthyDeadlineMs),
    progressDeadlineMs: ms(u.progressDeadlineMs), autoRevert: u.autoRevert, autoPromote: u.autoPromote, canary: u.canary,
  };
}

function updateFromWire(u: pb.UpdateStrategy): UpdateStrategy {
  return {
    staggerMs: u.staggerMs, maxParallel: u.maxParallel, healthCheck: healthCheckMode(u.healthCheck),
    minHealthyTimeMs: u.minHealthyTimeMs, healthyDeadlineMs: u.healthyDeadlineMs,
    progressDeadlineMs: u.progressDeadlineMs, autoRevert: u.autoRevert, autoPromote: u.autoPromote, canary: u.canary,
  };
}

function migrateToWire(m: MigrateStrategy): pb.MigrateStrategy {
  return {
    maxParallel: m.maxParallel, healthCheck: m.healthCheck, minHealthyTimeMs: ms(m.minHealthyTimeMs),
    healthyDeadlineMs: ms(m.healthyDeadlineMs),
  };
}

function migrateFromWire(m: pb.MigrateStrategy): MigrateStrategy {
  return {
    maxParallel: m.maxParallel, healthCheck: healthCheckMode(m.healthCheck), minHealthyTimeMs: m.minHealthyTimeMs,
    healthyDeadlineMs: m.healthyDeadlineMs,
  };
}

function ephemeralDiskToWire(d: EphemeralDisk): pb.EphemeralDisk {
  return { sizeMb: d.sizeMb, sticky: d.sticky, migrate: d.migrate };
}

function ephemeralDiskFromWire(d: pb.EphemeralDisk): EphemeralDisk {
  return { sizeMb: d.sizeMb, sticky: d.sticky, migrate: d.migrate };
}

// ---------------------------------------------------------------------------------------------
// Resources

function portToWire(p: Port): pb.Port {
  return { label: p.label, value: p.value, to: p.to, hostNetwork: p.hostNetwork };
}

function portFromWire(p: pb.Port): Port {
  return { label: p.label, value: p.value, to: p.to, hostNetwork: p.hostNetwork };
}

function networkToWire(n: NetworkResource): pb.NetworkResource {
  return {
    mode: n.mode,
    mbits: n.mbits,
    reservedPorts: n.reservedPorts.map(portToWire),
    dynamicPorts: n.dynamicPorts.map(portToWire),
    hostname: n.hostname,
    dns: n.dns && { servers: [...n.dns.servers], searches: [...n.dns.searches], options: [...n.dns.options] },
  };
}

function networkFromWire(n: pb.NetworkResource): NetworkResource {
  return {
    mode: n.mode,
    mbits: n.mbits,
    reservedPorts: n.reservedPorts.map(portFromWire),
    dynamicPorts: n.dynamicPorts.map(portFromWire),
    hostname: n.hostname,
    ...ifPresent("dns", n.dns, (d) => ({ servers: [...d.servers], searches: [...d.searches], options: [...d.options] })),
  };
}

function deviceToWire(d: RequestedDevice): pb.RequestedDevice {
  return {
    name: d.name, count: d.count, constraints: d.constraints.map(constraintToWire),
    affinities: d.affinities.map(affinityToWire),
  };
}

function deviceFromWire(d: pb.RequestedDevice): RequestedDevice {
  return {
    name: d.name, count: d.count, constraints: d.constraints.map(constraintFromWire),
    affinities: d.affinities.map(affinityFromWire),
  };
}

function resourcesToWire(r: Resources): pb.Resources {
  return {
    cpuMhz: r.cpuMhz, cores: r.cores, memoryMb: r.memoryMb, memoryMaxMb: r.memoryMaxMb, diskMb: r.diskMb,
    networks: r.networks.map(networkToWire), devices: r.devices.map(deviceToWire),
  };
}

function resourcesFromWire(r: pb.Resources): Resources {
  return {
    cpuMhz: r.cpuMhz, cores: r.cores, memoryMb: r.memoryMb, memoryMaxMb: r.memoryMaxMb, diskMb: r.diskMb,
    networks: r.networks.map(networkFromWire), devices: r.devices.map(deviceFromWire),
  };
}

// ---------------------------------------------------------------------------------------------
// Services

function checkRestartToWire(c: CheckRestart): pb.CheckRestart {
  return { limit: c.limit, graceMs: ms(c.graceMs), ignoreWarnings: c.ignoreWarnings };
}

function checkRestartFromWire(c: pb.CheckRestart): CheckRestart {
  return { limit: c.limit, graceMs: c.graceMs, ignoreWarnings: c.ignoreWarnings };
}

function checkToWire(c: ServiceCheck): pb.ServiceCheck {
  return {
    name: c.name,
    type: c.type,
    command: c.command,
    args: [...c.args],
    path: c.path,
    protocol: c.protocol,
    portLabel: c.portLabel,
    addressMode: c.addressMode,
    intervalMs: ms(c.intervalMs),
    timeoutMs: ms(c.timeoutMs),
    method: c.method,
    header: mapValues(c.header, (values) => ({ values: [...values] })),
    body: c.body,
    expose: c.expose,
    task: c.task,
    initialStatus: c.initialStatus,
    successBeforePassing: c.successBeforePassing,
    failuresBeforeCritical: c.failuresBeforeCritical,
    checkRestart: c.checkRestart && checkRestartToWire(c.checkRestart),
    onUpdate: c.onUpdate,
  };
}

function checkFromWire(c: pb.ServiceCheck): ServiceCheck {
  return {
    name: c.name,
    type: c.type,
    command: c.command,
    args: [...c.args],
    path: c.path,
    protocol: c.protocol,
    portLabel: c.portLabel,
    addressMode: c.addressMode,
    intervalMs: c.intervalMs,
    timeoutMs: c.timeoutMs,
    method: c.method,
    header: mapValues(c.header, (list) => [...list.values]),
    body: c.body,
    expose: c.expose,
    task: c.task,
    initialStatus: c.initialStatus,
    successBeforePassing: c.successBeforePassing,
    failuresBeforeCritical: c.failuresBeforeCritical,
    ...ifPresent("checkRestart", c.checkRestart, checkRestartFromWire),
    onUpdate: c.onUpdate,
  };
}

function serviceToWire(s: Service): pb.Service {
  return {
    name: s.name,
    portLabel: s.portLabel,
    provider: s.provider,
    addressMode: s.addressMode,
    address: s.address,
    tags: [...s.tags],
    canaryTags: [...s.canaryTags],
    enableTagOverride: s.enableTagOverride,
    meta: { ...s.meta },
    canaryMeta: { ...s.canaryMeta },
    taskName: s.taskName,
    checks: s.checks.map(checkToWire),
    onUpdate: s.onUpdate,
    connectJson: jsonToWire(s.connect),
  };
}

function serviceFromWire(s: pb.Service): Service {
  return {
    name: s.name,
    portLabel: s.portLabel,
    provider: serviceProvider(s.provider),
    addressMode: s.addressMode,
    address: s.address,
    tags: [...s.tags],
    canaryTags: [...s.canaryTags],
    enableTagOverride: s.enableTagOverride,
    meta: { ...s.meta },
    canaryMeta: { ...s.canaryMeta },
    taskName: s.taskName,
    checks: s.checks.map(checkFromWire),
    onUpdate: s.onUpdate,
    ...present("connect", jsonFromWire(s.connectJson, "Service.connectJson")),
  };
}

// ---------------------------------------------------------------------------------------------
// Tasks

function templateToWire(t: Template): pb.Template {
  return {
    sourcePath: t.sourcePath,
    destPath: t.destPath,
    embeddedTmpl: t.embeddedTmpl,
    changeMode: t.changeMode,
    changeSignal: t.changeSignal,
    splayMs: ms(t.splayMs),
    perms: t.perms,
    uid: t.uid,
    gid: t.gid,
    leftDelim: t.leftDelim,
    rightDelim: t.rightDelim,
    envvars: t.envvars,
    vaultGraceMs: ms(t.vaultGraceMs),
    errMissingKey: t.errMissingKey,
  };
}

function templateFromWire(t: pb.Template): Template {
  return {
    sourcePath: t.sourcePath,
    destPath: t.destPath,
    embeddedTmpl: t.embeddedTmpl,
    changeMode: changeMode(t.changeMode),
    changeSignal: t.changeSignal,
    splayMs: t.splayMs,
    perms: t.perms,
    ...present("uid", t.uid),
    ...present("gid", t.gid),
    leftDelim: t.leftDelim,
    rightDelim: t.rightDelim,
    envvars: t.envvars,
    vaultGraceMs: t.vaultGraceMs,
    errMissingKey: t.errMissingKey,
  };
}

function artifactToWire(a: Artifact): pb.Artifact {
  return { source: a.source, destination: a.destination, mode: a.mode, options: { ...a.options }, headers: { ...a.headers } };
}

function artifactFromWire(a: pb.Artifact): Artifact {
  return {
    source: a.source, destination: a.destination, mode: artifactMode(a.mode), options: { ...a.options },
    headers: { ...a.headers },
  };
}

function lifecycleFromWire(l: pb.Lifecycle): Lifecycle {
  return { hook: lifecycleHook(l.hook), sidecar: l.sidecar };
}

function logConfigToWire(l: LogConfig): pb.LogConfig {
  return { maxFiles: l.maxFiles, maxFileSizeMb: l.maxFileSizeMb, disabled: l.disabled };
}

function logConfigFromWire(l: pb.LogConfig): LogConfig {
  return { maxFiles: l.maxFiles, maxFileSizeMb: l.maxFileSizeMb, disabled: l.disabled };
}

function volumeRequestToWire(v: VolumeRequest): pb.VolumeRequest {
  return {
    name: v.name, type: v.type, source: v.source, readOnly: v.readOnly, perAlloc: v.perAlloc,
    accessMode: v.accessMode, attachmentMode: v.attachmentMode,
  };
}

function volumeRequestFromWire(v: pb.VolumeRequest): VolumeRequest {
  return {
    name: v.name, type: volumeType(v.type), source: v.source, readOnly: v.readOnly, perAlloc: v.perAlloc,
    accessMode: v.accessMode, attachmentMode: v.attachmentMode,
  };
}

function volumeMountToWire(v: VolumeMount): pb.VolumeMount {
  return { volume: v.volume, destination: v.destination, readOnly: v.readOnly, propagationMode: v.propagationMode };
}

function volumeMountFromWire(v: pb.VolumeMount): VolumeMount {
  return { volume: v.volume, destination: v.destination, readOnly: v.readOnly, propagationMode: v.propagationMode };
}

function taskToWire(t: Task): pb.Task {
  return {
    name: t.name,
    driver: t.driver,
    user: t.user,
    configJson: JSON.stringify(t.config),
    env: { ...t.env },
    meta: { ...t.meta },
    resources: resourcesToWire(t.resources),
    restartPolicy: restartPolicyToWire(t.restartPolicy),
    services: t.services.map(serviceToWire),
    templates: t.templates.map(templateToWire),
    artifacts: t.artifacts.map(artifactToWire),
    constraints: t.constraints.map(constraintToWire),
    affinities: t.affinities.map(affinityToWire),
    lifecycle: t.lifecycle && { hook: t.lifecycle.hook, sidecar: t.lifecycle.sidecar },
    logConfig: logConfigToWire(t.logConfig),
    killTimeoutMs: ms(t.killTimeoutMs),
    killSignal: t.killSignal,
    shutdownDelayMs: ms(t.shutdownDelayMs),
    leader: t.leader,
    kind: t.kind,
    dispatchPayload: t.dispatchPayload && { file: t.dispatchPayload.file },
    volumeMounts: t.volumeMounts.map(volumeMountToWire),
    vaultJson: jsonToWire(t.vault),
    consulJson: jsonToWire(t.consul),
    identitiesJson: t.identities.map((identity) => jsonToWire(identity)),
  };
}

function taskFromWire(t: pb.Task): Task {
  return {
    name: t.name,
    driver: t.driver,
    user: t.user,
    config: jsonObjectFromWire(t.configJson, "Task.configJson"),
    env: { ...t.env },
    meta: { ...t.meta },
    resources: resourcesFromWire(required(t.resources, "Task.resources")),
    restartPolicy: restartPolicyFromWire(required(t.restartPolicy, "Task.restartPolicy")),
    services: t.services.map(serviceFromWire),
    templates: t.templates.map(templateFromWire),
    artifacts: t.artifacts.map(artifactFromWire),
    constraints: t.constraints.map(constraintFromWire),
    affinities: t.affinities.map(affinityFromWire),
    ...ifPresent("lifecycle", t.lifecycle, lifecycleFromWire),
    logConfig: logConfigFromWire(required(t.logConfig, "Task.logConfig")),
    killTimeoutMs: t.killTimeoutMs,
    killSignal: t.killSignal,
    shutdownDelayMs: t.shutdownDelayMs,
    leader: t.leader,
    kind: t.kind,
    ...ifPresent("dispatchPayload", t.dispatchPayload, (p): DispatchPayload => ({ file: p.file })),
    volumeMounts: t.volumeMounts.map(volumeMountFromWire),
    ...present("vault", jsonFromWire(t.vaultJson, "Task.vaultJson")),
    ...present("consul", jsonFromWire(t.consulJson, "Task.consulJson")),
    identities: t.identitiesJson.map((text) => jsonObjectFromWire(text, "Task.identitiesJson")),
  };
}

// ---------------------------------------------------------------------------------------------
// Task groups and jobs

function taskGroupToWire(g: TaskGroup): pb.TaskGroup {
  return {
    name: g.name,
    count: g.count,
    constraints: g.constraints.map(constraintToWire),
    affinities: g.affinities.map(affinityToWire),
    spreads: g.spreads.map(spreadToWire),
    tasks: g.tasks.map(taskToWire),
    restartPolicy: restartPolicyToWire(g.restartPolicy),
    reschedulePolicy: g.reschedulePolicy && reschedulePolicyToWire(g.reschedulePolicy),
    update: g.update && updateToWire(g.update),
    migrate: g.migrate && migrateToWire(g.migrate),
    ephemeralDisk: ephemeralDiskToWire(g.ephemeralDisk),
    networks: g.networks.map(networkToWire),
    services: g.services.map(serviceToWire),
    volumes: mapValues(g.volumes, volumeRequestToWire),
    meta: { ...g.meta },
    shutdownDelayMs: ms(g.shutdownDelayMs),
    stopAfterClientDisconnectMs: g.stopAfterClientDisconnectMs === undefined ? undefined : ms(g.stopAfterClientDisconnectMs),
    maxClientDisconnectMs: g.maxClientDisconnectMs === undefined ? undefined : ms(g.maxClientDisconnectMs),
    preventRescheduleOnLost: g.preventRescheduleOnLost,
    consulJson: jsonToWire(g.consul),
  };
}

function taskGroupFromWire(g: pb.TaskGroup): TaskGroup {
  return {
    name: g.name,
    count: g.count,
    constraints: g.constraints.map(constraintFromWire),
    affinities: g.affinities.map(affinityFromWire),
    spreads: g.spreads.map(spreadFromWire),
    tasks: g.tasks.map(taskFromWire),
    restartPolicy: restartPolicyFromWire(required(g.restartPolicy, "TaskGroup.restartPolicy")),
    ...ifPresent("reschedulePolicy", g.reschedulePolicy, reschedulePolicyFromWire),
    ...ifPresent("update", g.update, updateFromWire),
    ...ifPresent("migrate", g.migrate, migrateFromWire),
    ephemeralDisk: ephemeralDiskFromWire(required(g.ephemeralDisk, "TaskGroup.ephemeralDisk")),
    networks: g.networks.map(networkFromWire),
    services: g.services.map(serviceFromWire),
    volumes: mapValues(g.volumes, volumeRequestFromWire),
    meta: { ...g.meta },
    shutdownDelayMs: g.shutdownDelayMs,
    ...present("stopAfterClientDisconnectMs", g.stopAfterClientDisconnectMs),
    ...present("maxClientDisconnectMs", g.maxClientDisconnectMs),
    preventRescheduleOnLost: g.preventRescheduleOnLost,
    ...present("consul", jsonFromWire(g.consulJson, "TaskGroup.consulJson")),
  };
}

function periodicToWire(p: PeriodicConfig): pb.PeriodicConfig {
  return {
    enabled: p.enabled, specs: [...p.specs], specType: p.specType, prohibitOverlap: p.prohibitOverlap,
    timeZone: p.timeZone,
  };
}

function periodicFromWire(p: pb.PeriodicConfig): PeriodicConfig {
  return {
    enabled: p.enabled, specs: [...p.specs], specType: periodicSpecType(p.specType), prohibitOverlap: p.prohibitOverlap,
    timeZone: p.timeZone,
  };
}

function parameterizedToWire(p: ParameterizedConfig): pb.ParameterizedConfig {
  return { payload: p.payload, metaRequired: [...p.metaRequired], metaOptional: [...p.metaOptional] };
}

function parameterizedFromWire(p: pb.ParameterizedConfig): ParameterizedConfig {
  return { payload: payloadRequirement(p.payload), metaRequired: [...p.metaRequired], metaOptional: [...p.metaOptional] };
}

export function jobToWire(job: Job): pb.Job {
  return {
    id: job.id,
    name: job.name,
    namespace: job.namespace,
    region: job.region,
    type: jobTypeCodec.toWire(job.type),
    priority: job.priority,
    allAtOnce: job.allAtOnce,
    datacenters: [...job.datacenters],
    nodePool: job.nodePool,
    constraints: job.constraints.map(constraintToWire),
    affinities: job.affinities.map(affinityToWire),
    spreads: job.spreads.map(spreadToWire),
    taskGroups: job.taskGroups.map(taskGroupToWire),
    update: job.update && updateToWire(job.update),
    periodic: job.periodic && periodicToWire(job.periodic),
    parameterized: job.parameterized && parameterizedToWire(job.parameterized),
    meta: { ...job.meta },
    vaultJson: jsonToWire(job.vault),
    consulJson: jsonToWire(job.consul),
    consulToken: job.consulToken,
    vaultToken: job.vaultToken,
    stop: job.stop,
    status: jobStatusCodec.toWire(job.status),
    version: job.version,
    submitTimeMs: ms(job.submitTimeMs),
    createIndex: job.createIndex,
    modifyIndex: job.modifyIndex,
    jobModifyIndex: job.jobModifyIndex,
  };
}

export function jobFromWire(job: pb.Job): Job {
  return {
    id: job.id,
    name: job.name,
    namespace: job.namespace,
    region: job.region,
    type: jobTypeCodec.fromWire(job.type),
    priority: job.priority,
    allAtOnce: job.allAtOnce,
    datacenters: [...job.datacenters],
    nodePool: job.nodePool,
    constraints: job.constraints.map(constraintFromWire),
    affinities: job.affinities.map(affinityFromWire),
    spreads: job.spreads.map(spreadFromWire),
    taskGroups: job.taskGroups.map(taskGroupFromWire),
    ...ifPresent("update", job.update, updateFromWire),
    ...ifPresent("periodic", job.periodic, periodicFromWire),
    ...ifPresent("parameterized", job.parameterized, parameterizedFromWire),
    meta: { ...job.meta },
    ...present("vault", jsonFromWire(job.vaultJson, "Job.vaultJson")),
    ...present("consul", jsonFromWire(job.consulJson, "Job.consulJson")),
    ...present("consulToken", job.consulToken),
    ...present("vaultToken", job.vaultToken),
    stop: job.stop,
    status: jobStatusCodec.fromWire(job.status),
    version: job.version,
    submitTimeMs: job.submitTimeMs,
    createIndex: job.createIndex,
    modifyIndex: job.modifyIndex,
    jobModifyIndex: job.jobModifyIndex,
  };
}

// ---------------------------------------------------------------------------------------------
// Views: `job status` lists jobs as stubs with a per-group summary of their allocations.





export function jobSummaryToWire(s: JobSummary): pb.JobSummary {
  return {
    jobId: s.jobId, namespace: s.namespace, summary: mapValues(s.summary, (g) => ({ ...g })),
    createIndex: s.createIndex, modifyIndex: s.modifyIndex,
  };
}

export function jobSummaryFromWire(s: pb.JobSummary): JobSummary {
  return {
    jobId: s.jobId, namespace: s.namespace, summary: mapValues(s.summary, (g) => ({ ...g })),
    createIndex: s.createIndex, modifyIndex: s.modifyIndex,
  };
}

export function jobListStubToWire(s: JobListStub): pb.JobListStub {
  return {
    id: s.id,
    name: s.name,
    namespace: s.namespace,
    type: jobTypeCodec.toWire(s.type),
    priority: s.priority,
    status: jobStatusCodec.toWire(s.status),
    stop: s.stop,
    periodic: s.periodic,
    parameterized: s.parameterized,
    datacenters: [...s.datacenters],
    nodePool: s.nodePool,
    version: s.version,
    submitTimeMs: ms(s.submitTimeMs),
    summary: s.summary && jobSummaryToWire(s.summary),
    createIndex: s.createIndex,
    modifyIndex: s.modifyIndex,
    jobModifyIndex: s.jobModifyIndex,
  };
}

export function jobListStubFromWire(s: pb.JobListStub): JobListStub {
  return {
    id: s.id,
    name: s.name,
    namespace: s.namespace,
    type: jobTypeCodec.fromWire(s.type),
    priority: s.priority,
    status: jobStatusCodec.fromWire(s.status),
    stop: s.stop,
    periodic: s.periodic,
    parameterized: s.parameterized,
    datacenters: [...s.datacenters],
    nodePool: s.nodePool,
    version: s.version,
    submitTimeMs: s.submitTimeMs,
    ...ifPresent("summary", s.summary, jobSummaryFromWire),
    createIndex: s.createIndex,
    modifyIndex: s.modifyIndex,
    jobModifyIndex: s.jobModifyIndex,
  };
}
