// The node a client registers: the machine's facts, its drivers and GPUs, and the overrides and
// meta from the client's config. Run at start and again periodically; the client re-registers
// when the result changed.

import type { DriverInfo, Node, NodeDeviceResource } from "../../shared/model/index.js";
import type { Driver } from "../drivers/driver.js";
import type { ClientOptions } from "../options.js";
import { fingerprintHost, fingerprintNvidia, type GpuFacts } from "./host.js";

export interface NodeIdentity {
  id: string;
  secretId: string;
}

function gpuDevices(gpus: GpuFacts[]): NodeDeviceResource[] {
  const byModel = new Map<string, GpuFacts[]>();
  for (const gpu of gpus) byModel.set(gpu.name, [...(byModel.get(gpu.name) ?? []), gpu]);
  return [...byModel].map(([name, list]) => ({
    vendor: "nvidia", type: "gpu", name,
    instances: list.map((g) => ({ id: g.id, healthy: true })),
    attributes: { memory: `${list[0]?.memoryMb ?? 0} MiB` },
  }));
}

export async function fingerprintNode(opts: ClientOptions, identity: NodeIdentity, drivers: readonly Driver[], version: string, httpAddr: string): Promise<Node> {
  const host = fingerprintHost(opts.dataDir);
  const driverInfo: Record<string, DriverInfo> = {};
  const driverAttributes: Record<string, string> = {};
  await Promise.all(drivers.map(async (driver) => {
    const found = await driver.fingerprint().catch((err: Error) => ({ detected: false, healthy: false, healthDescription: err.message, attributes: {} }));
    driverInfo[driver.name] = { detected: found.detected, healthy: found.healthy, healthDescription: found.healthDescription, attributes: found.attributes };
    if (found.detected) {
      driverAttributes[`driver.${driver.name}`] = "1";
      Object.assign(driverAttributes, found.attributes);
    }
  }));
  const cores = opts.cpuCores ?? host.cores;
  const cpuMhz = opts.cpuTotalMhz ?? (opts.cpuCores !== undefined ? Math.round((host.cpuMhz / host.cores) * cores) : host.cpuMhz);
  const memoryMb = opts.memoryMb ?? host.memoryMb;
  const attributes: Record<string, string> = {
    ...host.attributes,
    "cpu.numcores": String(cores),
    "cpu.totalcompute": String(cpuMhz),
    "memory.totalbytes": String(memoryMb * 1024 * 1024),
    "unique.network.ip-address": opts.networkIp,
    "nomad.version": version,
    ...driverAttributes,
    // The config's attributes come last: they are how a machine stands in for other hardware.
    ...opts.attributes,
  };
  return {
    id: identity.id,
    secretId: identity.secretId,
    name: opts.name,
    datacenter: opts.datacenter,
    nodePool: opts.nodePool,
    nodeClass: opts.nodeClass,
    httpAddr,
    attributes,
    meta: { ...opts.meta },
    resources: {
      cpuMhz, cores, memoryMb, diskMb: opts.diskMb ?? host.diskMb,
      networks: [{ mode: "host", device: "", ip: opts.networkIp, mbits: 1000 }],
      devices: gpuDevices(await fingerprintNvidia()),
    },
    reserved: { ...opts.reserved },
    drivers: driverInfo,
    status: "initializing",
    statusDescription: "",
    schedulingEligibility: "eligible",
    computedClass: "",
    statusUpdatedAtMs: Date.now(),
    createIndex: 0,
    modifyIndex: 0,
  };
}

/** Whether two fingerprints differ in anything the servers schedule on. */
export function fingerprintChanged(a: Node, b: Node): boolean {
  // Free disk space and the current clock move all the time; re-registering for them would be churn.
  const strip = (n: Node) => JSON.stringify({
    ...n, statusUpdatedAtMs: 0, status: "",
    resources: { ...n.resources, diskMb: 0 },
    attributes: { ...n.attributes, "unique.storage.bytesfree": "", "cpu.frequency": "", "cpu.totalcompute": "" },
  });
  return strip(a) !== strip(b);
}
