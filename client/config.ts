// client.hcl: the client's settings in Nomad's agent config shape.
//
//   name       = "edge-1"
//   datacenter = "dc1"
//   client {
//     servers    = ["127.0.0.1:4647"]
//     node_class = "edge"
//     node_pool  = "default"
//     meta       { rack = "r1" }
//     # nomadish: stand in for other hardware
//     attributes = { "cpu.arch" = "arm64" }
//     cpu_total_compute = 4000
//     cpu_cores         = 2
//     memory_total_mb   = 2048
//     reserved { cpu = 100  memory = 256  disk = 0  reserved_ports = "22" }
//   }
//   plugin "raw_exec" { config { enabled = true } }

import { readFileSync } from "node:fs";
import { evaluate, HclError, parseHcl, stdlibFunctions, type Body } from "../shared/hcl/index.js";
import { UserError } from "../shared/errors.js";
import type { ClientOptions } from "./options.js";

export type ClientConfigFile = Partial<Omit<ClientOptions, "reserved">> & { reserved?: Partial<ClientOptions["reserved"]> };

type Plain = string | number | boolean | null | Plain[] | { [k: string]: Plain };

/** A body as plain data: attributes by name, blocks by type and then by each label. */
function bodyValue(body: Body): Record<string, Plain> {
  const functions = stdlibFunctions();
  const out: Record<string, Plain> = {};
  for (const attr of body.attributes) out[attr.name] = evaluate(attr.expr, { variables: {}, functions }) as Plain;
  for (const block of body.blocks) {
    const path = [block.type, ...block.labels];
    let target = out;
    for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, Plain>;
    const last = path[path.length - 1] as string;
    target[last] = { ...((target[last] as Record<string, Plain> | undefined) ?? {}), ...bodyValue(block.body) };
  }
  return out;
}

function strings(value: Plain | undefined, where: string): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new UserError(`${where} must be a block of key = value`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function num(value: Plain | undefined, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !(value >= 0)) throw new UserError(`${where} must be a number ≥ 0, not ${JSON.stringify(value)}`);
  return value;
}

function str(value: Plain | undefined, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new UserError(`${where} must be a string, not ${JSON.stringify(value)}`);
  return value;
}

const KNOWN_TOP = new Set(["name", "datacenter", "region", "data_dir", "client", "plugin", "bind_addr"]);
const KNOWN_CLIENT = new Set([
  "enabled", "servers", "node_class", "node_pool", "meta", "attributes", "cpu_total_compute", "cpu_cores", "memory_total_mb",
  "disk_total_mb", "reserved", "network_ip", "options",
]);

export function parseClientConfig(text: string, file: string): ClientConfigFile {
  let root: Record<string, Plain>;
  try {
    root = bodyValue(parseHcl(text, file));
  } catch (err) {
    if (err instanceof HclError) throw new UserError(err.message);
    throw err;
  }
  for (const key of Object.keys(root)) if (!KNOWN_TOP.has(key)) throw new UserError(`${file}: unknown setting "${key}"`);
  const client = (root["client"] ?? {}) as Record<string, Plain>;
  for (const key of Object.keys(client)) if (!KNOWN_CLIENT.has(key)) throw new UserError(`${file}: unknown setting "client.${key}"`);
  const out: ClientConfigFile = {};
  const set = <K extends keyof ClientConfigFile>(key: K, value: ClientConfigFile[K] | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set("name", str(root["name"], `${file}: name`));
  set("datacenter", str(root["datacenter"], `${file}: datacenter`));
  set("region", str(root["region"], `${file}: region`));
  set("dataDir", str(root["data_dir"], `${file}: data_dir`));
  set("bind", str(root["bind_addr"], `${file}: bind_addr`));
  if (client["servers"] !== undefined) {
    if (!Array.isArray(client["servers"])) throw new UserError(`${file}: client.servers must be a list of "host:port"`);
    out.servers = client["servers"].map(String);
  }
  set("nodeClass", str(client["node_class"], `${file}: client.node_class`));
  set("nodePool", str(client["node_pool"], `${file}: client.node_pool`));
  set("networkIp", str(client["network_ip"], `${file}: client.network_ip`));
  if (client["meta"] !== undefined) out.meta = strings(client["meta"], `${file}: client.meta`);
  if (client["attributes"] !== undefined) out.attributes = strings(client["attributes"], `${file}: client.attributes`);
  set("cpuTotalMhz", num(client["cpu_total_compute"], `${file}: client.cpu_total_compute`));
  set("cpuCores", num(client["cpu_cores"], `${file}: client.cpu_cores`));
  set("memoryMb", num(client["memory_total_mb"], `${file}: client.memory_total_mb`));
  set("diskMb", num(client["disk_total_mb"], `${file}: client.disk_total_mb`));
  const reserved = client["reserved"] as Record<string, Plain> | undefined;
  if (reserved !== undefined) {
    const r: Partial<ClientOptions["reserved"]> = {};
    const cpu = num(reserved["cpu"], `${file}: client.reserved.cpu`);
    const memory = num(reserved["memory"], `${file}: client.reserved.memory`);
    const disk = num(reserved["disk"], `${file}: client.reserved.disk`);
    const ports = str(reserved["reserved_ports"], `${file}: client.reserved.reserved_ports`);
    if (cpu !== undefined) r.cpuMhz = cpu;
    if (memory !== undefined) r.memoryMb = memory;
    if (disk !== undefined) r.diskMb = disk;
    if (ports !== undefined) r.reservedHostPorts = ports;
    out.reserved = r;
  }
  const options = strings(client["options"], `${file}: client.options`);
  const plugins = (root["plugin"] ?? {}) as Record<string, Record<string, Plain>>;
  const rawExec = (plugins["raw_exec"]?.["config"] as Record<string, Plain> | undefined)?.["enabled"];
  if (rawExec !== undefined || options["driver.raw_exec.enable"] !== undefined) {
    out.rawExecEnabled = rawExec === true || options["driver.raw_exec.enable"] === "1" || options["driver.raw_exec.enable"] === "true";
  }
  return out;
}

export function loadClientConfig(file: string): ClientConfigFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UserError(`cannot read the client config ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseClientConfig(text, file);
}
