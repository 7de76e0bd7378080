// The production image: built from the Dockerfile on a local Node.js base (no registry is
// reachable in CI), it prints its version, carries no development tools, and runs a one-process
// `agent -dev` as a non-root user that elects itself, readies its client and answers from outside.

import test from "ava";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { repoPath, repoRoot } from "../test/paths.js";
import { waitFor } from "../test/support/cluster.js";

const run = promisify(execFile);
const BASE_IMAGE = "nomadish-node-base:local";
const IMAGE = "nomadish:test";
const NOMADISH_UID = "10001";
const packageVersion = (JSON.parse(readFileSync(repoPath("package.json"), "utf8")) as { version: string }).version;

/** Runs a command; on failure the error carries its output, which is what explains a broken build. */
async function sh(file: string, args: string[], timeoutMs = 60_000): Promise<string> {
  try {
    return (await run(file, args, { cwd: repoRoot, timeout: timeoutMs, maxBuffer: 64 << 20 })).stdout.trim();
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    const output = `${e.stdout ?? ""}${e.stderr ?? ""}`.trim().split("\n").slice(-30).join("\n");
    throw new Error(`${file} ${args.join(" ")} failed: ${e.message.split("\n")[0]}\n${output}`);
  }
}

const docker = (args: string[], timeoutMs?: number) => sh("docker", args, timeoutMs);

async function imageId(tag: string): Promise<string | undefined> {
  return docker(["image", "inspect", "--format", "{{.Id}}", tag]).catch(() => undefined);
}

test.before("build the base image and the nomadish image", async (t) => {
  t.timeout(5 * 60_000);
  await docker(["version", "--format", "{{.Server.Version}}"]).catch((err: Error) => {
    throw new Error(`the Docker image test needs a running Docker engine (CI installs docker.io and starts dockerd): ${err.message}`);
  });
  let started = Date.now();
  await sh("bash", [repoPath("scripts", "node-base-image.sh"), BASE_IMAGE]);
  t.log(`base image ${BASE_IMAGE} ready in ${Date.now() - started} ms`);
  const previous = await imageId(IMAGE);
  started = Date.now();
  await docker(["build", "--build-arg", `BASE_IMAGE=${BASE_IMAGE}`, "-t", IMAGE, repoRoot], 4 * 60_000);
  t.log(`${IMAGE} built in ${Date.now() - started} ms`);
  // The image the tag moved away from would stay behind untagged; a container may still use it.
  const current = await imageId(IMAGE);
  if (previous !== undefined && previous !== current) await docker(["rmi", previous]).catch(() => undefined);
});

test("`docker run IMAGE version` prints the nomadish and Node.js versions", async (t) => {
  const out = await docker(["run", "--rm", IMAGE, "version"]);
  t.regex(out, new RegExp(`^nomadish v${packageVersion.replace(/\./g, "\\.")}$`, "m"));
  t.regex(out, /^Node\.js v20\.\d+\.\d+ \(linux\/x64\)$/m);
});

test("the image is nomadish as a non-root entrypoint with a data volume, and holds no development tools", async (t) => {
  const config = JSON.parse(await docker(["image", "inspect", "--format", "{{json .Config}}", IMAGE])) as {
    Entrypoint: string[]; Cmd: string[]; User: string; Volumes: Record<string, unknown> | null;
  };
  t.deepEqual(config.Entrypoint, ["node", "/app/bin/nomadish.js"]);
  t.is(config.Cmd[0], "agent");
  t.is(config.User, "nomadish");
  t.deepEqual(Object.keys(config.Volumes ?? {}), ["/var/lib/nomadish"]);
  const listing = await docker(["run", "--rm", "--entrypoint", "sh", IMAGE, "-c", "ls /app /app/dist /app/node_modules /app/node_modules/@bufbuild"]);
  const names = new Set(listing.split(/\s+/));
  for (const devOnly of ["typescript", "eslint", "ava", "buf", "test", "e2e", "bench"]) t.false(names.has(devOnly), `${devOnly} is in the image`);
  for (const needed of ["classic-level", "@grpc", "protobuf", "cli", "server", "client"]) t.true(names.has(needed), `${needed} is missing from the image`);
  const bytes = Number(await docker(["image", "inspect", "--format", "{{.Size}}", IMAGE]));
  t.log(`image size ${(bytes / 1e6).toFixed(0)} MB`);
});

test("`agent -dev` in the image runs as nomadish, elects itself, readies its client, answers from the host and stops cleanly", async (t) => {
  t.timeout(2 * 60_000);
  const name = `nomadish-image-test-${process.pid}`;
  t.teardown(() => docker(["rm", "-f", "-v", name]).then(() => undefined, () => undefined));
  // The image's default command: a dev agent listening on every interface, published on loopback.
  await docker(["run", "-d", "--name", name, "-p", "127.0.0.1::4647", IMAGE]);
  // The agent logs to stderr, which docker logs keeps apart from stdout.
  const logs = () => run("docker", ["logs", name]).then(({ stdout, stderr }) => stdout + stderr, (err: Error) => err.message);
  const inContainer = (args: string[]) => docker(["exec", name, "node", "/app/bin/nomadish.js", ...args, "-address", "127.0.0.1:4647", "-json"]);

  const started = Date.now();
  try {
    await waitFor("a leader", 60_000, async () => {
      const status = JSON.parse(await inContainer(["status"])) as { Leader: { Address: string } | null };
      return status.Leader ?? undefined;
    });
    await waitFor("the client node to be ready", 60_000, async () => {
      const nodes = JSON.parse(await inContainer(["node", "status"])) as { Status: string }[];
      return nodes.length === 1 && nodes[0]?.Status === "ready" ? true : undefined;
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await logs()}`);
  }
  t.log(`leader and ready client after ${Date.now() - started} ms`);

  // Bound to 0.0.0.0 inside the container, so the published port reaches it from the host.
  const published = (await docker(["port", name, "4647/tcp"])).split("\n")[0] ?? "";
  t.regex(published, /^127\.0\.0\.1:\d+$/);
  const members = JSON.parse(await sh(process.execPath, [repoPath("bin", "nomadish.js"), "server", "members", "-json", "-address", published])) as { Leader: boolean; Status: string }[];
  t.deepEqual(members.map((m) => [m.Status, m.Leader]), [["alive", true]]);

  // The agent itself (PID 1), not only `docker exec`, runs as the unprivileged user.
  const pid1 = await docker(["exec", name, "cat", "/proc/1/status"]);
  t.regex(pid1, new RegExp(`^Uid:\\s+${NOMADISH_UID}\\s+${NOMADISH_UID}\\s`, "m"));
  t.is(await docker(["exec", name, "id", "-un"]), "nomadish");
  // Its state lives in the volume, written as that user.
  t.is(await docker(["exec", name, "stat", "-c", "%u", "/var/lib/nomadish/server"]), NOMADISH_UID);

  // docker stop sends SIGTERM to PID 1: the agent shuts down and exits 0 well within the grace time.
  await docker(["stop", "-t", "20", name], 30_000);
  t.is(await docker(["inspect", "--format", "{{.State.ExitCode}}", name]), "0", await logs());
  t.regex(await logs(), /shutting down signal=SIGTERM/);
});
