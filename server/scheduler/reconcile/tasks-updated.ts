// Does moving an allocation from one job version to another need a restart? Nomad calls this
// `tasksUpdated`: anything that changes what runs, where it may run, or what it is given
// (driver, config, env, resources, artifacts, templates, service ports, networks, volumes,
// constraints) is destructive; the rest (count, meta, update/migrate/reschedule blocks, restart
// policy, kill timeouts, service tags) is applied in place.

import type { Job, Service, Task, TaskGroup } from "../../../shared/model/index.js";

/** Structural equality of plain data (JSON-like values). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) {
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  return true;
}

/** Only the port wiring of a service needs a restart; tags, meta and checks are updated in place. */
function servicePorts(services: readonly Service[]): unknown {
  return services.map((s) => ({ name: s.name, port: s.portLabel, addressMode: s.addressMode, connect: s.connect }));
}

/**
 * The first change between two versions of one task that needs a destructive update ("task
 * \"web\" config"), or undefined when an in-place update will do.
 */
export function taskChange(a: Task, b: Task): string | undefined {
  const fields: [string, unknown, unknown][] = [
    ["driver", a.driver, b.driver],
    ["user", a.user, b.user],
    ["config", a.config, b.config],
    ["env", a.env, b.env],
    ["resources", a.resources, b.resources],
    ["artifacts", a.artifacts, b.artifacts],
    ["templates", a.templates, b.templates],
    ["services", servicePorts(a.services), servicePorts(b.services)],
    ["constraints", a.constraints, b.constraints],
    ["affinities", a.affinities, b.affinities],
    ["lifecycle", a.lifecycle, b.lifecycle],
    ["volumeMounts", a.volumeMounts, b.volumeMounts],
    ["dispatchPayload", a.dispatchPayload, b.dispatchPayload],
    ["vault", a.vault, b.vault],
    ["consul", a.consul, b.consul],
    ["identities", a.identities, b.identities],
    ["leader", a.leader, b.leader],
    ["kind", a.kind, b.kind],
  ];
  for (const [name, x, y] of fields) {
    if (!deepEqual(x, y)) return `task "${a.name}" ${name}`;
  }
  return undefined;
}

/**
 * The first change between two versions of a group that needs a destructive update, as a short
 * description ("task \"web\" config", "group networks"), or undefined when an in-place update
 * will do.
 */
export function tasksUpdated(oldJob: Job, newJob: Job, groupName: string): string | undefined {
  const a = oldJob.taskGroups.find((g) => g.name === groupName);
  const b = newJob.taskGroups.find((g) => g.name === groupName);
  if (!a || !b) return "group";
  const jobFields: [string, unknown, unknown][] = [
    ["constraints", oldJob.constraints, newJob.constraints],
    ["affinities", oldJob.affinities, newJob.affinities],
    ["spreads", oldJob.spreads, newJob.spreads],
    ["vault", oldJob.vault, newJob.vault],
    ["consul", oldJob.consul, newJob.consul],
  ];
  for (const [name, x, y] of jobFields) {
    if (!deepEqual(x, y)) return `job ${name}`;
  }
  return groupChange(a, b);
}

function groupChange(a: TaskGroup, b: TaskGroup): string | undefined {
  const fields: [string, unknown, unknown][] = [
    ["tasks", a.tasks.map((t) => t.name), b.tasks.map((t) => t.name)],
    ["constraints", a.constraints, b.constraints],
    ["affinities", a.affinities, b.affinities],
    ["spreads", a.spreads, b.spreads],
    ["networks", a.networks, b.networks],
    ["services", servicePorts(a.services), servicePorts(b.services)],
    ["ephemeralDisk", a.ephemeralDisk, b.ephemeralDisk],
    ["volumes", a.volumes, b.volumes],
    ["consul", a.consul, b.consul],
  ];
  for (const [name, x, y] of fields) {
    if (!deepEqual(x, y)) return `group ${name}`;
  }
  for (const at of a.tasks) {
    const bt = b.tasks.find((t) => t.name === at.name);
    if (!bt) return `task "${at.name}"`;
    const change = taskChange(at, bt);
    if (change !== undefined) return change;
  }
  return undefined;
}
