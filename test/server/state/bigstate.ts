// A large, realistic state built through the store's apply path, as a cluster would: nodes
// register, jobs register with an evaluation, plans place their allocations in batches, and the
// clients report them running with task events. For snapshot tests and the snapshot benchmark.

import type { TaskState } from "../../../shared/model/index.js";
import { allocation, evaluation, group, Harness, job, node, uuid, withoutJob } from "./fixtures.js";

export interface BigStateOptions {
  allocs: number;
  /** Allocations per job (one plan each). */
  perJob?: number;
  nodes?: number;
}

function runningState(n: number): Record<string, TaskState> {
  return {
    server: {
      state: "running", failed: false, restarts: n % 3, lastRestartMs: 0, startedAtMs: 1_700_000_100_000 + n, finishedAtMs: 0,
      events: [
        { type: "Received", timeMs: 1_700_000_000_000 + n, message: "Task received by client", details: {}, failsTask: false },
        { type: "Task Setup", timeMs: 1_700_000_050_000 + n, message: "Building Task Directory", details: { message: "Building Task Directory" }, failsTask: false },
        { type: "Started", timeMs: 1_700_000_100_000 + n, message: "Task started by client", details: {}, failsTask: false },
      ],
    },
  };
}

/** A store holding `allocs` running allocations spread over jobs and nodes. */
export function bigState(opts: BigStateOptions): Harness {
  const perJob = opts.perJob ?? 1000;
  const nodes = opts.nodes ?? Math.max(1, Math.ceil(opts.allocs / 100));
  const h = new Harness();
  for (let n = 0; n < nodes; n++) h.apply({ type: "node.register", node: node(`node-${uuid(n)}`, { name: `client-${n}` }) });
  let made = 0;
  for (let j = 0; made < opts.allocs; j++) {
    const count = Math.min(perJob, opts.allocs - made);
    const jobId = `service-${j}`;
    const evalId = uuid(1_000_000 + j);
    h.apply({ type: "job.register", job: job(jobId, { taskGroups: [group("web", count)] }), eval: evaluation(evalId, jobId) });
    const stored = h.snap.job("default", jobId);
    if (!stored) throw new Error(`job ${jobId} was not registered`);
    const ids: string[] = [];
    const allocs = [];
    for (let i = 0; i < count; i++) {
      const n = made + i;
      const id = uuid(10_000_000 + n);
      ids.push(id);
      const nodeId = `node-${uuid(n % nodes)}`;
      allocs.push(withoutJob(allocation(id, stored, nodeId, { evalId, name: `${jobId}.web[${i}]`, nodeName: `client-${n % nodes}` })));
    }
    h.apply({ type: "alloc.upsert", job: stored, allocs });
    h.apply({ type: "eval.upsert", evals: [evaluation(evalId, jobId, { status: "complete", queuedAllocations: { web: 0 } })] });
    h.apply({
      type: "alloc.clientUpdate",
      updates: ids.map((allocId, i) => ({
        allocId, clientStatus: "running" as const, clientDescription: "Tasks are running", taskStates: runningState(made + i), modifyTimeMs: 1_700_000_200_000,
      })),
    });
    made += count;
  }
  return h;
}
