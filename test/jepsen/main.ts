// `npm run jepsen -- --minutes N [--clients C] [--keys K] [--seed S] [--nemesis a,b]
// [--cluster auto|netns|loopback] [--out DIR] [--dump] [--stale-reads]`: three real servers, concurrent clients
// registering, deregistering and reading jobs while the leader is killed and paused, and — on
// servers in network namespaces, the default where this machine can make them — partitions come
// and go; then a check that the history is linearizable. Prints a table, then one JSON line. Exit code 1: not linearizable;
// 2: the check could not decide (search budget exhausted) or the run itself failed. A history
// dump (operations, faults, explanation, server logs) is written when the result is not
// "linearizable", or always with --dump. --stale-reads reads each server's own state instead of
// reading linearizably: a deliberate weakening that the check should catch.

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { bestClusterKind, startJepsenCluster, type ClusterKind } from "./clusters.js";
import { formatViolation } from "./checker.js";
import { historyToJson } from "./history.js";
import type { FaultableServer } from "./nemesis.js";
import { formatReport, summarize } from "./report.js";
import { runLinearizability, type RunResult } from "./run.js";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "1" },
    clients: { type: "string", default: "8" },
    keys: { type: "string", default: "5" },
    seed: { type: "string" },
    nemesis: { type: "string" },
    cluster: { type: "string", default: "auto" },
    out: { type: "string" },
    dump: { type: "boolean", default: false },
    "stale-reads": { type: "boolean", default: false },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  console.log("usage: npm run jepsen -- [--minutes N] [--clients C] [--keys K] [--seed S] [--nemesis kill-leader,pause-leader,...] [--cluster auto|netns|loopback] [--out DIR] [--dump] [--stale-reads]");
  process.exit(0);
}

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name} must be a positive number, not ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}

const minutes = positive("minutes", values.minutes);
const clients = Math.round(positive("clients", values.clients));
const keys = Math.round(positive("keys", values.keys));
const seed = values.seed === undefined ? Date.now() % 1_000_000 : Math.round(positive("seed", values.seed));

type LoggedServer = FaultableServer & { logFile?: string };

function dumpDir(): string {
  const dir = values.out ?? mkdtempSync(path.join(tmpdir(), "nomadish-jepsen-"));
  mkdirSync(dir, { recursive: true });
  return dir;
}

function copyLogs(dir: string, servers: readonly LoggedServer[]): void {
  servers.forEach((s, i) => {
    if (s.logFile && existsSync(s.logFile)) copyFileSync(s.logFile, path.join(dir, `server${i}.log`));
  });
}

/** Writes what is needed to inspect a bad run; returns the directory. */
function dump(result: RunResult, servers: readonly LoggedServer[]): string {
  const dir = dumpDir();
  writeFileSync(path.join(dir, "history.json"), historyToJson(result.history));
  writeFileSync(path.join(dir, "faults.json"), JSON.stringify(result.faults, null, 2));
  writeFileSync(path.join(dir, "check.json"), JSON.stringify(result.check.keys.map(({ witness: _w, ...k }) => k), null, 2));
  if (result.check.violation) writeFileSync(path.join(dir, "violation.txt"), `${formatViolation(result.check.violation)}\n`);
  copyLogs(dir, servers);
  return dir;
}

if (!["auto", "netns", "loopback"].includes(values.cluster)) {
  console.error(`--cluster must be auto, netns or loopback, not ${JSON.stringify(values.cluster)}`);
  process.exit(2);
}
let kind = values.cluster as ClusterKind | "auto";
if (kind === "auto") {
  const best = await bestClusterKind();
  if (best.reason) console.log(`servers on loopback, without partitions: ${best.reason}`);
  kind = best.kind;
}
const jepsen = await startJepsenCluster(kind, seed);
const { cluster } = jepsen;
const stopEarly = new AbortController();
process.once("SIGINT", () => {
  console.log("interrupted: healing, then checking what was recorded");
  stopEarly.abort();
});
let exitCode = 2;
try {
  const available = new Map(jepsen.nemeses.map((n) => [n.name, n]));
  const names = values.nemesis?.split(",").map((n) => n.trim()) ?? [...available.keys()];
  const nemeses = names.map((name) => {
    const nemesis = available.get(name);
    if (!nemesis) throw new Error(`unknown nemesis ${JSON.stringify(name)}; this cluster (${kind}) has ${[...available.keys()].join(", ")}`);
    return nemesis;
  });
  console.log(`seed ${seed}: ${clients} clients on ${keys} job ids for ${minutes} min, servers on ${kind}; faults: ${names.join(", ")}`);
  const result = await runLinearizability(cluster, {
    durationMs: minutes * 60_000, clients, keys, seed, nemeses, signal: stopEarly.signal, staleReads: values["stale-reads"],
    log: (line) => console.log(`  ${line}`),
  });
  const summary = summarize(result, seed);
  console.log("");
  console.log(formatReport(result, summary));
  if (result.check.verdict !== "linearizable" || values.dump) console.log(`history dump: ${dump(result, cluster.servers)}`);
  exitCode = result.check.verdict === "linearizable" ? 0 : result.check.verdict === "not-linearizable" ? 1 : 2;
  console.log(JSON.stringify(summary));
} catch (err) {
  console.error(`the run failed: ${(err as Error).stack ?? String(err)}`);
  const dir = dumpDir();
  copyLogs(dir, cluster.servers);
  console.error(`server logs: ${dir}`);
} finally {
  await jepsen.stop();
}
process.exit(exitCode);
