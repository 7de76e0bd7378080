// `nomadish dev`: a whole local cluster in one command. Three servers and three clients, each
// its own OS process (so any one can be killed with kill -9), the clients declaring unlike
// hardware through their configs; waits until a leader is elected and every client is ready,
// prints where everything is, and stops it all on Ctrl-C or SIGTERM.

import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as pb from "../proto/index.js";
import { ApiClient } from "../shared/api/client.js";
import { UserError } from "../shared/errors.js";
import type { Command, CommandIO } from "../cli/command.js";
import { columns } from "../cli/format.js";
import { main } from "../cli/main.js";
import type { ParsedFlags } from "../cli/flags.js";

const BIN = fileURLToPath(new URL("../../bin/nomadish.js", import.meta.url));
const READY_TIMEOUT_MS = 60_000;

/** The hardware the dev clients stand in for, in turn. */
export const CLIENT_SHAPES: readonly { name: string; config: string; describe: string }[] = [
  { name: "small", describe: "amd64, 2 cores, 2 GiB", config: `client {\n  cpu_cores       = 2\n  memory_total_mb = 2048\n  attributes = { "cpu.arch" = "amd64" }\n}\n` },
  { name: "big", describe: "amd64, 16 cores, 64 GiB", config: `client {\n  cpu_cores       = 16\n  memory_total_mb = 65536\n  attributes = { "cpu.arch" = "amd64" }\n}\n` },
  {
    name: "edge", describe: "arm64, class edge, 2 cores, 4 GiB",
    config: `client {\n  node_class      = "edge"\n  cpu_cores       = 2\n  memory_total_mb = 4096\n  meta { class = "edge" }\n  attributes = { "cpu.arch" = "arm64" }\n}\n`,
  },
];

interface Member {
  name: string;
  role: "server" | "client";
  address: string;
  log: string;
  child: ChildProcess;
  describe: string;
}

function count(flags: ParsedFlags, name: string, fallback: number, min: number): number {
  const text = flags.strings.get(name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > 9) throw new UserError(`-${name} must be a whole number from ${min} to 9`);
  return n;
}

function start(args: string[], log: string): ChildProcess {
  const out = createWriteStream(log, { flags: "a" });
  // Its own process group: a Ctrl-C in the terminal reaches only `dev`, which stops the jobs
  // first and then the agents (a client stopped first would leave its tasks running).
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, members: readonly Member[]): Promise<T> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const dead = members.find((m) => m.child.exitCode !== null);
    if (dead) throw new UserError(`${dead.name} exited while the cluster was starting; see ${dead.log}`);
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new UserError(`timed out waiting for ${what}; see the logs in ${path.dirname(members[0]?.log ?? "")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops the jobs (so their containers and processes go), then every process. */
async function shutdown(members: readonly Member[], api: ApiClient, io: CommandIO): Promise<void> {
  io.stdout("\n==> Stopping jobs and the cluster...\n");
  const { jobs } = await api.call(pb.JobsService.list, { prefix: "" }, "read").catch(() => ({ jobs: [] as pb.JobListStub[] }));
  await Promise.all(jobs.filter((j) => j.status !== pb.JobStatus.DEAD).map((j) =>
    api.call(pb.JobsService.deregister, { jobId: j.id, purge: false, options: { namespace: "", region: "" } }, "write").catch(() => undefined)));
  if (jobs.length > 0) {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const { allocations } = await api.call(pb.AllocationsService.list, { prefix: "", nodeId: "" }, "read").catch(() => ({ allocations: [] as pb.AllocationStub[] }));
      if (allocations.every((a) => a.clientStatus !== pb.AllocClientStatus.RUNNING && a.clientStatus !== pb.AllocClientStatus.PENDING)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  api.close();
  const exits = members.filter((m) => m.child.exitCode === null).map((m) => new Promise((r) => {
    m.child.once("exit", r);
    m.child.kill("SIGTERM");
  }));
  await Promise.all(exits);
}

export const devCommand: Command = {
  name: "dev",
  synopsis: "Runs a local cluster: three servers and three clients",
  usage: "nomadish dev [-servers 3] [-clients 3] [-data-dir dir] [-port 4647] [-run jobspec]",
  help: `Starts a cluster on this machine, each agent its own process on loopback: servers on ports
4647, 4648, 4649 and clients standing in for unlike hardware (a small amd64 node, a big one,
and an arm64 node of class "edge"). It waits until a leader is elected and every client is
ready, prints the processes and what to try next, and with -run registers a job. Ctrl-C or
SIGTERM stops the jobs and every process. Without a Docker engine the cluster still starts;
docker jobs then fail placement with "missing driver docker".`,
  flags: [
    { name: "servers", kind: "string", placeholder: "n", help: "How many servers. Default: 3." },
    { name: "clients", kind: "string", placeholder: "n", help: "How many clients. Default: 3." },
    { name: "data-dir", kind: "string", placeholder: "dir", help: "Where the agents keep state and logs. Default: a new temporary directory." },
    { name: "port", kind: "string", placeholder: "port", help: "The first server's port; the others follow. Default: 4647." },
    { name: "run", kind: "string", placeholder: "jobspec", help: "Runs this job once the cluster is ready." },
  ],
  async run(flags, io) {
    if (flags.args.length > 0) throw new UserError(`unexpected argument ${JSON.stringify(flags.args[0])}`);
    const servers = count(flags, "servers", 3, 1);
    const clients = count(flags, "clients", 3, 0);
    const basePort = Number(flags.strings.get("port") ?? 4647);
    if (!Number.isInteger(basePort) || basePort < 1 || basePort + servers > 65535) throw new UserError("-port must be a port number");
    const dir = path.resolve(io.cwd, flags.strings.get("data-dir") ?? mkdtempSync(path.join(tmpdir(), "nomadish-dev-")));
    mkdirSync(dir, { recursive: true });
    const addresses = Array.from({ length: servers }, (_, i) => `127.0.0.1:${basePort + i}`);
    const members: Member[] = [];
    const stop = new Promise<string>((resolve) => {
      process.once("SIGINT", () => resolve("interrupt"));
      process.once("SIGTERM", () => resolve("terminate"));
    });
    for (const [i, address] of addresses.entries()) {
      const name = `server-${i + 1}`;
      const log = path.join(dir, `${name}.log`);
      const child = start(["agent", "-server", "-data-dir", path.join(dir, name), "-port", String(basePort + i), "-node", name,
        "-bootstrap-expect", String(servers), ...(servers > 1 ? ["-retry-join", addresses.join(",")] : [])], log);
      members.push({ name, role: "server", address, log, child, describe: "" });
    }
    for (let i = 0; i < clients; i++) {
      const shape = CLIENT_SHAPES[i % CLIENT_SHAPES.length] as (typeof CLIENT_SHAPES)[number];
      const name = `${shape.name}-${Math.floor(i / CLIENT_SHAPES.length) + 1}`;
      const config = path.join(dir, `${name}.hcl`);
      writeFileSync(config, shape.config);
      const log = path.join(dir, `${name}.log`);
      const child = start(["agent", "-client", "-data-dir", path.join(dir, name), "-node-name", name, "-servers", addresses.join(","), "-config", config], log);
      members.push({ name, role: "client", address: "", log, child, describe: shape.describe });
    }
    const api = new ApiClient({ addresses, timeoutMs: 5_000 });
    try {
      io.stdout(`==> Starting ${servers} servers and ${clients} clients (state and logs in ${dir})\n`);
      const leader = await waitUntil("a leader", async () => {
        const { leaderAddress } = await api.call(pb.StatusService.leader, {}, "read");
        return leaderAddress !== "" ? leaderAddress : undefined;
      }, members);
      const nodes = await waitUntil(`${clients} ready clients`, async () => {
        const { nodes } = await api.call(pb.NodesService.list, { prefix: "" }, "read");
        const ready = nodes.filter((n) => n.status === pb.NodeStatus.READY);
        return ready.length >= clients ? ready : undefined;
      }, members);
      for (const m of members) if (m.role === "client") m.address = nodes.find((n) => n.name === m.name)?.httpAddr ?? "";
      const leaderPid = members.find((m) => m.address === leader)?.child.pid;
      io.stdout(`==> Cluster ready: leader ${leader}\n\n${columns([
        ["Name", "Role", "Address", "PID", "Hardware"],
        ...members.map((m) => [m.name, m.address === leader ? "server (leader)" : m.role, m.address, String(m.child.pid ?? ""), m.describe || "-"]),
      ])}\nTry, in another terminal:\n\n  export NOMADISH_ADDR=${addresses.join(",")}\n  nomadish job run jobspecs/web.hcl\n  nomadish ui\n  nomadish node status\n  kill -9 ${leaderPid ?? "<leader pid>"}      # the leader; a new one takes over\n  nomadish job run jobspecs/mixed-hardware.hcl\n\nPress Ctrl-C to stop everything.\n\n`);
      const jobspec = flags.strings.get("run");
      if (jobspec !== undefined) {
        await main(["job", "run", jobspec], { ...io, env: { ...io.env, NOMADISH_ADDR: addresses.join(",") } });
      }
      const signal = await stop;
      io.stdout(`==> Caught ${signal}\n`);
    } finally {
      await shutdown(members, api, io);
    }
    return 0;
  },
};
