// What a node has free, and fitting one task group onto it: cpu, cores, memory, disk, ports and
// devices. Every failure names the exhausted dimension the way Nomad's placement failures do.

import {
  allocatedTotals, sumAllocUsage,
  type AllocatedPort, type AllocatedResources, type AllocatedTaskResources, type Allocation, type Node, type NodeAllocUsage,
  type NodeDeviceResource, type Port, type RequestedDevice, type ResourceHolder, type TaskGroup,
} from "../../shared/model/index.js";
import { checkAttributeConstraint, type OperatorCache } from "./operators.js";
import type { Rng } from "./rng.js";
import { resolveDeviceTarget } from "./target.js";

/** Dimension names recorded in `AllocMetric.dimensionExhausted`. */
export const DIMENSION = {
  cpu: "cpu",
  cores: "cores",
  memory: "memory",
  disk: "disk",
  portCollision: "network: port collision",
  dynamicPorts: "network: dynamic port selection failed",
  hostNetwork: "network: host network not found",
  devices: "devices: no devices match request",
} as const;

/** Stopped, evicted, or finished on the client: holds no resources any more. */
export function isTerminal(alloc: Allocation): boolean {
  return alloc.desiredStatus === "stop" || alloc.desiredStatus === "evict" ||
    alloc.clientStatus === "complete" || alloc.clientStatus === "failed" || alloc.clientStatus === "lost";
}

export interface Capacity {
  cpuMhz: number;
  memoryMb: number;
  diskMb: number;
}

/** What the node offers to allocations: its resources minus what is reserved for the system. */
export function nodeCapacity(node: Node): Capacity {
  return {
    cpuMhz: node.resources.cpuMhz - node.reserved.cpuMhz,
    memoryMb: node.resources.memoryMb - node.reserved.memoryMb,
    diskMb: node.resources.diskMb - node.reserved.diskMb,
  };
}

export function allocUsage(alloc: Allocation): Capacity {
  return allocatedTotals(alloc.allocatedResources);
}

/** `"22,80,8000-8100"` → the ports it lists; malformed parts are ignored. */
export function parsePortRanges(spec: string): number[] {
  const ports: number[] = [];
  for (const part of spec.split(",")) {
    const text = part.trim();
    if (text === "") continue;
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(text);
    if (range) {
      const lo = Number(range[1]);
      const hi = Math.min(Number(range[2]), 65535);
      for (let p = lo; p <= hi; p++) ports.push(p);
    } else if (/^\d+$/.test(text)) {
      ports.push(Number(text));
    }
  }
  return ports;
}

/**
 * The address a port on `hostNetwork` binds to: the node network whose device is named so;
 * "default" falls back to the first host-mode network, then the fingerprinted address.
 * Undefined when the node has no such host network.
 */
export function hostIpFor(node: Node, hostNetwork: string): string | undefined {
  const networks = node.resources.networks;
  const named = networks.find((n) => n.device === hostNetwork);
  if (named) return named.ip;
  if (hostNetwork !== "" && hostNetwork !== "default") return undefined;
  const main = networks.find((n) => n.mode === "host") ?? networks[0];
  return main?.ip ?? node.attributes["unique.network.ip-address"] ?? "";
}

/** Ports the group asks for: group networks first, then each task's, static before dynamic. */
export function requestedPorts(group: TaskGroup): { statics: Port[]; dynamics: Port[] } {
  let ports = portsByGroup.get(group);
  if (ports === undefined) {
    const networks = [...group.networks, ...group.tasks.flatMap((t) => t.resources.networks)];
    ports = { statics: networks.flatMap((n) => n.reservedPorts), dynamics: networks.flatMap((n) => n.dynamicPorts) };
    portsByGroup.set(group, ports);
  }
  return ports;
}

/** Groups are immutable rows, and every placement of a group asks: work its ports out once. */
const portsByGroup = new WeakMap<TaskGroup, { statics: Port[]; dynamics: Port[] }>();

/** Ports in use on one node, by host address ("" binds every address). */
export class PortIndex {
  private readonly byIp = new Map<string, Set<number>>();
  private readonly reserved: Set<number>;

  constructor(node: Node, holders: readonly ResourceHolder[]) {
    this.reserved = new Set(parsePortRanges(node.reserved.reservedHostPorts));
    for (const alloc of holders) for (const p of alloc.allocatedResources.ports) this.add(p.hostIp, p.value);
  }

  used(ip: string, port: number): boolean {
    if (this.reserved.has(port)) return true;
    if (ip === "") {
      for (const set of this.byIp.values()) if (set.has(port)) return true;
      return false;
    }
    return (this.byIp.get(ip)?.has(port) ?? false) || (this.byIp.get("")?.has(port) ?? false);
  }

  /** Marks a port used; false when it already was (a collision). */
  add(ip: string, port: number): boolean {
    const collided = this.used(ip, port);
    let set = this.byIp.get(ip);
    if (set === undefined) {
      set = new Set();
      this.byIp.set(ip, set);
    }
    set.add(port);
    return !collided;
  }
}

/** How many random probes before falling back to scanning the whole range (Nomad does the same). */
const RANDOM_PORT_ATTEMPTS = 20;

function pickDynamicPort(index: PortIndex, ip: string, min: number, max: number, rng: Rng): number | undefined {
  const span = max - min + 1;
  for (let i = 0; i < RANDOM_PORT_ATTEMPTS; i++) {
    const port = min + rng.int(span);
    if (!index.used(ip, port)) return port;
  }
  const free: number[] = [];
  for (let port = min; port <= max; port++) if (!index.used(ip, port)) free.push(port);
  return free.length === 0 ? undefined : free[rng.int(free.length)];
}

/** Whether a node device group answers a request's name: `type`, `vendor/type` or `vendor/type/name`. */
export function deviceMatchesName(device: NodeDeviceResource, requested: string): boolean {
  const parts = requested.split("/");
  switch (parts.length) {
    case 1: return parts[0] === device.type;
    case 2: return parts[0] === device.vendor && parts[1] === device.type;
    case 3: return parts[0] === device.vendor && parts[1] === device.type && parts[2] === device.name;
    default: return false;
  }
}

/** Name and constraints of a device request hold for a node device group. */
export function deviceMatches(cache: OperatorCache, device: NodeDeviceResource, request: RequestedDevice): boolean {
  if (!deviceMatchesName(device, request.name)) return false;
  return request.constraints.every((c) =>
    checkAttributeConstraint(cache, c.operator, resolveDeviceTarget(c.attribute, device), resolveDeviceTarget(c.value, device)));
}

/** Sum of the weights of a request's affinities that hold for a device group. */
function deviceAffinityWeight(cache: OperatorCache, device: NodeDeviceResource, request: RequestedDevice): number {
  let sum = 0;
  for (const a of request.affinities) {
    const l = resolveDeviceTarget(a.attribute, device);
    const r = resolveDeviceTarget(a.value, device);
    if (checkAttributeConstraint(cache, a.operator, l, r)) sum += a.weight;
  }
  return sum;
}

export function deviceFullName(device: NodeDeviceResource): string {
  return `${device.vendor}/${device.type}/${device.name}`;
}

export interface FitEnv {
  cache: OperatorCache;
  rng: Rng;
  dynamicPortMin: number;
  dynamicPortMax: number;
}

export type FitResult =
  | {
    fit: true;
    resources: AllocatedResources;
    /** cpu and memory in use on the node once the group is placed, for scoring. */
    utilization: { cpuMhz: number; memoryMb: number };
    /** Matched device affinity weight over total device affinity weight; undefined without device affinities. */
    deviceAffinity: number | undefined;
  }
  | { fit: false; dimension: string };

/** Reserved cores and device instances the holders take. */
function heldCoresAndDevices(holders: readonly ResourceHolder[]): { cores: Set<number>; devices: Set<string> } {
  const cores = new Set<number>();
  const devices = new Set<string>();
  if (holders.length === 0) return { cores, devices };
  for (const alloc of holders) {
    for (const name in alloc.allocatedResources.tasks) {
      const task = alloc.allocatedResources.tasks[name];
      if (task === undefined) continue;
      for (const core of task.reservedCores) cores.add(core);
      for (const d of task.devices) for (const id of d.deviceIds) devices.add(id);
    }
  }
  return { cores, devices };
}

/**
 * Fits one more allocation of `group` onto `node`, next to what the node's proposed allocations
 * take (`usage`). Assigns ports, cores and device instances.
 */
export function fitGroup(node: Node, group: TaskGroup, env: FitEnv, usage: NodeAllocUsage): FitResult {
  const capacity = nodeCapacity(node);
  let cpuUsed = usage.cpuMhz;
  let memUsed = usage.memoryMb;
  let diskUsed = usage.diskMb;
  const { cores: usedCores, devices: usedDevices } = heldCoresAndDevices(usage.holders);

  // Ports: statics must be free on their address, dynamics are picked around everything used.
  const ports: AllocatedPort[] = [];
  const { statics, dynamics } = requestedPorts(group);
  if (statics.length > 0 || dynamics.length > 0) {
    const index = new PortIndex(node, usage.holders);
    for (const port of statics) {
      const ip = hostIpFor(node, port.hostNetwork);
      if (ip === undefined) return { fit: false, dimension: DIMENSION.hostNetwork };
      if (!index.add(ip, port.value)) return { fit: false, dimension: DIMENSION.portCollision };
      ports.push({ label: port.label, value: port.value, to: port.to === -1 ? port.value : port.to, hostIp: ip });
    }
    for (const port of dynamics) {
      const ip = hostIpFor(node, port.hostNetwork);
      if (ip === undefined) return { fit: false, dimension: DIMENSION.hostNetwork };
      const value = pickDynamicPort(index, ip, env.dynamicPortMin, env.dynamicPortMax, env.rng);
      if (value === undefined) return { fit: false, dimension: DIMENSION.dynamicPorts };
      index.add(ip, value);
      ports.push({ label: port.label, value, to: port.to === -1 ? value : port.to, hostIp: ip });
    }
  }

  const tasks: Record<string, AllocatedTaskResources> = {};
  let deviceAffinityTotal = 0;
  let deviceAffinityMatched = 0;
  const mhzPerCore = node.resources.cores > 0 ? node.resources.cpuMhz / node.resources.cores : 0;
  for (const task of group.tasks) {
    const res = task.resources;
    // Cores: whole cores pinned to the task, worth their share of the node's MHz.
    const reservedCores: number[] = [];
    let cpuMhz = res.cpuMhz;
    if (res.cores > 0) {
      for (let core = 0; core < node.resources.cores && reservedCores.length < res.cores; core++) {
        if (!usedCores.has(core)) reservedCores.push(core);
      }
      if (reservedCores.length < res.cores) return { fit: false, dimension: DIMENSION.cores };
      for (const core of reservedCores) usedCores.add(core);
      cpuMhz = Math.floor(res.cores * mhzPerCore);
    }

    // Devices: the best-liked matching device group with enough free healthy instances.
    const devices: AllocatedTaskResources["devices"] = [];
    for (const request of res.devices) {
      let best: { device: NodeDeviceResource; free: string[]; weight: number } | undefined;
      for (const device of node.resources.devices) {
        if (!deviceMatches(env.cache, device, request)) continue;
        const free = device.instances.filter((i) => i.healthy && !usedDevices.has(i.id)).map((i) => i.id);
        if (free.length < request.count) continue;
        const weight = request.affinities.length > 0 ? deviceAffinityWeight(env.cache, device, request) : 0;
        if (best === undefined || weight > best.weight) best = { device, free, weight };
      }
      if (best === undefined) return { fit: false, dimension: DIMENSION.devices };
      const deviceIds = best.free.slice(0, request.count);
      for (const id of deviceIds) usedDevices.add(id);
      devices.push({ name: deviceFullName(best.device), deviceIds });
      if (request.affinities.length > 0) {
        for (const a of request.affinities) deviceAffinityTotal += Math.abs(a.weight);
        deviceAffinityMatched += best.weight;
      }
    }

    tasks[task.name] = { cpuMhz, reservedCores, memoryMb: res.memoryMb, memoryMaxMb: res.memoryMaxMb, devices };
    cpuUsed += cpuMhz;
    memUsed += res.memoryMb;
  }
  diskUsed += group.ephemeralDisk.sizeMb;

  if (cpuUsed > capacity.cpuMhz) return { fit: false, dimension: DIMENSION.cpu };
  if (memUsed > capacity.memoryMb) return { fit: false, dimension: DIMENSION.memory };
  if (diskUsed > capacity.diskMb) return { fit: false, dimension: DIMENSION.disk };

  return {
    fit: true,
    resources: { tasks, diskMb: group.ephemeralDisk.sizeMb, ports },
    utilization: { cpuMhz: cpuUsed, memoryMb: memUsed },
    deviceAffinity: deviceAffinityTotal === 0 ? undefined : deviceAffinityMatched / deviceAffinityTotal,
  };
}

/**
 * Whether what a node's allocations take together fits on it (what the plan applier re-checks
 * before committing): capacity, no port used twice or reserved, no core or device instance used
 * twice, every device instance present and healthy.
 */
export function usageFits(node: Node, usage: NodeAllocUsage): { fit: true } | { fit: false; dimension: string } {
  const capacity = nodeCapacity(node);
  const ports = new PortIndex(node, []);
  const cores = new Set<number>();
  const healthy = new Set(node.resources.devices.flatMap((d) => d.instances.filter((i) => i.healthy).map((i) => i.id)));
  const devices = new Set<string>();
  for (const alloc of usage.holders) {
    for (const p of alloc.allocatedResources.ports) {
      if (!ports.add(p.hostIp, p.value)) return { fit: false, dimension: DIMENSION.portCollision };
    }
    for (const name in alloc.allocatedResources.tasks) {
      const task = alloc.allocatedResources.tasks[name];
      if (task === undefined) continue;
      for (const core of task.reservedCores) {
        if (cores.has(core) || core >= node.resources.cores) return { fit: false, dimension: DIMENSION.cores };
        cores.add(core);
      }
      for (const d of task.devices) {
        for (const id of d.deviceIds) {
          if (devices.has(id) || !healthy.has(id)) return { fit: false, dimension: DIMENSION.devices };
          devices.add(id);
        }
      }
    }
  }
  if (usage.cpuMhz > capacity.cpuMhz) return { fit: false, dimension: DIMENSION.cpu };
  if (usage.memoryMb > capacity.memoryMb) return { fit: false, dimension: DIMENSION.memory };
  if (usage.diskMb > capacity.diskMb) return { fit: false, dimension: DIMENSION.disk };
  return { fit: true };
}

/** Whether a set of allocations fits on a node together; terminal allocations are ignored. */
export function allocsFit(node: Node, allocs: readonly Allocation[]): { fit: true } | { fit: false; dimension: string } {
  return usageFits(node, sumAllocUsage(allocs.filter((a) => !isTerminal(a))));
}

/** Whether the node has devices for every request of the group at all, ignoring what other allocations use (Nomad's DeviceChecker). */
export function devicesFeasible(node: Node, group: TaskGroup, cache: OperatorCache): boolean {
  const available = new Map<NodeDeviceResource, number>();
  for (const d of node.resources.devices) available.set(d, d.instances.filter((i) => i.healthy).length);
  for (const task of group.tasks) {
    for (const request of task.resources.devices) {
      let satisfied = false;
      for (const [device, count] of available) {
        if (count >= request.count && deviceMatches(cache, device, request)) {
          available.set(device, count - request.count);
          satisfied = true;
          break;
        }
      }
      if (!satisfied) return false;
    }
  }
  return true;
}
