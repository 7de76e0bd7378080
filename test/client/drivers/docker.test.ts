// docker against the driver compliance suite (image busybox:1.36, built locally by
// scripts/busybox-image.sh), plus what is particular to it: limits in the container's HostConfig,
// published ports, missing images, ports already taken.

import test, { type ExecutionContext } from "ava";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { promisify } from "node:util";
import Dockerode from "dockerode";
import { TaskConfigError, type TaskConfig } from "../../../client/drivers/driver.js";
import { DockerDriver } from "../../../client/drivers/docker/index.js";
import { takenPort } from "../../../client/drivers/docker/errors.js";
import { FrameReader, sinceAfter } from "../../../client/drivers/docker/logs.js";
import { repoPath } from "../../paths.js";
import { driverCompliance, makeTask, readText, shellScript } from "./compliance.js";

const IMAGE = "busybox:1.36";
const SOCKET = "/var/run/docker.sock";
const skipReason = existsSync(SOCKET) ? undefined : `no docker daemon socket at ${SOCKET}`;
const docker = new Dockerode({ socketPath: SOCKET });

async function buildImage(): Promise<void> {
  await promisify(execFile)(repoPath("scripts/busybox-image.sh"), [IMAGE]);
}

driverCompliance(test, () => new DockerDriver(), {
  taskConfig: (b) => ({ image: IMAGE, command: "sh", args: ["-c", shellScript(b)] }),
  ...(skipReason ? { skipReason } : { before: buildImage }),
  badConfigs: [
    { title: "a missing image option", config: { command: "sh" }, message: 'option "image" is required by the docker driver' },
    { title: "a privileged container", config: { image: IMAGE, privileged: true }, message: "privileged containers are not allowed on this client" },
    { title: "a port label the group does not have", config: { image: IMAGE, ports: ["nope"] }, message: 'port "nope" is not in the group\'s network block' },
  ],
  assertCleanedUp: async (t, handle) => {
    const error = await t.throwsAsync(docker.getContainer(handle.taskId).inspect());
    t.is((error as { statusCode?: number } | undefined)?.statusCode, 404, "container removed");
  },
});

const it = skipReason ? test.skip : test;

/** A port free on 127.0.0.1 right now (the kernel's pick). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startTask(t: ExecutionContext, config: Record<string, unknown>, extra: Partial<TaskConfig> = {}) {
  t.timeout(30_000);
  const driver = new DockerDriver({ pullTimeoutMs: 10_000 });
  t.teardown(() => driver.close());
  const task = await makeTask(t, config, extra);
  const handle = await driver.start(task);
  t.teardown(async () => {
    await driver.stop(handle, 0, "SIGKILL").catch(() => {});
    await driver.destroy(handle).catch(() => {});
  });
  return { driver, task, handle };
}

it("docker driver: memory and cpu limits are set in the container's HostConfig", async (t) => {
  const { handle } = await startTask(t, { image: IMAGE, command: "sleep", args: ["100"] }, {
    resources: { cpuMhz: 250, cores: 0, memoryMb: 48, memoryMaxMb: 96 },
  });
  const info = await docker.getContainer(handle.taskId).inspect();
  t.is(info.HostConfig.Memory, 96 * 1024 * 1024);
  t.is(info.HostConfig.MemoryReservation, 48 * 1024 * 1024);
  t.is(info.HostConfig.CpuShares, 250);
  t.true(info.HostConfig.Init);
});

it("docker driver: a container over its memory limit is reported OOM-killed", async (t) => {
  const { driver, handle } = await startTask(t, { image: IMAGE, command: "sh", args: ["-c", "head -c 200m /dev/zero | tail"] }, {
    resources: { cpuMhz: 100, cores: 0, memoryMb: 32, memoryMaxMb: 0 },
  });
  const result = await driver.wait(handle);
  t.true(result.oomKilled, JSON.stringify(result));
  t.is(result.exitCode, 137);
});

it("docker driver: a command missing from the image is a clear error (init) or TaskConfigError (no init)", async (t) => {
  const withInit = await startTask(t, { image: IMAGE, command: "no-such-command" });
  t.is((await withInit.driver.wait(withInit.handle)).exitCode, 127);
  const driver = new DockerDriver();
  const task = await makeTask(t, { image: IMAGE, command: "no-such-command", init: false });
  const error = await t.throwsAsync(() => driver.start(task), { instanceOf: TaskConfigError });
  t.regex(error?.message ?? "", /^the container could not run its command: .*no-such-command/);
});

it("docker driver: the container is named and labelled after its task and allocation, with the task's directories mounted", async (t) => {
  const { task, handle } = await startTask(t, { image: IMAGE, command: "sh", args: ["-c", "echo hi > /alloc/from-task; ls -d /local /secrets"], labels: [{ team: "infra" }] });
  const info = await docker.getContainer(handle.taskId).inspect();
  t.is(info.Name, `/${task.taskName}-${task.allocId}`);
  t.like(info.Config.Labels, { "com.nomadish.alloc_id": task.allocId, "com.nomadish.task_name": task.taskName, team: "infra" });
  const listed = await docker.listContainers({ all: true, filters: { label: [`com.nomadish.alloc_id=${task.allocId}`] } });
  t.deepEqual(listed.map((c) => c.Id), [handle.taskId]);
});

it("docker driver: a published port answers HTTP on the node's address", async (t) => {
  const port = await freePort();
  const { task } = await startTask(t, { image: IMAGE, command: "httpd", args: ["-f", "-p", "8080", "-h", "/var/www"], ports: ["http"] }, {
    ports: [{ label: "http", hostIp: "127.0.0.1", value: port, to: 8080 }],
  });
  const deadline = Date.now() + 15_000;
  let body = "";
  while (Date.now() < deadline) {
    // docker-proxy accepts at once but may hang connecting to a container whose network is not up yet.
    body = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.text(), () => "");
    if (body.includes("hello from busybox httpd")) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.is(body, "hello from busybox httpd\n", `stderr: ${await readText(task.stderrPath)}`);
});

it("docker driver: an image that is neither local nor pullable is a clear TaskConfigError", async (t) => {
  const driver = new DockerDriver({ pullTimeoutMs: 10_000 });
  const task = await makeTask(t, { image: "nomadish-test/no-such-image:0.0" });
  const error = await t.throwsAsync(() => driver.start(task), { instanceOf: TaskConfigError });
  t.regex(error?.message ?? "", /^image "nomadish-test\/no-such-image:0.0" is not available locally and could not be pulled: .+/);
});

it("docker driver: a host port already taken is a TaskConfigError naming the port", async (t) => {
  const port = await freePort();
  const holder: Server = createServer();
  await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => holder.close(() => resolve())));
  const driver = new DockerDriver();
  const task = await makeTask(t, { image: IMAGE, command: "sleep", args: ["100"], ports: ["web"] }, {
    ports: [{ label: "web", hostIp: "127.0.0.1", value: port, to: 80 }],
  });
  const error = await t.throwsAsync(() => driver.start(task), { instanceOf: TaskConfigError });
  t.is(error?.message, `port ${port} (label "web") is already in use on 127.0.0.1`);
  const left = await docker.listContainers({ all: true, filters: { label: [`com.nomadish.alloc_id=${task.allocId}`] } });
  t.is(left.length, 0, "the container that could not start was removed");
});

it("docker driver: output is copied exactly once across a client restart, from where the copy stopped", async (t) => {
  const first = new DockerDriver();
  const task = await makeTask(t, { image: IMAGE, command: "sh", args: ["-c", "for i in $(seq 1 40); do echo line $i; sleep 0.02; done"] });
  const handle = await first.start(task);
  t.teardown(() => first.destroy(handle).catch(() => {}));
  const deadline = Date.now() + 15_000;
  while (!(await readText(task.stdoutPath)).includes("line 5\n") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await first.close();
  const second = new DockerDriver();
  t.teardown(() => second.close());
  t.true(await second.recover(JSON.parse(JSON.stringify(handle)) as typeof handle));
  t.is((await second.wait(handle)).exitCode, 0);
  const expected = Array.from({ length: 40 }, (_, i) => `line ${i + 1}\n`).join("");
  t.is(await readText(task.stdoutPath), expected);
});

test("docker driver: frames are read across chunk boundaries and the log cursor skips the last frame copied", (t) => {
  const frame = (stream: number, text: string) => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };
  const bytes = Buffer.concat([frame(1, "2024-01-02T03:04:05.000000001Z out\n"), frame(2, "2024-01-02T03:04:05.999999999Z err\n")]);
  const reader = new FrameReader();
  const frames = [...reader.push(bytes.subarray(0, 5)), ...reader.push(bytes.subarray(5, 30)), ...reader.push(bytes.subarray(30))];
  t.deepEqual(frames.map((f) => [f.stream, f.payload.toString()]), [
    [1, "2024-01-02T03:04:05.000000001Z out\n"],
    [2, "2024-01-02T03:04:05.999999999Z err\n"],
  ]);
  t.is(sinceAfter("2024-01-02T03:04:05.000000001Z"), "1704164645.000000002");
  t.is(sinceAfter("2024-01-02T03:04:05.999999999Z"), "1704164646.000000000");
  t.deepEqual(takenPort("Error starting userland proxy: listen tcp4 127.0.0.1:18181: bind: address already in use"), { address: "127.0.0.1", port: 18181 });
  t.deepEqual(takenPort("Bind for 0.0.0.0:8080 failed: port is already allocated"), { address: "0.0.0.0", port: 8080 });
});

it("docker driver: fingerprint reports the daemon's version, and no daemon means not detected", async (t) => {
  const fp = await new DockerDriver().fingerprint();
  t.regex(fp.attributes["driver.docker.version"] ?? "", /^\d+\.\d+/);
  const none = await new DockerDriver({ socketPath: "/nonexistent/docker.sock" }).fingerprint();
  t.false(none.detected);
  t.regex(none.healthDescription, /not reachable at \/nonexistent\/docker.sock/);
});
