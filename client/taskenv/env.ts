// The environment a task runs with: Nomad's NOMAD_* variables, the merged job/group/task meta as
// NOMAD_META_*, then the task's own `env` block (interpolated, and allowed to override), then
// variables rendered by templates with `env = true` (Nomad lets those win over the env block).

import { allocIndex, type Allocation } from "../../shared/model/alloc.js";
import type { Task } from "../../shared/model/job.js";
import type { Node } from "../../shared/model/node.js";
import { interpolateDeep, interpolateString, lookupIn, nodeVariables, type Lookup } from "./interpolate.js";

/** Where the task finds its directories, as the task sees them (host paths, or /alloc… inside a chroot or container). */
export interface TaskDirs {
  /** The allocation's shared directory (NOMAD_ALLOC_DIR). */
  allocDir: string;
  /** The task's local/ directory (NOMAD_TASK_DIR). */
  taskDir: string;
  secretsDir: string;
}

export interface TaskEnvInput {
  alloc: Allocation;
  task: Task;
  node: Node;
  /** The client's region; `${node.region}` and NOMAD_REGION. */
  region: string;
  dirs: TaskDirs;
  /** Variables from templates rendered with `env = true`. */
  templateEnv?: Record<string, string>;
}

export interface TaskEnv {
  /** The whole environment handed to the driver. */
  readonly env: Record<string, string>;
  /** Replaces known `${…}` references in a string; unknown ones stay as written. */
  interpolate(text: string): string;
  /** The same for every string inside a value (a driver `config {}` block). */
  interpolateDeep<T>(value: T): T;
}

/** Nomad's cpuset list notation: [0,1,2,4] → "0-2,4". */
export function cpusetList(cores: readonly number[]): string {
  const sorted = [...new Set(cores)].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j++;
    ranges.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return ranges.join(",");
}

function hostPort(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function nomadVariables(input: TaskEnvInput): Record<string, string> {
  const { alloc, task, node, region, dirs } = input;
  const group = alloc.job.taskGroups.find((g) => g.name === alloc.taskGroup);
  const allocated = alloc.allocatedResources.tasks[task.name];
  const vars: Record<string, string> = {
    NOMAD_ALLOC_ID: alloc.id,
    NOMAD_SHORT_ALLOC_ID: alloc.id.slice(0, 8),
    NOMAD_ALLOC_NAME: alloc.name,
    NOMAD_ALLOC_INDEX: String(allocIndex(alloc)),
    NOMAD_JOB_ID: alloc.jobId,
    NOMAD_JOB_NAME: alloc.job.name,
    NOMAD_GROUP_NAME: alloc.taskGroup,
    NOMAD_TASK_NAME: task.name,
    NOMAD_NAMESPACE: alloc.namespace,
    NOMAD_REGION: region,
    NOMAD_DC: node.datacenter,
    NOMAD_CPU_LIMIT: String(allocated?.cpuMhz ?? task.resources.cpuMhz),
    NOMAD_MEMORY_LIMIT: String(allocated?.memoryMb ?? task.resources.memoryMb),
    NOMAD_ALLOC_DIR: dirs.allocDir,
    NOMAD_TASK_DIR: dirs.taskDir,
    NOMAD_SECRETS_DIR: dirs.secretsDir,
  };
  const cores = allocated?.reservedCores ?? [];
  if (cores.length > 0) vars["NOMAD_CPU_CORES"] = cpusetList(cores);
  const memoryMaxMb = allocated?.memoryMaxMb ?? task.resources.memoryMaxMb;
  if (memoryMaxMb > 0) vars["NOMAD_MEMORY_MAX_LIMIT"] = String(memoryMaxMb);

  // Group ports: the task binds NOMAD_PORT (the mapped port inside the task when `to` is set);
  // the outside world reaches it at the host address and host port.
  for (const port of alloc.allocatedResources.ports) {
    const inside = port.to > 0 ? port.to : port.value;
    vars[`NOMAD_PORT_${port.label}`] = String(inside);
    vars[`NOMAD_IP_${port.label}`] = port.hostIp;
    vars[`NOMAD_ADDR_${port.label}`] = hostPort(port.hostIp, port.value);
    vars[`NOMAD_HOST_PORT_${port.label}`] = String(port.value);
    vars[`NOMAD_HOST_IP_${port.label}`] = port.hostIp;
    vars[`NOMAD_HOST_ADDR_${port.label}`] = hostPort(port.hostIp, port.value);
  }

  // Task meta wins over group meta, which wins over job meta. Nomad sets each key both as written
  // and upper-cased, so `NOMAD_META_owner` and `NOMAD_META_OWNER` both work.
  const meta = { ...alloc.job.meta, ...group?.meta, ...task.meta };
  for (const [key, value] of Object.entries(meta)) {
    vars[`NOMAD_META_${key}`] = value;
    vars[`NOMAD_META_${key.toUpperCase()}`] = value;
  }
  return vars;
}

export function buildTaskEnv(input: TaskEnvInput): TaskEnv {
  const nodeVars = nodeVariables(input.node, input.region);
  const env = nomadVariables(input);
  // The env block is interpolated against the NOMAD_* variables and node facts, not against itself.
  const baseLookup = lookupIn(nodeVars, { ...env });
  for (const [key, value] of Object.entries(input.task.env)) env[key] = interpolateString(value, baseLookup);
  Object.assign(env, input.templateEnv ?? {});
  const lookup: Lookup = lookupIn(nodeVars, env);
  return {
    env,
    interpolate: (text) => interpolateString(text, lookup),
    interpolateDeep: <T>(value: T) => interpolateDeep(value, lookup) as T,
  };
}
