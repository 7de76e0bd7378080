// `nomadish dev`: one command starts servers and clients as separate processes, reports them,
// and stops them all on SIGTERM.

import test from "ava";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { repoPath } from "../test/paths.js";
import { freePort, waitFor } from "../test/support/cluster.js";

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("nomadish dev starts 3 servers and 2 clients, prints their pids, and stops them all on SIGTERM", async (t) => {
  // Three consecutive free ports: the servers take base, base+1, base+2.
  const base = await waitFor("three free ports", 5_000, async () => {
    const p = await freePort();
    return p < 60_000 && (await canListen(p + 1)) && (await canListen(p + 2)) ? p : undefined;
  });
  const dir = mkdtempSync(path.join(tmpdir(), "nomadish-dev-test-"));
  const child = spawn(process.execPath, [repoPath("bin", "nomadish.js"), "dev", "-clients", "2", "-port", String(base), "-data-dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  await waitFor("the cluster to be ready", 60_000, async () => (out.includes("Press Ctrl-C") ? true : undefined)).catch((err: Error) => {
    throw new Error(`${err.message}\n${out}`);
  });
  t.regex(out, /Cluster ready: leader 127\.0\.0\.1:\d+/);
  const rows = out.split("\n").filter((l) => /^(server|small|big|edge)-\d/.test(l));
  t.is(rows.length, 5, out);
  t.is(rows.filter((r) => r.includes("(leader)")).length, 1);
  const pids = rows.map((r) => Number(r.trim().split(/\s{2,}/)[3]));
  t.true(pids.every((p) => Number.isInteger(p) && alive(p)), out);
  const exited = new Promise<number | null>((r) => child.once("exit", r));
  child.kill("SIGTERM");
  t.is(await exited, 0);
  t.true(pids.every((p) => !alive(p)));
});
