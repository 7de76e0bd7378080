// The docker driver's `config {}` block (a subset of Nomad's) and how a task becomes the body of
// a create-container request.

import path from "node:path";
import type Dockerode from "dockerode";
import type { TaskConfig } from "../driver.js";
import { TaskConfigError } from "../driver.js";
import { checkOptions, optBoolean, optMap, optString, optStrings, type OptionSchema } from "../util/config.js";

const SCHEMA: OptionSchema = {
  image: { kind: "string", required: true },
  command: { kind: "string" },
  args: { kind: "strings" },
  entrypoint: { kind: "strings" },
  ports: { kind: "strings" },
  labels: { kind: "map" },
  work_dir: { kind: "string" },
  hostname: { kind: "string" },
  privileged: { kind: "boolean" },
  volumes: { kind: "strings" },
  network_mode: { kind: "string" },
  init: { kind: "boolean" },
};

/** Labels on every container the driver makes: how it (and an operator) finds them again. */
export const LABELS = {
  allocId: "com.nomadish.alloc_id",
  taskName: "com.nomadish.task_name",
  jobName: "com.nomadish.job_name",
  groupName: "com.nomadish.group_name",
} as const;

const MIB = 1024 * 1024;

export function validateDockerConfig(config: Record<string, unknown>): string[] {
  const problems = checkOptions("docker", SCHEMA, config);
  if (optBoolean(config, "privileged") === true) problems.push("privileged containers are not allowed on this client");
  for (const volume of optStrings(config, "volumes")) {
    if (!/^[^:]+:\/[^:]*(:(ro|rw))?$/.test(volume)) problems.push(`volume "${volume}" must be "host_path:/container_path" (optionally ":ro")`);
  }
  return problems;
}

export function containerName(task: TaskConfig): string {
  return `${task.taskName}-${task.allocId}`;
}

/** The create-container request for a task whose config has been validated. */
export function containerSpec(task: TaskConfig): Dockerode.ContainerCreateOptions {
  const config = task.config;
  const image = optString(config, "image") ?? "";
  const command = optString(config, "command");
  const args = optStrings(config, "args");
  const { memoryMb, memoryMaxMb, cpuMhz } = task.resources;
  // memory_max (oversubscription) is the hard limit; memory is then only reserved.
  const memoryBytes = (memoryMaxMb > memoryMb ? memoryMaxMb : memoryMb) * MIB;

  const hostConfig: Dockerode.HostConfig = {
    // A shell as pid 1 ignores SIGTERM; docker's init forwards signals and reaps zombies.
    Init: optBoolean(config, "init") ?? true,
    Privileged: false,
    CpuShares: Math.max(2, Math.round(cpuMhz)),
    Binds: [
      `${path.join(task.taskDir, "local")}:/local`,
      `${path.join(task.taskDir, "secrets")}:/secrets`,
      `${task.allocDir}:/alloc`,
      ...optStrings(config, "volumes").map((v) => (v.startsWith("/") ? v : path.join(task.taskDir, v))),
    ],
    PortBindings: portBindings(task),
    // json-file, so the logs API can replay output from a point in time after a client restart.
    LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "2" } },
  };
  if (memoryBytes > 0) {
    hostConfig.Memory = memoryBytes;
    hostConfig.MemorySwap = memoryBytes; // no swap beyond the limit
    if (memoryMaxMb > memoryMb) hostConfig.MemoryReservation = memoryMb * MIB;
  }
  const networkMode = optString(config, "network_mode");
  if (networkMode !== undefined && networkMode !== "") hostConfig.NetworkMode = networkMode;

  const spec: Dockerode.ContainerCreateOptions = {
    name: containerName(task),
    Image: image,
    Env: Object.entries(task.env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      ...optMap(config, "labels"),
      [LABELS.allocId]: task.allocId,
      [LABELS.taskName]: task.taskName,
      [LABELS.jobName]: task.jobName,
      [LABELS.groupName]: task.groupName,
    },
    ExposedPorts: Object.fromEntries(Object.keys(hostConfig.PortBindings as object).map((p) => [p, {}])),
    HostConfig: hostConfig,
  };
  if (command !== undefined) spec.Cmd = [command, ...args];
  else if (args.length > 0) spec.Cmd = args;
  const entrypoint = optStrings(config, "entrypoint");
  if (entrypoint.length > 0) spec.Entrypoint = entrypoint;
  const workDir = optString(config, "work_dir");
  if (workDir !== undefined) spec.WorkingDir = workDir;
  const hostname = optString(config, "hostname");
  if (hostname !== undefined) spec.Hostname = hostname;
  if (task.user !== "") spec.User = task.user;
  return spec;
}

/** `ports = ["http"]` publishes the group's port `http` on the node's address: value → to (tcp and udp, as Nomad). */
function portBindings(task: TaskConfig): Record<string, Array<{ HostIp: string; HostPort: string }>> {
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const label of optStrings(task.config, "ports")) {
    const port = task.ports.find((p) => p.label === label);
    if (port === undefined) throw new TaskConfigError(`port "${label}" is not in the group's network block`);
    const inside = port.to > 0 ? port.to : port.value;
    for (const proto of ["tcp", "udp"]) {
      (bindings[`${inside}/${proto}`] ??= []).push({ HostIp: port.hostIp, HostPort: String(port.value) });
    }
  }
  return bindings;
}
