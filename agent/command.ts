// `nomadish agent`: runs a server in this process. It lives outside cli/ because it is where
// the parts are put together: the CLI itself reaches servers only through the API.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ClientAgent } from "../client/agent.js";
import { clientOptionsFrom, startClient } from "./client.js";
import { UserError } from "../shared/errors.js";
import { advertisedHost } from "../shared/advertise.js";
import { createLogger, type LogLevel } from "../shared/log.js";
import { ServerAgent } from "../server/agent.js";
import { DEFAULT_SERVER_OPTIONS, type ServerOptions } from "../server/options.js";
import type { Command, CommandIO } from "../cli/command.js";
import type { ParsedFlags } from "../cli/flags.js";
import { packageVersion } from "../cli/commands/version.js";
import { keyValues } from "../cli/format.js";
import { parseDurationMs } from "../shared/model/duration.js";
import type { SchedulerAlgorithm } from "../server/scheduler/index.js";

const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

function positiveInt(flags: ParsedFlags, name: string, fallback: number): number {
  const text = flags.strings.get(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UserError(`-${name} must be a whole number of at least 1, not ${JSON.stringify(text)}`);
  return value;
}

function duration(flags: ParsedFlags, name: string, fallback: number): number {
  const text = flags.strings.get(name);
  if (text === undefined) return fallback;
  const ms = parseDurationMs(text);
  if (ms === undefined || ms <= 0) throw new UserError(`-${name} must be a duration such as 10s or 500ms, not ${JSON.stringify(text)}`);
  return ms;
}

export function serverOptionsFrom(flags: ParsedFlags, io: CommandIO, devDataDir?: string): ServerOptions {
  const dataDir = devDataDir ?? flags.strings.get("data-dir");
  if (!dataDir) throw new UserError("-data-dir is required: the server keeps its Raft log there");
  const retryJoin = (flags.lists.get("retry-join") ?? []).flatMap((v) => v.split(",")).map((a) => a.trim()).filter((a) => a !== "");
  for (const address of retryJoin) {
    if (!/^[^\s:]+:\d+$/.test(address)) throw new UserError(`-retry-join ${JSON.stringify(address)}: expected host:port`);
  }
  const port = positiveInt(flags, "port", DEFAULT_SERVER_OPTIONS.port);
  if (port > 65535) throw new UserError(`-port must be at most 65535`);
  const bind = flags.strings.get("bind") ?? DEFAULT_SERVER_OPTIONS.bind;
  const advertise = flags.strings.get("advertise");
  return {
    ...DEFAULT_SERVER_OPTIONS,
    name: flags.strings.get("node") ?? `${advertisedHost(bind, advertise)}:${port}`,
    dataDir: path.resolve(io.cwd, dataDir),
    bind,
    ...(advertise ? { advertise } : {}),
    port,
    region: flags.strings.get("region") ?? DEFAULT_SERVER_OPTIONS.region,
    datacenter: flags.strings.get("dc") ?? DEFAULT_SERVER_OPTIONS.datacenter,
    bootstrapExpect: positiveInt(flags, "bootstrap-expect", DEFAULT_SERVER_OPTIONS.bootstrapExpect),
    retryJoin,
    raftMultiplier: positiveInt(flags, "raft-multiplier", DEFAULT_SERVER_OPTIONS.raftMultiplier),
    minHeartbeatTtlMs: duration(flags, "min-heartbeat-ttl", DEFAULT_SERVER_OPTIONS.minHeartbeatTtlMs),
    heartbeatGraceMs: duration(flags, "heartbeat-grace", DEFAULT_SERVER_OPTIONS.heartbeatGraceMs),
    numSchedulers: positiveInt(flags, "num-schedulers", DEFAULT_SERVER_OPTIONS.numSchedulers),
    schedulerAlgorithm: algorithm(flags.strings.get("scheduler-algorithm")),
  };
}

function algorithm(text: string | undefined): SchedulerAlgorithm {
  if (text === undefined) return DEFAULT_SERVER_OPTIONS.schedulerAlgorithm;
  if (text !== "binpack" && text !== "spread") throw new UserError(`-scheduler-algorithm must be binpack or spread, not ${JSON.stringify(text)}`);
  return text;
}

/** Resolves when the process is asked to stop (Ctrl-C or SIGTERM). */
function untilSignalled(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

export const agentCommand: Command = {
  name: "agent",
  synopsis: "Runs a nomadish agent",
  usage: "nomadish agent (-server | -client | -dev) [options]",
  help: `Runs a server agent in the foreground until interrupted. Servers keep the cluster
state in a Raft log under -data-dir; three or five of them make a highly available cluster:

  nomadish agent -server -data-dir /var/lib/nomadish -port 4647 \\
    -bootstrap-expect 3 -retry-join 10.0.0.2:4647,10.0.0.3:4647

A server restarted with its data dir rejoins with its log; a new server with an empty data
dir joins a running cluster through any server in -retry-join.

A client runs allocations on its machine with the docker, exec, raw_exec and mock drivers:

  nomadish agent -client -data-dir /var/lib/nomadish-client -servers 10.0.0.1:4647 \
    -config client.hcl

-dev runs one server and one client in this process, for trying things out.`,
  flags: [
    { name: "server", kind: "bool", help: "Runs a server." },
    { name: "client", kind: "bool", help: "Runs a client that runs allocations on this machine." },
    { name: "dev", kind: "bool", help: "Runs a server and a client in this process, with state in a temporary directory." },
    { name: "data-dir", kind: "string", placeholder: "dir", help: "Where the agent keeps its state." },
    { name: "servers", kind: "list", placeholder: "host:port,…", help: "Client: the servers to register with." },
    { name: "config", kind: "list", placeholder: "file", help: "Client: a client.hcl with node class, meta, attribute and resource overrides." },
    { name: "node-name", kind: "string", placeholder: "name", help: "Client: the node's name. Default: the host name." },
    { name: "client-port", kind: "string", placeholder: "port", help: "Client: port of the client's API (logs, restarts). Default: any free one." },
    { name: "bind", kind: "string", placeholder: "ip", help: `Address to listen on. Default: ${DEFAULT_SERVER_OPTIONS.bind}.` },
    { name: "advertise", kind: "string", placeholder: "ip", help: "Address other agents reach this one on. Default: the bind address, or the first private IPv4 address when bound to 0.0.0.0." },
    { name: "port", kind: "string", placeholder: "port", help: `gRPC port for clients and other servers. Default: ${DEFAULT_SERVER_OPTIONS.port}.` },
    { name: "bootstrap-expect", kind: "string", placeholder: "n", help: "Form a new cluster once this many servers know of each other. Default: 1." },
    { name: "retry-join", kind: "list", placeholder: "host:port,…", help: "Other servers to join through; comma-separated or repeated." },
    { name: "node", kind: "string", placeholder: "name", help: "This server's name. Default: its address." },
    { name: "region", kind: "string", placeholder: "region", help: "Region. Default: global." },
    { name: "dc", kind: "string", placeholder: "datacenter", help: "Datacenter. Default: dc1." },
    { name: "raft-multiplier", kind: "string", placeholder: "n", help: "Scales every Raft timeout (1: LAN, heartbeats every 50 ms, elections after 150–300 ms)." },
    { name: "min-heartbeat-ttl", kind: "string", placeholder: "duration", help: "The shortest heartbeat TTL given to clients. Default: 10s." },
    { name: "heartbeat-grace", kind: "string", placeholder: "duration", help: "How long past its TTL a client may be silent before it is marked down. Default: 10s." },
    { name: "num-schedulers", kind: "string", placeholder: "n", help: "Scheduler workers on the leader. Default: 2." },
    { name: "scheduler-algorithm", kind: "string", placeholder: "binpack|spread", help: "How allocations are placed: binpack fills nodes, spread evens them out. Default: binpack." },
    { name: "log-level", kind: "string", placeholder: "level", help: "debug, info, warn or error. Default: info." },
    { name: "log-json", kind: "bool", help: "Writes logs as JSON lines." },
  ],
  async run(flags, io) {
    if (flags.args.length > 0) throw new UserError(`unexpected argument ${JSON.stringify(flags.args[0])}`);
    const dev = flags.bools.has("dev");
    const runServer = dev || flags.bools.has("server");
    const runClient = dev || flags.bools.has("client");
    if (!runServer && !runClient) throw new UserError("nomadish agent needs -server, -client or -dev");
    const level = (flags.strings.get("log-level") ?? "info") as LogLevel;
    if (!LOG_LEVELS.includes(level)) throw new UserError(`-log-level must be one of ${LOG_LEVELS.join(", ")}`);
    // -dev: one server and one client in this process, with state in a fresh temporary directory.
    const devDir = dev ? flags.strings.get("data-dir") ?? mkdtempSync(path.join(tmpdir(), "nomadish-dev-")) : undefined;
    const serverOpts = runServer ? serverOptionsFrom(flags, io, devDir && path.join(devDir, "server")) : undefined;
    const clientOpts = runClient
      ? clientOptionsFrom(flags, io, {
        ...(serverOpts ? { servers: [`${advertisedHost(serverOpts.bind, serverOpts.advertise)}:${serverOpts.port}`] } : {}),
        ...(devDir ? { dataDir: path.join(devDir, "client") } : {}),
      })
      : undefined;
    // -dev with -data-dir: the client's state beside the server's, not in the dir itself.
    if (devDir && clientOpts) clientOpts.dataDir = path.resolve(io.cwd, devDir, "client");
    if (runServer && runClient && !dev && flags.strings.get("data-dir") !== undefined && clientOpts && serverOpts) {
      // One -data-dir for both: keep their state apart.
      serverOpts.dataDir = path.join(serverOpts.dataDir, "server");
      clientOpts.dataDir = path.join(clientOpts.dataDir, "client");
    }
    const logger = createLogger({ level, format: flags.bools.has("log-json") ? "json" : "text", write: io.stderr });
    io.stdout(`==> nomadish agent configuration:\n\n${keyValues([
      ["Server", String(runServer)], ["Client", String(runClient)],
      ...(serverOpts ? [
        ["Node", serverOpts.name], ["Bind Addr", `${serverOpts.bind}:${serverOpts.port}`], ["Data Dir", serverOpts.dataDir],
        ["Region", `${serverOpts.region} (dc: ${serverOpts.datacenter})`], ["Bootstrap Expect", String(serverOpts.bootstrapExpect)],
        ["Retry Join", serverOpts.retryJoin.join(", ") || "(none)"],
      ] as [string, string][] : []),
      ...(clientOpts ? [["Client Name", clientOpts.name], ["Client Data Dir", clientOpts.dataDir], ["Servers", clientOpts.servers.join(", ")]] as [string, string][] : []),
      ["Version", packageVersion()],
    ]).replace(/^/gm, "  ")}\n==> nomadish agent started! Log data will stream in below:\n\n`);
    const stopSignal = untilSignalled();
    const server = serverOpts ? await ServerAgent.start(serverOpts, logger, packageVersion()) : undefined;
    let client: ClientAgent | undefined;
    try {
      client = clientOpts ? await startClient(clientOpts, logger, packageVersion()) : undefined;
    } catch (err) {
      await server?.stop();
      throw err;
    }
    const signal = await stopSignal;
    logger.info("shutting down", { signal });
    await client?.stop();
    await server?.stop();
    return 0;
  },
};
