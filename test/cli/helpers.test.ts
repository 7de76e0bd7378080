// The CLI's small helpers: times, sizes, short ids and prefix matches, Nomad-style JSON keys,
// the plan's dry-run text and exit code.

import test from "ava";
import { iBytes, megabytes } from "../../cli/bytes.js";
import { checkIndexHint, formatDryRun, planExitCode } from "../../cli/dry-run.js";
import { pickByPrefix, shortId } from "../../cli/ids.js";
import { nomadJson, pascalCase } from "../../cli/nomad-json.js";
import { formatTaskTime, formatTimestamp, timeAgo } from "../../cli/time.js";
import { UserError } from "../../shared/errors.js";
import { metric, T0 } from "./fixtures.js";

process.env["TZ"] = "UTC";

test("timestamps are RFC 3339; ages keep the two largest units", (t) => {
  t.is(formatTimestamp(T0), "2024-05-10T14:05:56Z");
  t.is(formatTimestamp(0), "");
  t.is(formatTaskTime(0), "N/A");
  t.is(timeAgo(T0, T0), "0s ago");
  t.is(timeAgo(T0, T0 + 65_000), "1m5s ago");
  t.is(timeAgo(T0, T0 + 3_725_000), "1h2m ago");
  t.is(timeAgo(T0, T0 + 3_605_000), "1h ago");
  t.is(timeAgo(T0, T0 + 3 * 86_400_000 + 7_200_000), "3d2h ago");
  t.is(timeAgo(T0 + 90_000, T0), "1m30s from now");
  t.is(timeAgo(0, T0), "");
});

test("sizes read like go-humanize's IBytes", (t) => {
  t.is(iBytes(0), "0 B");
  t.is(iBytes(9), "9 B");
  t.is(megabytes(256), "256 MiB");
  t.is(megabytes(1), "1.0 MiB");
  t.is(megabytes(7884), "7.7 GiB");
  t.is(megabytes(14_336), "14 GiB");
});

test("short ids are 8 characters unless full ids are asked for", (t) => {
  t.is(shortId("0a1d2a25-7f0a-4d3c-9a8e-1b2c3d4e5f60"), "0a1d2a25");
  t.is(shortId("0a1d2a25-7f0a-4d3c-9a8e-1b2c3d4e5f60", true), "0a1d2a25-7f0a-4d3c-9a8e-1b2c3d4e5f60");
});

test("a prefix picks its one match, an exact id wins, several matches are listed, none is an error", (t) => {
  const match = (prefix: string, ids: string[]) => pickByPrefix({
    singular: "job", plural: "jobs", prefix, matches: ids, id: (s) => s, table: (items) => `${items.join("\n")}\n`,
  });
  t.is(match("we", ["web"]), "web");
  t.is(match("web", ["web", "web2"]), "web");
  const many = t.throws(() => match("we", ["web1", "web2"]), { instanceOf: UserError });
  t.is(many?.message, "Prefix matched multiple jobs\n\nweb1\nweb2");
  const none = t.throws(() => match("x", []), { instanceOf: UserError });
  t.is(none?.message, 'No job(s) with prefix or id "x" found');
});

test("-json output uses Nomad's key spelling and leaves user keys alone", (t) => {
  t.is(pascalCase("jobModifyIndex"), "JobModifyIndex");
  t.is(pascalCase("nodeId"), "NodeID");
  t.is(pascalCase("memoryMb"), "MemoryMB");
  t.is(pascalCase("cpuMhz"), "CPUMHz");
  t.deepEqual(nomadJson({
    evalId: "e", meta: { owner_team: "x" }, taskStates: { server: { lastRestartMs: 0 } }, config: { image: "busybox", port_map: [{ http: 80 }] },
    summary: { jobId: "web", summary: { web: { queued: 1 } } }, tags: ["a"], absent: undefined,
  }), {
    EvalID: "e", Meta: { owner_team: "x" }, TaskStates: { server: { LastRestartMs: 0 } }, Config: { image: "busybox", port_map: [{ http: 80 }] },
    Summary: { JobID: "web", Summary: { web: { Queued: 1 } } }, Tags: ["a"],
  });
});

test("the dry run says all was placed, or why not per group", (t) => {
  t.is(formatDryRun({ failedTgAllocs: {}, nextPeriodicLaunchMs: 0 }, "service", T0), "- All tasks successfully allocated.");
  const failed = { web: metric({ coalescedFailures: 2, nodesExhausted: 3, dimensionExhausted: { memory: 3 } }) };
  t.is(formatDryRun({ failedTgAllocs: failed, nextPeriodicLaunchMs: 0 }, "service", T0), [
    "- WARNING: Failed to place all allocations.",
    '  Task Group "web" (failed to place 3 allocations):',
    "    * Resources exhausted on 3 nodes",
    '    * Dimension "memory" exhausted on 3 nodes',
  ].join("\n"));
  t.regex(formatDryRun({ failedTgAllocs: failed, nextPeriodicLaunchMs: 0 }, "system", T0), /^- WARNING: Failed to place allocations on all nodes\./);
  t.is(formatDryRun({ failedTgAllocs: {}, nextPeriodicLaunchMs: T0 + 60_000 }, "batch", T0),
    "- All tasks successfully allocated.\n- If submitted now, next periodic launch would be at 2024-05-10T14:06:56Z (1m from now).");
  t.regex(checkIndexHint(7, "web.hcl"), /^Job Modify Index: 7\nTo submit the job with version verification run:\n\nnomadish job run -check-index 7 web\.hcl\n/);
});

test("plan exits 1 when allocations would be created, stopped or replaced, else 0", (t) => {
  const none = { ignore: 3, place: 0, migrate: 0, stop: 0, inPlaceUpdate: 0, destructiveUpdate: 0, canary: 0, preemptions: 0 };
  t.is(planExitCode({ desiredTgUpdates: {} }), 0);
  t.is(planExitCode({ desiredTgUpdates: { web: none } }), 0);
  t.is(planExitCode({ desiredTgUpdates: { web: { ...none, inPlaceUpdate: 2 } } }), 0);
  t.is(planExitCode({ desiredTgUpdates: { web: { ...none, place: 1 } } }), 1);
  t.is(planExitCode({ desiredTgUpdates: { web: { ...none, stop: 1 } } }), 1);
});
