// Client nodes on the wire.

import * as pb from "../../proto/index.js";
import type {
  DrainStrategy, DriverInfo, Node, NodeDeviceResource, NodeReservedResources, NodeResources, NodeStatus,
  SchedulingEligibility,
} from "../model/index.js";
import { enumCodec, ifPresent, mapValues, ms, required } from "./convert.js";

export const nodeStatusCodec = enumCodec<NodeStatus, pb.NodeStatus>("Node.status", {
  initializing: pb.NodeStatus.INITIALIZING,
  ready: pb.NodeStatus.READY,
  down: pb.NodeStatus.DOWN,
  disconnected: pb.NodeStatus.DISCONNECTED,
});

export const schedulingEligibilityCodec = enumCodec<SchedulingEligibility, pb.SchedulingEligibility>(
  "Node.schedulingEligibility",
  { eligible: pb.SchedulingEligibility.ELIGIBLE, ineligible: pb.SchedulingEligibility.INELIGIBLE },
);

export interface NodeToWireOptions {
  /**
   * Whether the node's secret goes on the wire: "include" for client registration and Raft,
   * "redact" for every read API. There is no default, so each call site decides.
   */
  secret: "include" | "redact";
}

function deviceToWire(d: NodeDeviceResource): pb.NodeDeviceResource {
  return {
    vendor: d.vendor,
    type: d.type,
    name: d.name,
    instances: d.instances.map((i) => ({ id: i.id, healthy: i.healthy })),
    attributes: { ...d.attributes },
  };
}

function deviceFromWire(d: pb.NodeDeviceResource): NodeDeviceResource {
  return {
    vendor: d.vendor,
    type: d.type,
    name: d.name,
    instances: d.instances.map((i) => ({ id: i.id, healthy: i.healthy })),
    attributes: { ...d.attributes },
  };
}

function resourcesToWire(r: NodeResources): pb.NodeResources {
  return {
    cpuMhz: r.cpuMhz,
    cores: r.cores,
    memoryMb: r.memoryMb,
    diskMb: r.diskMb,
    networks: r.networks.map((n) => ({ mode: n.mode, device: n.device, ip: n.ip, mbits: n.mbits })),
    devices: r.devices.map(deviceToWire),
  };
}

function resourcesFromWire(r: pb.NodeResources): NodeResources {
  return {
    cpuMhz: r.cpuMhz,
    cores: r.cores,
    memoryMb: r.memoryMb,
    diskMb: r.diskMb,
    networks: r.networks.map((n) => ({ mode: n.mode, device: n.device, ip: n.ip, mbits: n.mbits })),
    devices: r.devices.map(deviceFromWire),
  };
}

function reservedToWire(r: NodeReservedResources): pb.NodeReservedResources {
  return { cpuMhz: r.cpuMhz, memoryMb: r.memoryMb, diskMb: r.diskMb, reservedHostPorts: r.reservedHostPorts };
}

function reservedFromWire(r: pb.NodeReservedResources): NodeReservedResources {
  return { cpuMhz: r.cpuMhz, memoryMb: r.memoryMb, diskMb: r.diskMb, reservedHostPorts: r.reservedHostPorts };
}

function driverToWire(d: DriverInfo): pb.DriverInfo {
  return { detected: d.detected, healthy: d.healthy, healthDescription: d.healthDescription, attributes: { ...d.attributes } };
}

function driverFromWire(d: pb.DriverInfo): DriverInfo {
  return { detected: d.detected, healthy: d.healthy, healthDescription: d.healthDescription, attributes: { ...d.attributes } };
}

function drainToWire(d: DrainStrategy): pb.DrainStrategy {
  return {
    deadlineMs: ms(d.deadlineMs), ignoreSystemJobs: d.ignoreSystemJobs, forceDeadlineMs: ms(d.forceDeadlineMs),
    startedAtMs: ms(d.startedAtMs),
  };
}

function drainFromWire(d: pb.DrainStrategy): DrainStrategy {
  return {
    deadlineMs: d.deadlineMs, ignoreSystemJobs: d.ignoreSystemJobs, forceDeadlineMs: d.forceDeadlineMs,
    startedAtMs: d.startedAtMs,
  };
}

export function nodeToWire(node: Node, options: NodeToWireOptions): pb.Node {
  return {
    id: node.id,
    secretId: options.secret === "include" ? node.secretId : "",
    name: node.name,
    datacenter: node.datacenter,
    nodePool: node.nodePool,
    nodeClass: node.nodeClass,
    httpAddr: node.httpAddr,
    attributes: { ...node.attributes },
    meta: { ...node.meta },
    resources: resourcesToWire(node.resources),
    reserved: reservedToWire(node.reserved),
    drivers: mapValues(node.drivers, driverToWire),
    status: nodeStatusCodec.toWire(node.status),
    statusDescription: node.statusDescription,
    schedulingEligibility: schedulingEligibilityCodec.toWire(node.schedulingEligibility),
    drainStrategy: node.drainStrategy && drainToWire(node.drainStrategy),
    computedClass: node.computedClass,
    statusUpdatedAtMs: ms(node.statusUpdatedAtMs),
    createIndex: node.createIndex,
    modifyIndex: node.modifyIndex,
  };
}

/** A redacted node comes back with an empty `secretId`. */
export function nodeFromWire(node: pb.Node): Node {
  return {
    id: node.id,
    secretId: node.secretId,
    name: node.name,
    datacenter: node.datacenter,
    nodePool: node.nodePool,
    nodeClass: node.nodeClass,
    httpAddr: node.httpAddr,
    attributes: { ...node.attributes },
    meta: { ...node.meta },
    resources: resourcesFromWire(required(node.resources, "Node.resources")),
    reserved: reservedFromWire(required(node.reserved, "Node.reserved")),
    drivers: mapValues(node.drivers, driverFromWire),
    status: nodeStatusCodec.fromWire(node.status),
    statusDescription: node.statusDescription,
    schedulingEligibility: schedulingEligibilityCodec.fromWire(node.schedulingEligibility),
    ...ifPresent("drainStrategy", node.drainStrategy, drainFromWire),
    computedClass: node.computedClass,
    statusUpdatedAtMs: node.statusUpdatedAtMs,
    createIndex: node.createIndex,
    modifyIndex: node.modifyIndex,
  };
}
