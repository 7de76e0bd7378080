// Real client agents with real Docker and exec isolation: jobs run, answer, stop, survive a
// client crash, fail with clear messages, and land only on hardware that fits.

import test from "ava";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import * as pb from "../proto/index.js";
import type { ApiClient } from "../shared/api/client.js";
import { repoPath } from "../test/paths.js";
import { TestCluster, waitFor } from "../test/support/cluster.js";
import { nomadishProcess } from "../test/support/cli-process.js";

const run = promisify(execFile);
const RUNNING = pb.AllocClientStatus.RUNNING;
const FAILED = pb.AllocClientStatus.FAILED;
const jobsDir = mkdtempSync(path.join(tmpdir(), "nomadish-jobs-"));

function nomadish(args: string[], address: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return nomadishProcess(args, address);
}

function jobFile(name: string, hcl: string): string {
  const file = path.join(jobsDir, `${name}.hcl`);
  writeFileSync(file, hcl);
  return file;
}

async function docker(args: string[]): Promise<string> {
  return (await run("docker", args)).stdout.trim();
}

/** Containers of this cluster's allocations of the job (other runs on the machine may have some too). */
async function containersOf(api: ApiClient, jobId: string): Promise<string[]> {
  const ours = new Set((await allocs(api, jobId)).map((a) => a.id));
  const out = await docker(["ps", "--no-trunc", "--format", '{{.ID}} {{.Label "com.nomadish.alloc_id"}}', "--filter", `label=com.nomadish.job_name=${jobId}`]);
  return out.split("\n").filter((l) => l !== "").map((l) => l.split(" ")).filter(([, alloc]) => ours.has(alloc ?? "")).map(([id]) => id ?? "").sort();
}

async function allocs(client: ApiClient, jobId: string): Promise<pb.AllocationStub[]> {
  return (await client.call(pb.JobsService.allocations, { jobId, all: false }, "read")).allocations;
}

async function allocOf(client: ApiClient, id: string): Promise<pb.Allocation> {
  const { allocation } = await client.call(pb.AllocationsService.get, { allocId: id }, "read");
  if (!allocation) throw new Error(`no allocation ${id}`);
  return allocation;
}

/** Every task event description of an allocation, newest last. */
function events(alloc: pb.Allocation): string[] {
  return Object.values(alloc.taskStates).flatMap((s) => s.events.map((e) => `${e.type}: ${e.message}`));
}

async function startCluster(t: { teardown(fn: () => Promise<void>): void }) {
  const cluster = await TestCluster.start({ servers: 1 });
  t.teardown(async () => {
    // Clients leave their tasks running when they stop (as a restart must): stop the jobs first.
    const api = cluster.client();
    const { jobs } = await api.call(pb.JobsService.list, { prefix: "" }, "read").catch(() => ({ jobs: [] as pb.JobListStub[] }));
    await Promise.all(jobs.map((j) => api.call(pb.JobsService.deregister, { jobId: j.id, purge: false, options: { namespace: "", region: "" } }, "write").catch(() => undefined)));
    await waitFor("tasks to stop", 15_000, async () => ((await docker(["ps", "-q", "--filter", "label=com.nomadish.alloc_id"])) === "" ? true : undefined)).catch(() => undefined);
    await cluster.stop();
  });
  await cluster.waitForLeader();
  return { cluster, api: cluster.client(), address: cluster.addresses.join(",") };
}

test.serial("web.hcl runs 3 containers that each answer with their allocation id, and job stop removes them", async (t) => {
  const { cluster, api, address } = await startCluster(t);
  cluster.startClient("c1");
  await cluster.waitForNodes(["c1"]);
  const started = await nomadish(["job", "run", repoPath("jobspecs", "web.hcl")], address);
  t.is(started.code, 0, started.stdout + started.stderr);
  const running = await waitFor("3 running", 30_000, async () => {
    const list = (await allocs(api, "web")).filter((a) => a.clientStatus === RUNNING);
    return list.length === 3 ? list : undefined;
  });
  t.is((await containersOf(api, "web")).length, 3);
  for (const stub of running) {
    const alloc = await allocOf(api, stub.id);
    const port = alloc.allocatedResources?.ports.find((p) => p.label === "http");
    t.truthy(port);
    const body = await waitFor("the web page", 10_000, async () => {
      const res = await fetch(`http://${port?.hostIp}:${port?.value}/`).catch(() => undefined);
      return res?.ok ? res.text() : undefined;
    });
    t.true(body.includes(alloc.id), body);
  }
  const stopped = await nomadish(["job", "stop", "web"], address);
  t.is(stopped.code, 0, stopped.stderr);
  await waitFor("the containers to be gone", 20_000, async () => ((await containersOf(api, "web")).length === 0 ? true : undefined));
  t.pass();
});

test.serial("a SIGKILLed client restarted on its data dir keeps the same containers running", async (t) => {
  const { cluster, api, address } = await startCluster(t);
  const client = cluster.startClient("c1");
  await cluster.waitForNodes(["c1"]);
  t.is((await nomadish(["job", "run", "-detach", repoPath("jobspecs", "web.hcl")], address)).code, 0);
  await waitFor("3 running", 30_000, async () => ((await allocs(api, "web")).filter((a) => a.clientStatus === RUNNING).length === 3 ? true : undefined));
  const before = await containersOf(api, "web");
  await cluster.killClient(client);
  cluster.spawnClient(client);
  // The restarted client reports again; its tasks were never restarted.
  await waitFor("the client to report again", 20_000, async () => ((await client.process) && (await allocs(api, "web")).every((a) => a.clientStatus === RUNNING) ? true : undefined));
  await new Promise((r) => setTimeout(r, 2_000));
  t.deepEqual(await containersOf(api, "web"), before);
  const list = await allocs(api, "web");
  t.is(list.filter((a) => a.clientStatus === RUNNING).length, 3);
  for (const a of list) t.is(Object.values(a.taskStates)[0]?.restarts, 0);
});

test.serial("an exec task over its memory limit is OOM-killed, and a task that keeps exiting 1 fails its allocation after its restarts", async (t) => {
  const { cluster, api, address } = await startCluster(t);
  cluster.startClient("c1");
  await cluster.waitForNodes(["c1"]);
  const hungry = jobFile("hungry", `
job "hungry" {
  type = "batch"
  group "g" {
    restart {
      attempts = 0
      mode     = "fail"
    }
    reschedule {
      attempts  = 0
      unlimited = false
    }
    task "eat" {
      driver = "exec"
      config {
        command = "/bin/sh"
        args    = ["-c", "head -c 300m /dev/zero | tail > /dev/null"]
      }
      resources {
        cpu    = 100
        memory = 32
      }
    }
  }
}`);
  t.is((await nomadish(["job", "run", "-detach", hungry], address)).code, 0);
  const oom = await waitFor("the OOM kill", 30_000, async () => {
    const [stub] = await allocs(api, "hungry");
    if (!stub || stub.clientStatus !== FAILED) return undefined;
    return allocOf(api, stub.id);
  });
  t.true(events(oom).some((e) => /OOM Killed/i.test(e)), events(oom).join("\n"));
  const status = await nomadish(["alloc", "status", oom.id.slice(0, 8)], address);
  t.regex(status.stdout, /OOM Killed/i);

  const crashing = jobFile("crashing", `
job "crashing" {
  type = "batch"
  group "g" {
    restart {
      attempts = 2
      interval = "1m"
      delay    = "200ms"
      mode     = "fail"
    }
    reschedule {
      attempts  = 0
      unlimited = false
    }
    task "fail" {
      driver = "exec"
      config {
        command = "/bin/sh"
        args    = ["-c", "echo failing; exit 1"]
      }
    }
  }
}`);
  t.is((await nomadish(["job", "run", "-detach", crashing], address)).code, 0);
  const failed = await waitFor("the allocation to fail", 30_000, async () => {
    const [stub] = await allocs(api, "crashing");
    return stub?.clientStatus === FAILED ? allocOf(api, stub.id) : undefined;
  });
  const state = Object.values(failed.taskStates)[0];
  t.is(state?.restarts, 2);
  t.true(state?.failed);
  t.true(events(failed).some((e) => /^Restarting/.test(e)));
  t.true(events(failed).some((e) => /^Not Restarting/.test(e)), events(failed).join("\n"));
  // Its output across the three runs, read from the client by `alloc logs`.
  const logs = await nomadish(["alloc", "logs", failed.id.slice(0, 8)], address);
  t.is(logs.code, 0, logs.stderr);
  t.is(logs.stdout, "failing\nfailing\nfailing\n");
});

test.serial("bad task input fails the task with a message that says exactly what is wrong, and the client keeps running", async (t) => {
  const { cluster, api, address } = await startCluster(t);
  cluster.startClient("c1");
  const nodes = await cluster.waitForNodes(["c1"]);
  // A port on the client's address that something else holds.
  const holder = net.createServer().listen(0, "127.0.0.1");
  await new Promise((r) => holder.once("listening", r));
  t.teardown(() => void holder.close());
  const taken = (holder.address() as net.AddressInfo).port;
  const cases: { name: string; driver: string; config: string; network?: string; expect: RegExp }[] = [
    { name: "noimage", driver: "docker", config: `image = "nomadish-missing:0.1"`, expect: /image "nomadish-missing:0\.1"/ },
    { name: "nocmd", driver: "exec", config: `command = "/bin/no-such-command"`, expect: /command "\/bin\/no-such-command" not found/ },
    { name: "badopt", driver: "docker", config: `image = "busybox:1.36"\n        bogus = true`, expect: /unknown option "bogus"/ },
    {
      name: "porttaken", driver: "docker", config: `image = "busybox:1.36"\n        command = "sleep"\n        args = ["600"]\n        ports = ["http"]`,
      network: `network {\n      port "http" {\n        static = ${taken}\n      }\n    }`, expect: new RegExp(`port ${taken}|${taken}`),
    },
  ];
  for (const c of cases) {
    const file = jobFile(c.name, `
job "${c.name}" {
  type = "batch"
  group "g" {
    ${c.network ?? ""}
    restart {
      attempts = 0
      mode     = "fail"
    }
    reschedule {
      attempts  = 0
      unlimited = false
    }
    task "t" {
      driver = "${c.driver}"
      config {
        ${c.config}
      }
    }
  }
}`);
    const res = await nomadish(["job", "run", "-detach", file], address);
    t.is(res.code, 0, `${c.name}: ${res.stdout}${res.stderr}`);
  }
  for (const c of cases) {
    const alloc = await waitFor(`${c.name} to fail`, 60_000, async () => {
      const [stub] = await allocs(api, c.name);
      return stub?.clientStatus === FAILED ? allocOf(api, stub.id) : undefined;
    });
    t.true(events(alloc).some((e) => c.expect.test(e)), `${c.name}:\n${events(alloc).join("\n")}`);
    const status = await nomadish(["alloc", "status", alloc.id.slice(0, 8)], address);
    t.regex(status.stdout, c.expect, c.name);
  }
  const { node } = await api.call(pb.NodesService.get, { nodeId: nodes.get("c1")?.id ?? "" }, "read");
  t.is(node?.status, pb.NodeStatus.READY);
  t.truthy(cluster.clientAgents[0]?.process);
});

test.serial("mixed-hardware.hcl lands only on the clients whose declared hardware fits", async (t) => {
  const { cluster, api, address } = await startCluster(t);
  cluster.startClient("small", `client {\n  cpu_cores = 2\n  memory_total_mb = 2048\n  attributes = { "cpu.arch" = "amd64" }\n}\n`);
  cluster.startClient("edge", `client {\n  node_class = "edge"\n  cpu_cores = 2\n  memory_total_mb = 4096\n  meta { class = "edge" }\n  attributes = { "cpu.arch" = "arm64" }\n}\n`);
  const nodes = await cluster.waitForNodes(["small", "edge"]);
  const res = await nomadish(["job", "run", repoPath("jobspecs", "mixed-hardware.hcl")], address);
  t.is(res.code, 0, res.stdout + res.stderr);
  const list = await waitFor("5 running", 30_000, async () => {
    const l = (await allocs(api, "mixed")).filter((a) => a.clientStatus === RUNNING);
    return l.length === 5 ? l : undefined;
  });
  const small = nodes.get("small")?.id;
  const edge = nodes.get("edge")?.id;
  t.true(list.filter((a) => a.taskGroup === "api").every((a) => a.nodeId === small));
  t.true(list.filter((a) => a.taskGroup === "edge-cache").every((a) => a.nodeId === edge));
  t.is(list.filter((a) => a.taskGroup === "api").length, 4);
});
