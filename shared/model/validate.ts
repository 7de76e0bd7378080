// Semantic validation of a canonical Job, shared by the jobspec parser and the servers' Job API.
// Every problem names the field path it is about; all problems are returned at once.

import { CONSTRAINT_OPERATORS, JOB_TYPES, type Affinity, type Constraint, type Job, type NetworkResource, type Service, type Task, type TaskGroup } from "./job.js";
import { MAX_PRIORITY, MIN_PRIORITY } from "./defaults.js";

/** Segments such as `job "web"`, `group "web"`, `task "server"`, `resources`, `memory`. */
export type FieldPath = string[];

export interface FieldProblem {
  path: FieldPath;
  message: string;
}

export interface ValidateOptions {
  /** Task drivers this cluster can run; an unknown driver is a problem. */
  drivers: readonly string[];
}

export const KNOWN_DRIVERS: readonly string[] = ["docker", "exec", "raw_exec", "mock"];

const MIN_CPU_MHZ = 1;
const MIN_MEMORY_MB = 10;
const VALUELESS_OPERATORS = new Set(["is_set", "is_not_set", "distinct_hosts"]);
const ID_PATTERN = /^[^\s\u0000]+$/;
const LABEL_PATTERN = /^[a-zA-Z0-9_-]+$/;
const CHECK_TYPES = ["http", "tcp", "script", "grpc"];
const CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

class Collector {
  readonly problems: FieldProblem[] = [];
  constructor(private readonly path: FieldPath = []) {}
  at(...segments: string[]): Collector {
    const child = new Collector([...this.path, ...segments]);
    (child as { problems: FieldProblem[] }).problems = this.problems;
    return child;
  }
  add(message: string, ...field: string[]): void {
    this.problems.push({ path: [...this.path, ...field], message });
  }
}

function checkRegexp(c: Collector, pattern: string, field: string): void {
  try {
    new RegExp(pattern);
  } catch {
    c.add(`${JSON.stringify(pattern)} is not a valid regular expression`, field);
  }
}

function isVersionConstraint(text: string): boolean {
  return text.split(",").every((part) => /^\s*(=|!=|>|>=|<|<=|~>)?\s*v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?\s*$/.test(part));
}

function validateConstraint(c: Collector, constraint: Constraint | Affinity): void {
  if (!CONSTRAINT_OPERATORS.includes(constraint.operator)) {
    c.add(`unknown operator ${JSON.stringify(constraint.operator)} (one of ${CONSTRAINT_OPERATORS.join(", ")})`, "operator");
    return;
  }
  if (constraint.operator !== "distinct_hosts" && constraint.attribute === "") c.add("an attribute is required", "attribute");
  if (!VALUELESS_OPERATORS.has(constraint.operator) && constraint.operator !== "distinct_property" && constraint.value === "") {
    c.add(`operator "${constraint.operator}" needs a value`, "value");
  }
  if (constraint.operator === "regexp") checkRegexp(c, constraint.value, "value");
  if ((constraint.operator === "version" || constraint.operator === "semver") && !isVersionConstraint(constraint.value)) {
    c.add(`${JSON.stringify(constraint.value)} is not a version constraint such as ">= 1.2, < 2.0"`, "value");
  }
  if (constraint.operator === "distinct_property" && constraint.value !== "" && !/^[1-9]\d*$/.test(constraint.value)) {
    c.add("the limit of distinct_property must be a positive whole number", "value");
  }
}

function validateConstraints(c: Collector, constraints: Constraint[], affinities: Affinity[]): void {
  constraints.forEach((k, i) => validateConstraint(c.at(constraints.length > 1 ? `constraint #${i + 1}` : "constraint"), k));
  affinities.forEach((a, i) => {
    const ac = c.at(affinities.length > 1 ? `affinity #${i + 1}` : "affinity");
    validateConstraint(ac, a);
    if (a.operator === "distinct_hosts" || a.operator === "distinct_property") ac.add(`operator "${a.operator}" is not allowed in an affinity`, "operator");
    if (!Number.isInteger(a.weight) || a.weight === 0 || a.weight < -100 || a.weight > 100) ac.add("weight must be a whole number from -100 to 100, not 0", "weight");
  });
}

function validatePorts(c: Collector, networks: NetworkResource[], labels: Set<string>): void {
  networks.forEach((network, i) => {
    const nc = c.at(networks.length > 1 ? `network #${i + 1}` : "network");
    if (!["host", "bridge", "none"].includes(network.mode) && !network.mode.startsWith("cni/")) {
      nc.add(`unknown network mode ${JSON.stringify(network.mode)} (host, bridge, none or cni/<name>)`, "mode");
    }
    for (const port of [...network.reservedPorts, ...network.dynamicPorts]) {
      const pc = nc.at(`port "${port.label}"`);
      if (!LABEL_PATTERN.test(port.label)) pc.add("a port label may contain only letters, digits, _ and -");
      if (labels.has(port.label)) pc.add(`port label "${port.label}" is used twice`);
      labels.add(port.label);
      if (port.value < 0 || port.value > 65535) pc.add("a static port must be from 1 to 65535", "static");
      if (port.to < -1 || port.to > 65535) pc.add("to must be from -1 to 65535", "to");
    }
  });
}

function validateServices(c: Collector, services: Service[], portLabels: Set<string>, taskNames: Set<string> | undefined): void {
  services.forEach((service, i) => {
    const sc = c.at(services.length > 1 ? `service #${i + 1}` : "service");
    if (!/^[a-zA-Z0-9-]{1,63}$/.test(service.name.replace(/\$\{[^}]*\}/g, "x"))) {
      sc.add(`service name ${JSON.stringify(service.name)} must be at most 63 letters, digits and dashes`, "name");
    }
    if (!["consul", "nomad"].includes(service.provider)) sc.add(`provider must be "consul" or "nomad"`, "provider");
    if (service.portLabel !== "" && !/^\d+$/.test(service.portLabel) && !portLabels.has(service.portLabel)) {
      sc.add(`port "${service.portLabel}" is not a port label of this group or task`, "port");
    }
    if (taskNames && service.taskName !== "" && !taskNames.has(service.taskName)) sc.add(`no task named "${service.taskName}" in this group`, "task");
    service.checks.forEach((check, j) => {
      const cc = sc.at(service.checks.length > 1 ? `check #${j + 1}` : "check");
      if (!CHECK_TYPES.includes(check.type)) cc.add(`check type must be one of ${CHECK_TYPES.join(", ")}`, "type");
      if (check.type === "http" && check.path === "") cc.add("an http check needs a path", "path");
      if (check.type === "script" && check.command === "") cc.add("a script check needs a command", "command");
      if (check.intervalMs < 1000) cc.add("interval must be at least 1s", "interval");
      if (check.timeoutMs <= 0) cc.add("timeout must be set", "timeout");
      if (check.portLabel !== "" && !/^\d+$/.test(check.portLabel) && !portLabels.has(check.portLabel)) {
        cc.add(`port "${check.portLabel}" is not a port label of this group or task`, "port");
      }
    });
  });
}

function validateTask(c: Collector, task: Task, job: Job, groupPorts: Set<string>, options: ValidateOptions): void {
  if (!LABEL_PATTERN.test(task.name)) c.add("a task name may contain only letters, digits, _ and -");
  if (task.driver === "") c.add("a driver is required", "driver");
  else if (!options.drivers.includes(task.driver)) c.add(`unknown driver ${JSON.stringify(task.driver)} (this cluster runs ${options.drivers.join(", ")})`, "driver");
  if (task.driver === "docker" && typeof task.config["image"] !== "string") c.add('the docker driver needs config { image = "…" }', "config");
  if ((task.driver === "exec" || task.driver === "raw_exec") && typeof task.config["command"] !== "string") {
    c.add(`the ${task.driver} driver needs config { command = "…" }`, "config");
  }
  const r = task.resources;
  const rc = c.at("resources");
  if (r.cores > 0 && r.cpuMhz > 0) rc.add("set either cpu or cores, not both");
  if (r.cores < 0) rc.add("cores must be 0 or more", "cores");
  if (r.cores === 0 && r.cpuMhz < MIN_CPU_MHZ) rc.add(`cpu must be at least ${MIN_CPU_MHZ} MHz`, "cpu");
  if (r.memoryMb < MIN_MEMORY_MB) rc.add(`memory must be at least ${MIN_MEMORY_MB} MB`, "memory");
  if (r.memoryMaxMb !== 0 && r.memoryMaxMb < r.memoryMb) rc.add("memory_max must be at least memory", "memory_max");
  if (r.diskMb < 0) rc.add("disk must be 0 or more", "disk");
  const taskPorts = new Set(groupPorts);
  validatePorts(rc, r.networks, taskPorts);
  for (const device of r.devices) {
    const dc = rc.at(`device "${device.name}"`);
    if (!/^[a-z0-9_-]+(\/[a-z0-9_-]+){0,2}$/i.test(device.name)) dc.add('a device name is "type", "vendor/type" or "vendor/type/model", e.g. "nvidia/gpu"');
    if (!Number.isInteger(device.count) || device.count < 1) dc.add("count must be at least 1", "count");
    validateConstraints(dc, device.constraints, device.affinities);
  }
  validateConstraints(c, task.constraints, task.affinities);
  validateRestart(c.at("restart"), task.restartPolicy);
  validateServices(c, task.services, taskPorts, undefined);
  task.templates.forEach((template, i) => {
    const tc = c.at(task.templates.length > 1 ? `template #${i + 1}` : "template");
    if (template.destPath === "") tc.add("a destination is required", "destination");
    if (template.sourcePath === "" && template.embeddedTmpl === "") tc.add("set source or data");
    if (template.sourcePath !== "" && template.embeddedTmpl !== "") tc.add("set either source or data, not both");
    if (!["noop", "restart", "signal", "script"].includes(template.changeMode)) tc.add("change_mode must be noop, restart, signal or script", "change_mode");
    if (template.changeMode === "signal" && template.changeSignal === "") tc.add('change_mode "signal" needs change_signal', "change_signal");
    if (!/^[0-7]{3,4}$/.test(template.perms)) tc.add(`perms ${JSON.stringify(template.perms)} must be octal, such as "0644"`, "perms");
  });
  task.artifacts.forEach((artifact, i) => {
    const ac = c.at(task.artifacts.length > 1 ? `artifact #${i + 1}` : "artifact");
    if (artifact.source === "") ac.add("a source is required", "source");
    if (!["any", "file", "dir"].includes(artifact.mode)) ac.add("mode must be any, file or dir", "mode");
  });
  if (task.lifecycle && !["prestart", "poststart", "poststop"].includes(task.lifecycle.hook)) {
    c.add("hook must be prestart, poststart or poststop", "lifecycle", "hook");
  }
  if (task.killTimeoutMs < 0) c.add("kill_timeout must not be negative", "kill_timeout");
  if (task.logConfig.maxFiles < 1) c.add("max_files must be at least 1", "logs", "max_files");
  if (task.logConfig.maxFileSizeMb < 1) c.add("max_file_size must be at least 1", "logs", "max_file_size");
  for (const mount of task.volumeMounts) {
    if (mount.volume === "") c.add("a volume_mount needs a volume", "volume_mount", "volume");
  }
  if (task.dispatchPayload && !job.parameterized) c.add("dispatch_payload is only for parameterized jobs", "dispatch_payload");
}

function validateRestart(c: Collector, policy: TaskGroup["restartPolicy"]): void {
  if (policy.attempts < 0) c.add("attempts must be 0 or more", "attempts");
  if (policy.delayMs < 0) c.add("delay must not be negative", "delay");
  if (!["fail", "delay"].includes(policy.mode)) c.add('mode must be "fail" or "delay"', "mode");
  if (policy.attempts > 0 && policy.intervalMs > 0 && policy.attempts * policy.delayMs > policy.intervalMs) {
    c.add(`${policy.attempts} attempts with a ${policy.delayMs / 1000}s delay do not fit in the interval`, "interval");
  }
}

function validateGroup(c: Collector, group: TaskGroup, job: Job, options: ValidateOptions): void {
  if (!LABEL_PATTERN.test(group.name)) c.add("a group name may contain only letters, digits, _ and -");
  if (!Number.isInteger(group.count) || group.count < 0) c.add("count must be 0 or more", "count");
  if ((job.type === "system" || job.type === "sysbatch") && group.count > 1) c.add(`a ${job.type} job runs one allocation per node: count must be 0 or 1`, "count");
  if (group.tasks.length === 0) c.add('a group needs at least one task block: task "name" { … }');
  const taskNames = new Set<string>();
  for (const task of group.tasks) {
    if (taskNames.has(task.name)) c.add(`task "${task.name}" is defined twice in this group`, `task "${task.name}"`);
    taskNames.add(task.name);
  }
  if (group.tasks.filter((t) => t.leader).length > 1) c.add("only one task may be the leader");
  if (group.tasks.length > 0 && group.tasks.every((t) => t.lifecycle && !t.lifecycle.sidecar)) {
    c.add("a group needs at least one main task (one without a lifecycle block, or a sidecar)");
  }
  validateConstraints(c, group.constraints, group.affinities);
  group.spreads.forEach((spread, i) => {
    const sc = c.at(group.spreads.length > 1 ? `spread #${i + 1}` : "spread");
    validateSpread(sc, spread);
  });
  validateRestart(c.at("restart"), group.restartPolicy);
  const rp = group.reschedulePolicy;
  if (rp) {
    const rc = c.at("reschedule");
    if (!["constant", "exponential", "fibonacci"].includes(rp.delayFunction)) rc.add("delay_function must be constant, exponential or fibonacci", "delay_function");
    if (rp.attempts < 0) rc.add("attempts must be 0 or more", "attempts");
    if (!rp.unlimited && rp.attempts > 0 && rp.intervalMs <= 0) rc.add("a limited number of attempts needs an interval", "interval");
    if (rp.delayFunction !== "constant" && rp.maxDelayMs > 0 && rp.maxDelayMs < rp.delayMs) rc.add("max_delay must be at least delay", "max_delay");
  }
  const u = group.update;
  if (u) {
    const uc = c.at("update");
    if (u.maxParallel < 0) uc.add("max_parallel must be 0 or more", "max_parallel");
    if (u.canary < 0) uc.add("canary must be 0 or more", "canary");
    if (!["checks", "task_states", "manual"].includes(u.healthCheck)) uc.add("health_check must be checks, task_states or manual", "health_check");
    if (u.minHealthyTimeMs >= u.healthyDeadlineMs) uc.add("min_healthy_time must be less than healthy_deadline", "min_healthy_time");
    if (u.progressDeadlineMs !== 0 && u.progressDeadlineMs < u.healthyDeadlineMs) uc.add("progress_deadline must be at least healthy_deadline (or 0)", "progress_deadline");
    if (u.autoPromote && u.canary === 0) uc.add("auto_promote needs canary > 0", "auto_promote");
  }
  const m = group.migrate;
  if (m) {
    const mc = c.at("migrate");
    if (m.maxParallel < 0) mc.add("max_parallel must be 0 or more", "max_parallel");
    if (!["checks", "task_states"].includes(m.healthCheck)) mc.add("health_check must be checks or task_states", "health_check");
    if (m.minHealthyTimeMs >= m.healthyDeadlineMs) mc.add("min_healthy_time must be less than healthy_deadline", "min_healthy_time");
  }
  if (group.ephemeralDisk.sizeMb < 10) c.add("size must be at least 10 MB", "ephemeral_disk", "size");
  const groupPorts = new Set<string>();
  validatePorts(c, group.networks, groupPorts);
  const allPorts = new Set(groupPorts);
  for (const task of group.tasks) {
    for (const network of task.resources.networks) for (const p of [...network.reservedPorts, ...network.dynamicPorts]) allPorts.add(p.label);
  }
  validateServices(c, group.services, allPorts, taskNames);
  for (const [name, volume] of Object.entries(group.volumes)) {
    if (!["host", "csi"].includes(volume.type)) c.add('type must be "host" or "csi"', `volume "${name}"`, "type");
  }
  for (const task of group.tasks) {
    validateTask(c.at(`task "${task.name}"`), task, job, groupPorts, options);
    for (const mount of task.volumeMounts) {
      if (mount.volume !== "" && !(mount.volume in group.volumes)) {
        c.add(`volume_mount refers to volume "${mount.volume}", which the group does not declare`, `task "${task.name}"`, "volume_mount");
      }
    }
  }
}

function validateSpread(c: Collector, spread: TaskGroup["spreads"][number]): void {
  if (spread.attribute === "") c.add("an attribute is required", "attribute");
  if (!Number.isInteger(spread.weight) || spread.weight <= 0 || spread.weight > 100) c.add("weight must be from 1 to 100", "weight");
  let total = 0;
  const seen = new Set<string>();
  for (const target of spread.targets) {
    if (seen.has(target.value)) c.add(`target "${target.value}" appears twice`, `target "${target.value}"`);
    seen.add(target.value);
    if (target.percent < 0 || target.percent > 100) c.add("percent must be from 0 to 100", `target "${target.value}"`, "percent");
    total += target.percent;
  }
  if (total > 100) c.add(`target percentages add up to ${total}, more than 100`);
}

function isCronSpec(spec: string): boolean {
  const trimmed = spec.trim();
  if (CRON_MACROS.includes(trimmed)) return true;
  const fields = trimmed.split(/\s+/);
  return fields.length >= 5 && fields.length <= 7 && fields.every((f) => /^[\d*,\-/?LW#A-Za-z]+$/.test(f));
}

export function validateJob(job: Job, options: ValidateOptions = { drivers: KNOWN_DRIVERS }): FieldProblem[] {
  const c = new Collector([`job "${job.id}"`]);
  if (!ID_PATTERN.test(job.id)) c.add("a job id may not be empty or contain spaces");
  if (job.id.length > 128) c.add("a job id may be at most 128 characters");
  if (job.name === "") c.add("a name is required", "name");
  if (!JOB_TYPES.includes(job.type)) c.add(`unknown job type ${JSON.stringify(job.type)} (one of ${JOB_TYPES.join(", ")})`, "type");
  if (!Number.isInteger(job.priority) || job.priority < MIN_PRIORITY || job.priority > MAX_PRIORITY) {
    c.add(`priority must be from ${MIN_PRIORITY} to ${MAX_PRIORITY}`, "priority");
  }
  if (job.region === "") c.add("region may not be empty", "region");
  if (job.datacenters.length === 0 || job.datacenters.some((dc) => dc === "")) c.add("datacenters may not be empty", "datacenters");
  if (job.taskGroups.length === 0) c.add('a job needs at least one group block: group "name" { … }');
  const groupNames = new Set<string>();
  for (const group of job.taskGroups) {
    if (groupNames.has(group.name)) c.add(`group "${group.name}" is defined twice`, `group "${group.name}"`);
    groupNames.add(group.name);
  }
  validateConstraints(c, job.constraints, job.affinities);
  job.spreads.forEach((spread, i) => validateSpread(c.at(job.spreads.length > 1 ? `spread #${i + 1}` : "spread"), spread));
  if (job.periodic) {
    const pc = c.at("periodic");
    if (job.type !== "batch" && job.type !== "sysbatch") pc.add("only batch and sysbatch jobs can be periodic");
    if (job.periodic.specs.length === 0) pc.add("a cron or crons schedule is required");
    for (const spec of job.periodic.specs) if (!isCronSpec(spec)) pc.add(`${JSON.stringify(spec)} is not a cron expression`, "cron");
  }
  if (job.parameterized) {
    const pc = c.at("parameterized");
    if (job.type !== "batch" && job.type !== "sysbatch") pc.add("only batch and sysbatch jobs can be parameterized");
    if (!["optional", "required", "forbidden"].includes(job.parameterized.payload)) pc.add("payload must be optional, required or forbidden", "payload");
  }
  for (const group of job.taskGroups) validateGroup(c.at(`group "${group.name}"`), group, job, options);
  return c.problems;
}
