// A client node as the servers know it: identity, fingerprinted attributes and capacity.

export type NodeStatus = "initializing" | "ready" | "down" | "disconnected";
export type SchedulingEligibility = "eligible" | "ineligible";

export interface NodeDeviceInstance {
  id: string;
  healthy: boolean;
}

/** One group of identical devices on a node, e.g. the node's NVIDIA GPUs of one model. */
export interface NodeDeviceResource {
  vendor: string;
  type: string;
  name: string;
  instances: NodeDeviceInstance[];
  /** Device attributes such as `memory` ("16384 MiB") or `cuda_cores`. */
  attributes: Record<string, string>;
}

export interface NodeResources {
  cpuMhz: number;
  cores: number;
  memoryMb: number;
  diskMb: number;
  /** Addresses the node offers for ports, by host network name ("default" for the main one). */
  networks: { mode: string; device: string; ip: string; mbits: number }[];
  devices: NodeDeviceResource[];
}

/** Capacity set aside for the operating system and other software on the node. */
export interface NodeReservedResources {
  cpuMhz: number;
  memoryMb: number;
  diskMb: number;
  reservedHostPorts: string;
}

export interface DrainStrategy {
  deadlineMs: number;
  ignoreSystemJobs: boolean;
  /** Absolute time (ms since epoch) at which remaining allocations are stopped; 0 = no deadline. */
  forceDeadlineMs: number;
  startedAtMs: number;
}

export interface DriverInfo {
  detected: boolean;
  healthy: boolean;
  healthDescription: string;
  attributes: Record<string, string>;
}

export interface Node {
  id: string;
  /** Secret the client proves its identity with; never shown by read APIs. */
  secretId: string;
  name: string;
  datacenter: string;
  nodePool: string;
  nodeClass: string;
  httpAddr: string;
  attributes: Record<string, string>;
  meta: Record<string, string>;
  resources: NodeResources;
  reserved: NodeReservedResources;
  drivers: Record<string, DriverInfo>;
  status: NodeStatus;
  statusDescription: string;
  schedulingEligibility: SchedulingEligibility;
  drainStrategy?: DrainStrategy;
  /** Hash of the fields that decide feasibility, so schedulers can cache per class. */
  computedClass: string;
  statusUpdatedAtMs: number;
  createIndex: number;
  modifyIndex: number;
}
