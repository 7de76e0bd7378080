// Dashboard latency: a real one-server cluster, the dashboard's model, data source and screen in
// this process on a fake terminal (as the headless render tests), and 20 jobs registered one at
// a time through the API. For each, the time from Jobs.Register returning (the change is
// committed) to the screen's text showing the job, polled every 2 ms. Last line is JSON.

import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { DashboardApp } from "../cli/dashboard/app.js";
import { DashboardModel } from "../cli/dashboard/model.js";
import { DashboardSource } from "../cli/dashboard/source.js";
import { WRITE_OPTIONS } from "../cli/api.js";
import * as pb from "../proto/index.js";
import { jobToWire } from "../shared/wire/index.js";
import { fakeTerminal, screenText } from "../test/cli/dashboard/fixtures.js";
import { TestCluster, waitFor } from "../test/support/cluster.js";
import { group, job } from "../test/support/model.js";

const CHANGES = Number(process.env["CHANGES"] ?? 20);
const POLL_MS = 2;
const TIMEOUT_MS = 10_000;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

const cluster = await TestCluster.start({ servers: 1 });
const term = fakeTerminal(120, CHANGES + 20);
const model = new DashboardModel(cluster.addresses, Date.now());
const client = cluster.client();
const app = new DashboardApp(model, { input: term.input, output: term.output, readOnly: true, color: false });
const source = new DashboardSource(model, client, () => app.requestRender());
const screen = () => screenText(app.screen.screenshot() as unknown as string);
const timings: number[] = [];
try {
  await cluster.waitForLeader();
  app.show("jobs");
  source.start();
  await waitFor("the dashboard to load", 20_000, () => Promise.resolve(model.loaded && /No jobs/.test(screen()) ? true : undefined));
  for (let i = 0; i < CHANGES; i++) {
    const id = `bench-ui-${String(i).padStart(2, "0")}`;
    const shows = new RegExp(`^${id}\\s`, "m");
    await client.call(pb.JobsService.register, { job: jobToWire(job(id, { taskGroups: [group("g", 1)] })), preserveCounts: false, options: WRITE_OPTIONS }, "write");
    const committed = performance.now();
    for (;;) {
      if (shows.test(screen())) break;
      if (performance.now() - committed > TIMEOUT_MS) throw new Error(`job ${id} did not show within ${TIMEOUT_MS} ms`);
      await sleep(POLL_MS);
    }
    timings.push(performance.now() - committed);
    // Let the evaluation's own events settle so each change is measured on its own.
    await sleep(150);
  }
} finally {
  source.stop();
  app.destroy();
  await cluster.stop();
}

const sorted = [...timings].sort((a, b) => a - b);
const row = (name: string, ms: number) => `${name.padEnd(6)} ${ms.toFixed(1).padStart(8)} ms`;
console.log(`event to screen over ${timings.length} job registrations (1 server, redraws capped at 10/s)`);
console.log(row("min", sorted[0] ?? 0));
console.log(row("p50", percentile(sorted, 50)));
console.log(row("p90", percentile(sorted, 90)));
console.log(row("max", sorted.at(-1) ?? 0));
console.log(JSON.stringify({ event_to_screen_p50_ms: Math.round(percentile(sorted, 50) * 10) / 10 }));
