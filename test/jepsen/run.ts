// One linearizability run: the workload against a cluster while the nemesis schedule injects
// faults, then heal, wait for the cluster to recover, read every job once more, and check.

import { performance } from "node:perf_hooks";
import { checkHistory, type CheckOptions, type CheckResult } from "./checker.js";
import { HistoryRecorder, type Operation } from "./history.js";
import { jobTableModel } from "./model.js";
import type { FaultableCluster, FaultableServer, Nemesis } from "./nemesis.js";
import { seededRandom } from "./random.js";
import { NemesisSchedule, type FaultRecord } from "./schedule.js";
import { finalReads, Workload } from "./workload.js";

export interface RunOptions {
  durationMs: number;
  clients: number;
  keys: number;
  seed: number;
  nemeses: readonly Nemesis[];
  /** [min, max) of each fault and of each healthy stretch; 2–5 s by default. */
  faultMs?: [number, number];
  healthyMs?: [number, number];
  check?: CheckOptions;
  /** Progress lines for people (phases, skipped faults, a count every 10 s). */
  log?: (line: string) => void;
  /** Ends the workload early (then heals, recovers and checks as usual). */
  signal?: AbortSignal;
  /** Stale reads instead of linearizable ones (see Workload). */
  staleReads?: boolean;
}

export interface RunResult {
  history: Operation[];
  faults: FaultRecord[];
  /** Faults that could not be injected (no leader found in time). */
  skippedFaults: number;
  /** From the first operation to the end of the last one, before the final reads. */
  workloadMs: number;
  recoveryMs: number;
  check: CheckResult;
  checkMs: number;
}

/** The process id of the final reads (the clients' ids count up from 0). */
export const FINAL_READER = 1_000_000;

export async function runLinearizability<S extends FaultableServer>(cluster: FaultableCluster<S>, opts: RunOptions): Promise<RunResult> {
  const log = opts.log ?? (() => {});
  await cluster.waitForLeader(30_000);
  const recorder = new HistoryRecorder(() => performance.now());
  const workload = new Workload({
    addresses: cluster.addresses, clients: opts.clients, keys: opts.keys, seed: opts.seed, staleReads: opts.staleReads ?? false,
  }, recorder);
  let skippedFaults = 0;
  const schedule = new NemesisSchedule({
    nemeses: opts.nemeses, rng: seededRandom(opts.seed), now: () => performance.now(),
    faultMs: opts.faultMs ?? [2_000, 5_000], healthyMs: opts.healthyMs ?? [2_000, 5_000],
    onSkip: (name, err) => {
      skippedFaults++;
      log(`skipped ${name}: ${(err as Error).message}`);
    },
  });

  const started = performance.now();
  workload.start();
  schedule.start();
  const progress = setInterval(() => {
    const s = ((performance.now() - started) / 1000).toFixed(0);
    log(`${s} s: ${recorder.operations.length} operations, ${schedule.faults.length} faults healed`);
  }, 10_000);
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, opts.durationMs);
      opts.signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  } finally {
    clearInterval(progress);
    await Promise.all([schedule.stop(), workload.stop()]);
  }
  const workloadMs = performance.now() - started;
  log(`workload done after ${(workloadMs / 1000).toFixed(1)} s; faults healed, waiting for the cluster to recover`);

  const recovering = performance.now();
  await cluster.waitForLeader(30_000);
  await finalReads(cluster.addresses, recorder, workload.keys, 30_000, FINAL_READER);
  const recoveryMs = performance.now() - recovering;

  const history = [...recorder.operations];
  log(`checking ${history.length} operations`);
  const checking = performance.now();
  const check = checkHistory(history, jobTableModel, opts.check);
  const checkMs = performance.now() - checking;
  return { history, faults: schedule.faults, skippedFaults, workloadMs, recoveryMs, check, checkMs };
}
