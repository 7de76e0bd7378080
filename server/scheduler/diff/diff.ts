// What changed between two versions of a job, shown the way `nomad job plan` shows it (Nomad's
// structs/diff.go): job, groups (matched by name) and tasks (matched by name), each with its
// scalar fields and nested blocks under Nomad's names. Durations read "30s", sizes are MB as the
// names say. Most of this file is declarations: which fields and blocks each kind of block has.

import type {
  Affinity, Artifact, CheckRestart, Constraint, DiffType, DispatchPayload, EphemeralDisk, Job, JobDiff, Lifecycle, LogConfig,
  MigrateStrategy, NetworkResource, ParameterizedConfig, PeriodicConfig, Port, RequestedDevice,
  ReschedulePolicy, Resources, RestartPolicy, Service, ServiceCheck, Spread, SpreadTarget, Task, TaskDiff, TaskGroup,
  TaskGroupDiff, Template, UpdateStrategy, VolumeMount, VolumeRequest,
} from "../../../shared/model/index.js";
import { taskAnnotations } from "./annotate.js";
import {
  anyChange, byName, compareBlock, diffType, dur, entries, flatten, freeForm, many, one, pair, set, type Child, type Shape,
} from "./shape.js";
import type { DiffOptions } from "./types.js";

// ---------------------------------------------------------------------------------------------
// Placement rules

const constraint: Shape<Constraint> = {
  name: "Constraint",
  fields: (c) => ({ LTarget: c.attribute, Operand: c.operator, RTarget: c.value }),
};

const affinity: Shape<Affinity> = {
  name: "Affinity",
  fields: (a) => ({ LTarget: a.attribute, Operand: a.operator, RTarget: a.value, Weight: a.weight }),
};

const spreadTarget: Shape<SpreadTarget> = {
  name: "SpreadTarget",
  key: (t) => t.value,
  fields: (t) => ({ Value: t.value, Percent: t.percent }),
};

const spread: Shape<Spread> = {
  name: "Spread",
  key: (s) => s.attribute,
  fields: (s) => ({ Attribute: s.attribute, Weight: s.weight }),
  children: [many(spreadTarget, (s: Spread) => s.targets)],
};

/** Constraints and affinities: jobs, groups, tasks and devices all have them. */
function placementRules<P extends { constraints: Constraint[]; affinities: Affinity[] }>(): Child<P>[] {
  return [many(constraint, (p: P) => p.constraints), many(affinity, (p: P) => p.affinities)];
}

// ---------------------------------------------------------------------------------------------
// Policies

const restartPolicy: Shape<RestartPolicy> = {
  name: "RestartPolicy",
  fields: (r) => ({ Attempts: r.attempts, Interval: dur(r.intervalMs), Delay: dur(r.delayMs), Mode: r.mode, RenderTemplates: r.renderTemplates }),
};

const reschedulePolicy: Shape<ReschedulePolicy> = {
  name: "ReschedulePolicy",
  fields: (r) => ({
    Attempts: r.attempts, Interval: dur(r.intervalMs), Delay: dur(r.delayMs), DelayFunction: r.delayFunction,
    MaxDelay: dur(r.maxDelayMs), Unlimited: r.unlimited,
  }),
};

const update: Shape<UpdateStrategy> = {
  name: "Update",
  fields: (u) => ({
    MaxParallel: u.maxParallel, Stagger: dur(u.staggerMs), HealthCheck: u.healthCheck, MinHealthyTime: dur(u.minHealthyTimeMs),
    HealthyDeadline: dur(u.healthyDeadlineMs), ProgressDeadline: dur(u.progressDeadlineMs), AutoRevert: u.autoRevert,
    AutoPromote: u.autoPromote, Canary: u.canary,
  }),
};

const migrate: Shape<MigrateStrategy> = {
  name: "Migrate",
  fields: (m) => ({
    MaxParallel: m.maxParallel, HealthCheck: m.healthCheck, MinHealthyTime: dur(m.minHealthyTimeMs), HealthyDeadline: dur(m.healthyDeadlineMs),
  }),
};

const ephemeralDisk: Shape<EphemeralDisk> = {
  name: "EphemeralDisk",
  fields: (d) => ({ SizeMB: d.sizeMb, Sticky: d.sticky, Migrate: d.migrate }),
};

const periodic: Shape<PeriodicConfig> = {
  name: "Periodic",
  fields: (p) => ({
    Enabled: p.enabled, SpecType: p.specType, ProhibitOverlap: p.prohibitOverlap, TimeZone: p.timeZone, ...flatten(p.specs, "Specs"),
  }),
};

const parameterized: Shape<ParameterizedConfig> = {
  name: "ParameterizedJob",
  fields: (p) => ({ Payload: p.payload }),
  children: [set("MetaRequired", (p: ParameterizedConfig) => p.metaRequired), set("MetaOptional", (p: ParameterizedConfig) => p.metaOptional)],
};

// ---------------------------------------------------------------------------------------------
// Networks, resources, volumes

function port(name: string): Shape<Port> {
  return {
    name,
    key: (p) => p.label,
    fields: (p) => ({ Label: p.label, Value: p.value, To: p.to, HostNetwork: p.hostNetwork }),
  };
}

type Dns = NonNullable<NetworkResource["dns"]>;
const dns: Shape<Dns> = {
  name: "DNS",
  fields: (d) => ({ ...flatten(d.servers, "Servers"), ...flatten(d.searches, "Searches"), ...flatten(d.options, "Options") }),
};

const network: Shape<NetworkResource> = {
  name: "Network",
  key: (n) => n.mode,
  fields: (n) => ({ Mode: n.mode, MBits: n.mbits, Hostname: n.hostname }),
  children: [
    many(port("Static Port"), (n: NetworkResource) => n.reservedPorts),
    many(port("Dynamic Port"), (n: NetworkResource) => n.dynamicPorts),
    one(dns, (n: NetworkResource) => n.dns),
  ],
};

const device: Shape<RequestedDevice> = {
  name: "Device",
  key: (d) => d.name,
  fields: (d) => ({ Name: d.name, Count: d.count }),
  children: placementRules<RequestedDevice>(),
};

const resources: Shape<Resources> = {
  name: "Resources",
  fields: (r) => ({ CPU: r.cpuMhz, Cores: r.cores, MemoryMB: r.memoryMb, MemoryMaxMB: r.memoryMaxMb, DiskMB: r.diskMb }),
  children: [many(network, (r: Resources) => r.networks), many(device, (r: Resources) => r.devices)],
};

const volume: Shape<VolumeRequest> = {
  name: "Volume",
  key: (v) => v.name,
  fields: (v) => ({
    Name: v.name, Type: v.type, Source: v.source, ReadOnly: v.readOnly, PerAlloc: v.perAlloc, AccessMode: v.accessMode,
    AttachmentMode: v.attachmentMode,
  }),
};

const volumeMount: Shape<VolumeMount> = {
  name: "VolumeMount",
  fields: (m) => ({ Volume: m.volume, Destination: m.destination, ReadOnly: m.readOnly, PropagationMode: m.propagationMode }),
};

// ---------------------------------------------------------------------------------------------
// Services

const checkRestart: Shape<CheckRestart> = {
  name: "CheckRestart",
  fields: (c) => ({ Limit: c.limit, Grace: dur(c.graceMs), IgnoreWarnings: c.ignoreWarnings }),
};

const check: Shape<ServiceCheck> = {
  name: "Check",
  key: (c) => c.name,
  fields: (c) => ({
    Name: c.name, Type: c.type, Command: c.command, Path: c.path, Protocol: c.protocol, PortLabel: c.portLabel,
    AddressMode: c.addressMode, Interval: dur(c.intervalMs), Timeout: dur(c.timeoutMs), Method: c.method, Body: c.body,
    Expose: c.expose, TaskName: c.task, InitialStatus: c.initialStatus, SuccessBeforePassing: c.successBeforePassing,
    FailuresBeforeCritical: c.failuresBeforeCritical, OnUpdate: c.onUpdate, ...flatten(c.args, "Args"), ...flatten(c.header, "Header"),
  }),
  children: [one(checkRestart, (c: ServiceCheck) => c.checkRestart)],
};

const service: Shape<Service> = {
  name: "Service",
  key: (s) => s.name,
  fields: (s) => ({
    Name: s.name, PortLabel: s.portLabel, Provider: s.provider, AddressMode: s.addressMode, Address: s.address,
    EnableTagOverride: s.enableTagOverride, TaskName: s.taskName, OnUpdate: s.onUpdate,
    ...entries("Meta", s.meta), ...entries("CanaryMeta", s.canaryMeta),
  }),
  children: [
    set("Tags", (s: Service) => s.tags),
    set("CanaryTags", (s: Service) => s.canaryTags),
    many(check, (s: Service) => s.checks),
    freeForm("Connect", (s: Service) => s.connect),
  ],
};

// ---------------------------------------------------------------------------------------------
// Task blocks

const template: Shape<Template> = {
  name: "Template",
  key: (t) => t.destPath,
  fields: (t) => ({
    SourcePath: t.sourcePath, DestPath: t.destPath, EmbeddedTmpl: t.embeddedTmpl, ChangeMode: t.changeMode,
    ChangeSignal: t.changeSignal, Splay: dur(t.splayMs), Perms: t.perms, Uid: t.uid, Gid: t.gid, LeftDelim: t.leftDelim,
    RightDelim: t.rightDelim, Envvars: t.envvars, VaultGrace: dur(t.vaultGraceMs), ErrMissingKey: t.errMissingKey,
  }),
};

const artifact: Shape<Artifact> = {
  name: "Artifact",
  key: (a) => a.destination,
  fields: (a) => ({
    GetterSource: a.source, RelativeDest: a.destination, GetterMode: a.mode,
    ...entries("GetterOptions", a.options), ...entries("GetterHeaders", a.headers),
  }),
};

const lifecycle: Shape<Lifecycle> = { name: "Lifecycle", fields: (l) => ({ Hook: l.hook, Sidecar: l.sidecar }) };

const logConfig: Shape<LogConfig> = {
  name: "LogConfig",
  fields: (l) => ({ MaxFiles: l.maxFiles, MaxFileSizeMB: l.maxFileSizeMb, Disabled: l.disabled }),
};

const dispatchPayload: Shape<DispatchPayload> = { name: "DispatchPayload", fields: (d) => ({ File: d.file }) };

const identity: Shape<Readonly<Record<string, unknown>>> = { name: "Identity", fields: (block) => flatten(block) };

// ---------------------------------------------------------------------------------------------
// Tasks, groups, jobs

const task: Shape<Task> = {
  name: "Task",
  fields: (t) => ({
    Driver: t.driver, User: t.user, Leader: t.leader, Kind: t.kind, KillTimeout: dur(t.killTimeoutMs), KillSignal: t.killSignal,
    ShutdownDelay: dur(t.shutdownDelayMs), ...entries("Env", t.env), ...entries("Meta", t.meta),
  }),
  children: [
    ...placementRules<Task>(),
    freeForm("Config", (t: Task) => t.config),
    one(resources, (t: Task) => t.resources),
    one(restartPolicy, (t: Task) => t.restartPolicy),
    one(logConfig, (t: Task) => t.logConfig),
    one(lifecycle, (t: Task) => t.lifecycle),
    one(dispatchPayload, (t: Task) => t.dispatchPayload),
    many(artifact, (t: Task) => t.artifacts),
    many(template, (t: Task) => t.templates),
    many(service, (t: Task) => t.services),
    many(volumeMount, (t: Task) => t.volumeMounts),
    freeForm("Vault", (t: Task) => t.vault),
    freeForm("Consul", (t: Task) => t.consul),
    many(identity, (t: Task) => t.identities),
  ],
};

const taskGroup: Shape<TaskGroup> = {
  name: "TaskGroup",
  fields: (g) => ({
    Count: g.count, ShutdownDelay: dur(g.shutdownDelayMs), StopAfterClientDisconnect: dur(g.stopAfterClientDisconnectMs),
    MaxClientDisconnect: dur(g.maxClientDisconnectMs), PreventRescheduleOnLost: g.preventRescheduleOnLost, ...entries("Meta", g.meta),
  }),
  children: [
    ...placementRules<TaskGroup>(),
    many(spread, (g: TaskGroup) => g.spreads),
    one(restartPolicy, (g: TaskGroup) => g.restartPolicy),
    one(reschedulePolicy, (g: TaskGroup) => g.reschedulePolicy),
    one(update, (g: TaskGroup) => g.update),
    one(migrate, (g: TaskGroup) => g.migrate),
    one(ephemeralDisk, (g: TaskGroup) => g.ephemeralDisk),
    many(network, (g: TaskGroup) => g.networks),
    many(service, (g: TaskGroup) => g.services),
    many(volume, (g: TaskGroup) => Object.values(g.volumes)),
    freeForm("Consul", (g: TaskGroup) => g.consul),
  ],
};

/** Tokens are secrets and never shown; status, version and indexes change with every version. */
const job: Shape<Job> = {
  name: "Job",
  fields: (j) => ({
    AllAtOnce: j.allAtOnce, Name: j.name, Namespace: j.namespace, NodePool: j.nodePool, Priority: j.priority, Region: j.region,
    Stop: j.stop, Type: j.type, ...entries("Meta", j.meta),
  }),
  children: [
    set("Datacenters", (j: Job) => j.datacenters),
    ...placementRules<Job>(),
    many(spread, (j: Job) => j.spreads),
    one(update, (j: Job) => j.update),
    one(periodic, (j: Job) => j.periodic),
    one(parameterized, (j: Job) => j.parameterized),
    freeForm("Vault", (j: Job) => j.vault),
    freeForm("Consul", (j: Job) => j.consul),
  ],
};

// ---------------------------------------------------------------------------------------------
// Entry point

/**
 * The diff from `old` to `next`, two versions of one job: Added when there is no old version,
 * Deleted when there is no new one. Groups and tasks are always listed, unchanged ones with type
 * None; fields and nested blocks only when changed, unless `contextual`, which adds unchanged
 * fields (type None) next to the changed ones. Tasks carry Nomad's annotations ("forces
 * create/destroy update", "forces in-place update", ...), decided by the same rules the
 * reconciler uses; `annotateDiff` adds the scheduler's counts.
 */
export function diffJobs(old: Job | undefined, next: Job | undefined, opts: DiffOptions = {}): JobDiff {
  const contextual = opts.contextual ?? false;
  const { fields, objects } = compareBlock(job, old, next, contextual);
  const taskGroups = pair(old?.taskGroups ?? [], next?.taskGroups ?? [], (g) => g.name)
    .map(([a, b]) => groupDiff(a, b, contextual))
    .sort(byName);
  return {
    type: diffType(old, next, anyChange(fields, objects, taskGroups)),
    id: next?.id ?? old?.id ?? "",
    fields,
    objects,
    taskGroups,
  };
}

function groupDiff(old: TaskGroup | undefined, next: TaskGroup | undefined, contextual: boolean): TaskGroupDiff {
  const { fields, objects } = compareBlock(taskGroup, old, next, contextual);
  // Task annotations only care whether the whole group comes or goes.
  const groupChange = diffType(old, next, true);
  const tasks = pair(old?.tasks ?? [], next?.tasks ?? [], (t) => t.name)
    .map(([a, b]) => taskDiff(a, b, groupChange, contextual))
    .sort(byName);
  return { type: diffType(old, next, anyChange(fields, objects, tasks)), name: (next ?? old)?.name ?? "", fields, objects, tasks, updates: {} };
}

function taskDiff(old: Task | undefined, next: Task | undefined, groupChange: DiffType, contextual: boolean): TaskDiff {
  const { fields, objects } = compareBlock(task, old, next, contextual);
  const type = diffType(old, next, anyChange(fields, objects));
  return { type, name: (next ?? old)?.name ?? "", fields, objects, annotations: taskAnnotations(type, groupChange, old, next) };
}
