// Puts a client agent together: its settings from flags and client.hcl, its drivers, and the
// allocation runners it runs allocations with.

import os from "node:os";
import path from "node:path";
import { AllocRunner } from "../client/allocrunner/index.js";
import { ClientAgent } from "../client/agent.js";
import { loadClientConfig, type ClientConfigFile } from "../client/config.js";
import type { Driver } from "../client/drivers/driver.js";
import { DockerDriver, ExecDriver, MockDriver, RawExecDriver } from "../client/drivers/index.js";
import { DEFAULT_CLIENT_OPTIONS, type ClientOptions } from "../client/options.js";
import type { CommandIO } from "../cli/command.js";
import type { ParsedFlags } from "../cli/flags.js";
import { advertisedHost } from "../shared/advertise.js";
import { UserError } from "../shared/errors.js";
import type { Logger } from "../shared/log.js";

function addressList(text: string | undefined): string[] {
  return (text ?? "").split(",").map((a) => a.trim()).filter((a) => a !== "");
}

export function clientOptionsFrom(flags: ParsedFlags, io: CommandIO, defaults: { servers?: string[]; dataDir?: string } = {}): ClientOptions {
  let file: ClientConfigFile = {};
  for (const config of flags.lists.get("config") ?? []) file = { ...file, ...loadClientConfig(path.resolve(io.cwd, config)) };
  const servers = [...(flags.lists.get("servers") ?? []).flatMap(addressList), ...(file.servers ?? [])];
  const allServers = servers.length > 0 ? servers : defaults.servers ?? [];
  if (allServers.length === 0) throw new UserError("a client needs servers: -servers host:port,… or client.servers in -config");
  for (const a of allServers) if (!/^[^\s:]+:\d+$/.test(a)) throw new UserError(`-servers ${JSON.stringify(a)}: expected host:port`);
  const dataDir = flags.strings.get("data-dir") ?? file.dataDir ?? defaults.dataDir;
  if (!dataDir) throw new UserError("-data-dir is required: the client keeps its state and the allocations there");
  const bind = flags.strings.get("bind") ?? file.bind ?? DEFAULT_CLIENT_OPTIONS.bind;
  const advertise = flags.strings.get("advertise");
  const port = Number(flags.strings.get("client-port") ?? DEFAULT_CLIENT_OPTIONS.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError("-client-port must be a port number");
  return {
    ...DEFAULT_CLIENT_OPTIONS,
    ...file,
    dataDir: path.resolve(io.cwd, dataDir),
    servers: allServers,
    name: flags.strings.get("node-name") ?? file.name ?? os.hostname(),
    datacenter: flags.strings.get("dc") ?? file.datacenter ?? DEFAULT_CLIENT_OPTIONS.datacenter,
    region: flags.strings.get("region") ?? file.region ?? DEFAULT_CLIENT_OPTIONS.region,
    meta: file.meta ?? {},
    attributes: file.attributes ?? {},
    reserved: { cpuMhz: 0, memoryMb: 0, diskMb: 0, reservedHostPorts: "", ...file.reserved },
    bind,
    ...(advertise ? { advertise } : {}),
    port,
    networkIp: file.networkIp ?? advertisedHost(bind, advertise),
    rawExecEnabled: file.rawExecEnabled ?? false,
  };
}

export function clientDrivers(opts: ClientOptions, logger: Logger): Driver[] {
  return [
    new DockerDriver({ logger: logger.child("docker") }),
    new ExecDriver({ logger: logger.child("exec") }),
    new RawExecDriver({ enabled: opts.rawExecEnabled, logger: logger.child("raw_exec") }),
    new MockDriver(),
  ];
}

export function startClient(opts: ClientOptions, logger: Logger, version: string): Promise<ClientAgent> {
  const drivers = clientDrivers(opts, logger);
  return ClientAgent.start(opts, {
    drivers, logger: logger.child("client"), version,
    makeRunner: (alloc, node, allocDir, hooks) => new AllocRunner({ alloc, node, allocDir, region: opts.region }, {
      drivers, report: hooks.report, saveHandle: hooks.saveHandle, logger: logger.child("alloc"),
    }),
  });
}
