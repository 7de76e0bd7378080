// What each dashboard view shows, as plain text: pure functions from the model (and the time)
// to a page of lines, so they are tested without a terminal. The screen (app.ts) only draws
// pages, highlights the selected row and follows a row's target on enter.

import type { AllocationStub, Evaluation, Job, Node } from "../../shared/model/index.js";
import { isTerminalClientStatus } from "../../shared/model/index.js";
import { shortId } from "../ids.js";
import { timeAgo } from "../time.js";
import type { DashboardModel, ServerState } from "./model.js";

export type ListView = "jobs" | "nodes" | "cluster" | "evals" | "events";
export const LIST_VIEWS: readonly ListView[] = ["jobs", "nodes", "cluster", "evals", "events"];

/** Where the dashboard is: a top-level list, or something drilled down into. */
export type Route =
  | { view: ListView }
  | { view: "job"; jobId: string }
  | { view: "alloc"; allocId: string }
  | { view: "node"; nodeId: string }
  /** The task picker of an allocation with several tasks, on the way to their logs. */
  | { view: "tasks"; allocId: string }
  | { view: "logs"; allocId: string; task: string };

export interface Row {
  text: string;
  /** Where enter on this row goes. */
  target?: Route;
}

export interface Page {
  title: string;
  /** Lines above the rows that do not scroll (banners, column headings). */
  head: string[];
  rows: Row[];
  /** Shown when there are no rows. */
  empty: string;
}

export interface ViewContext {
  model: DashboardModel;
  nowMs: number;
  width: number;
}

// ---------------------------------------------------------------------------------------------
// Text helpers

/** `[#####     ] 52%`: a fraction as a text bar of `width` cells. */
export function bar(used: number, total: number, width = 10): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, used / total)) : 0;
  const filled = Math.round(fraction * width);
  const percent = total > 0 ? Math.round((used / total) * 100) : 0;
  return `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${String(percent).padStart(3)}%`;
}

/** 1234 ms → "1.2s"; under a second stays in ms. */
export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

function fit(line: string, width: number): string {
  return line.length > width ? `${line.slice(0, Math.max(0, width - 1))}~` : line;
}

/** Column-aligned lines (two spaces apart), each cut to the width; the first row is the header. */
export function tableLines(rows: readonly (readonly string[])[], width: number): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => fit(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ").trimEnd(), width));
}

function kvLines(pairs: readonly (readonly [string, string])[], width: number): string[] {
  const keyWidth = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => fit(`${k.padEnd(keyWidth)} = ${v}`, width));
}

/** A table page: the header row goes into `head`, each body row keeps its target. */
function tablePage(title: string, header: readonly string[], body: readonly { cells: readonly string[]; target?: Route }[], width: number, empty: string, banner: string[] = []): Page {
  const lines = tableLines([header, ...body.map((b) => b.cells)], width);
  return {
    title,
    head: [...banner, lines[0] ?? ""],
    rows: body.map((b, i) => ({ text: lines[i + 1] ?? "", ...(b.target ? { target: b.target } : {}) })),
    empty,
  };
}

/** Rows whose text contains the filter (case-insensitive); all rows for an empty filter. */
export function filterRows(rows: readonly Row[], filter: string): Row[] {
  const needle = filter.trim().toLowerCase();
  return needle === "" ? [...rows] : rows.filter((r) => r.text.toLowerCase().includes(needle));
}

// ---------------------------------------------------------------------------------------------
// Derived numbers

/** An allocation that holds its node's resources: wanted running and not finished. */
function live(alloc: AllocationStub): boolean {
  return alloc.desiredStatus === "run" && !isTerminalClientStatus(alloc.clientStatus);
}

export interface GroupCounts {
  name: string;
  desired: number;
  running: number;
  pending: number;
  failed: number;
  complete: number;
  lost: number;
}

/** Per task group: the count the job asks for and its allocations by client status. */
export function groupCounts(job: Job, allocs: Iterable<AllocationStub>): GroupCounts[] {
  const groups = new Map<string, GroupCounts>(job.taskGroups.map((g) => [g.name, { name: g.name, desired: job.stop ? 0 : g.count, running: 0, pending: 0, failed: 0, complete: 0, lost: 0 }]));
  for (const a of allocs) {
    if (a.jobId !== job.id) continue;
    const g = groups.get(a.taskGroup);
    if (!g) continue;
    if (a.clientStatus === "running" && a.desiredStatus === "run") g.running++;
    else if (a.clientStatus === "pending" && a.desiredStatus === "run") g.pending++;
    else if (a.clientStatus === "failed") g.failed++;
    else if (a.clientStatus === "complete") g.complete++;
    else if (a.clientStatus === "lost") g.lost++;
  }
  return [...groups.values()];
}

/** What the node's live allocations hold, from their job's task resources, against its capacity. */
export function nodeUsage(node: Node, model: DashboardModel): { cpuMhz: number; memoryMb: number; totalCpuMhz: number; totalMemoryMb: number } {
  let cpuMhz = 0;
  let memoryMb = 0;
  for (const alloc of model.allocations.values()) {
    if (alloc.nodeId !== node.id || !live(alloc)) continue;
    const group = model.jobs.get(alloc.jobId)?.taskGroups.find((g) => g.name === alloc.taskGroup);
    for (const task of group?.tasks ?? []) {
      cpuMhz += task.resources.cpuMhz;
      memoryMb += task.resources.memoryMb;
    }
  }
  return {
    cpuMhz, memoryMb,
    totalCpuMhz: Math.max(0, node.resources.cpuMhz - node.reserved.cpuMhz),
    totalMemoryMb: Math.max(0, node.resources.memoryMb - node.reserved.memoryMb),
  };
}

/** "web: 3 unplaced (memory exhausted on 2 nodes)" per failed group, or "" when all placed. */
export function placementSummary(ev: Evaluation): string {
  return Object.entries(ev.failedTgAllocs).sort(([a], [b]) => a.localeCompare(b)).map(([group, m]) => {
    const reasons = [
      ...Object.entries(m.dimensionExhausted).map(([dim, n]) => `${dim} exhausted on ${n}`),
      ...Object.entries(m.constraintFiltered).map(([c, n]) => `${c} filtered ${n}`),
    ];
    if (m.nodesEvaluated === 0) reasons.push("no eligible nodes");
    return `${group}: ${m.coalescedFailures + 1} unplaced${reasons.length > 0 ? ` (${reasons.join(", ")})` : ""}`;
  }).join("; ");
}

// ---------------------------------------------------------------------------------------------
// Pages

function byId<T extends { id: string }>(items: Iterable<T>): T[] {
  return [...items].sort((a, b) => a.id.localeCompare(b.id));
}

export function jobsPage({ model, width }: ViewContext): Page {
  const body = byId(model.jobs.values()).map((job) => {
    const groups = groupCounts(job, model.allocations.values());
    const summary = groups.map((g) => `${g.name} ${g.running}/${g.desired}`).join(", ");
    const status = job.stop ? `${job.status} (stopped)` : job.status;
    return { cells: [job.id, job.type, String(job.priority), status, summary], target: { view: "job", jobId: job.id } as Route };
  });
  return tablePage("Jobs", ["ID", "Type", "Priority", "Status", "Groups (running/desired)"], body, width, model.loaded ? "No jobs" : "Loading...");
}

function allocRows(allocs: readonly AllocationStub[], nowMs: number): { cells: string[]; target: Route }[] {
  return [...allocs].sort((a, b) => b.createIndex - a.createIndex || a.id.localeCompare(b.id)).map((a) => ({
    cells: [shortId(a.id), a.nodeName || shortId(a.nodeId), a.taskGroup, String(a.jobVersion), a.desiredStatus, a.clientStatus, timeAgo(a.createTimeMs, nowMs)],
    target: { view: "alloc", allocId: a.id },
  }));
}

export function jobPage({ model, width, nowMs }: ViewContext, jobId: string): Page {
  const job = model.jobs.get(jobId);
  if (!job) return { title: `Job ${jobId}`, head: [], rows: [], empty: `Job "${jobId}" is gone` };
  const groups = tableLines([
    ["Group", "Desired", "Running", "Pending", "Failed", "Complete", "Lost"],
    ...groupCounts(job, model.allocations.values()).map((g) => [g.name, g.desired, g.running, g.pending, g.failed, g.complete, g.lost].map(String)),
  ], width);
  const allocs = [...model.allocations.values()].filter((a) => a.jobId === job.id);
  const info = kvLines([
    ["ID", job.id], ["Type", job.type], ["Priority", String(job.priority)], ["Status", job.stop ? `${job.status} (stopped)` : job.status],
    ["Version", String(job.version)], ["Datacenters", job.datacenters.join(",")], ["Submitted", timeAgo(job.submitTimeMs, nowMs)],
  ], width);
  const table = tablePage("", ["ID", "Node", "Group", "Version", "Desired", "Status", "Created"], allocRows(allocs, nowMs), width, "");
  const versions = tableLines([
    ["Version", "Submitted", "State"],
    ...(model.versions.get(job.id) ?? []).slice(0, 5).map((v) => [
      String(v.version), timeAgo(v.submitTimeMs, nowMs), v.version === job.version ? (v.stop ? "current (stopped)" : "current") : v.stop ? "stopped" : "",
    ]),
  ], width);
  return {
    title: `Job ${job.id}`,
    head: [...info, "", "Task Groups", ...groups, "", "Versions", ...versions, "", `Allocations (${allocs.length})`, ...table.head],
    rows: table.rows,
    empty: "No allocations",
  };
}

export function allocPage({ model, width, nowMs }: ViewContext, allocId: string): Page {
  const a = model.allocations.get(allocId);
  if (!a) return { title: `Allocation ${shortId(allocId)}`, head: [], rows: [], empty: `Allocation "${shortId(allocId)}" is gone` };
  const info = kvLines([
    ["ID", a.id], ["Name", a.name], ["Node", `${a.nodeName} (${shortId(a.nodeId)})`], ["Job", `${a.jobId} v${a.jobVersion}`],
    ["Group", a.taskGroup], ["Desired", `${a.desiredStatus}${a.desiredDescription ? ` (${a.desiredDescription})` : ""}`],
    ["Status", `${a.clientStatus}${a.clientDescription ? ` (${a.clientDescription})` : ""}`], ["Created", timeAgo(a.createTimeMs, nowMs)],
  ], width);
  const job = model.jobs.get(a.jobId);
  const tasks = job?.taskGroups.find((g) => g.name === a.taskGroup)?.tasks ?? [];
  const names = allocTasks(model, a.id);
  const taskTable = tableLines([
    ["Task", "State", "Failed", "Restarts", "CPU", "Memory", "Started"],
    ...names.map((name) => {
      const state = a.taskStates[name];
      const res = tasks.find((t) => t.name === name)?.resources;
      return [name, state?.state ?? "pending", String(state?.failed ?? false), String(state?.restarts ?? 0),
        res ? `${res.cpuMhz} MHz` : "", res ? `${res.memoryMb} MiB` : "", state ? timeAgo(state.startedAtMs, nowMs) : ""];
    }),
  ], width);
  const events = Object.entries(a.taskStates)
    .flatMap(([task, s]) => s.events.map((e) => ({ task, ...e })))
    .sort((x, y) => y.timeMs - x.timeMs)
    .map((e) => ({ text: fit(`${timeAgo(e.timeMs, nowMs).padEnd(10)}  ${e.task.padEnd(10)}  ${e.type.padEnd(16)}  ${e.message}`, width) }));
  return { title: `Allocation ${shortId(a.id)}`, head: [...info, "", "Tasks", ...taskTable, "", "Recent Events"], rows: events, empty: "No task events" };
}

/** The allocation's task names: its group's tasks and any task with a state, sorted. */
export function allocTasks(model: DashboardModel, allocId: string): string[] {
  const a = model.allocations.get(allocId);
  if (!a) return [];
  const tasks = model.jobs.get(a.jobId)?.taskGroups.find((g) => g.name === a.taskGroup)?.tasks ?? [];
  return [...new Set([...tasks.map((t) => t.name), ...Object.keys(a.taskStates)])].sort();
}

/** Which task's logs to open, for an allocation with several. */
export function tasksPage({ model, width }: ViewContext, allocId: string): Page {
  const a = model.allocations.get(allocId);
  const body = allocTasks(model, allocId).map((task) => ({
    cells: [task, a?.taskStates[task]?.state ?? "pending"],
    target: { view: "logs", allocId, task } as Route,
  }));
  return tablePage(`Logs of allocation ${shortId(allocId)}: pick a task`, ["Task", "State"], body, width, "No tasks");
}

export function nodesPage({ model, width }: ViewContext): Page {
  const barWidth = width >= 140 ? 20 : 10;
  const wide = width >= 140;
  const body = [...model.nodes.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)).map((node) => {
    const use = nodeUsage(node, model);
    const cpu = `${bar(use.cpuMhz, use.totalCpuMhz, barWidth)}${wide ? ` ${use.cpuMhz}/${use.totalCpuMhz} MHz` : ""}`;
    const mem = `${bar(use.memoryMb, use.totalMemoryMb, barWidth)}${wide ? ` ${use.memoryMb}/${use.totalMemoryMb} MiB` : ""}`;
    const cells = [node.name, node.status, node.schedulingEligibility, node.drainStrategy ? "yes" : "no", node.nodeClass || "-", node.datacenter, cpu, mem];
    return { cells: wide ? [shortId(node.id), ...cells] : cells, target: { view: "node", nodeId: node.id } as Route };
  });
  const header = ["Name", "Status", "Eligibility", "Drain", "Class", "DC", "CPU", "Memory"];
  return tablePage("Nodes", wide ? ["ID", ...header] : header, body, width, model.loaded ? "No nodes" : "Loading...");
}

export function nodePage(ctx: ViewContext, nodeId: string): Page {
  const { model, width, nowMs } = ctx;
  const node = model.nodes.get(nodeId);
  if (!node) return { title: `Node ${shortId(nodeId)}`, head: [], rows: [], empty: `Node "${shortId(nodeId)}" is gone` };
  const use = nodeUsage(node, model);
  const keyAttributes = ["kernel.name", "os.name", "cpu.arch", "cpu.numcores", "unique.hostname"]
    .filter((k) => node.attributes[k] !== undefined).map((k) => `${k}=${node.attributes[k] ?? ""}`).join(" ");
  const info = kvLines([
    ["ID", node.id], ["Name", node.name], ["Status", node.status], ["Eligibility", node.schedulingEligibility],
    ["Drain", node.drainStrategy ? "yes" : "no"], ["Class", node.nodeClass], ["DC", node.datacenter], ["Pool", node.nodePool],
    ["Drivers", Object.entries(node.drivers).filter(([, d]) => d.detected && d.healthy).map(([n]) => n).sort().join(",")],
    ["Attributes", keyAttributes],
    ["CPU", `${bar(use.cpuMhz, use.totalCpuMhz)} ${use.cpuMhz}/${use.totalCpuMhz} MHz`],
    ["Memory", `${bar(use.memoryMb, use.totalMemoryMb)} ${use.memoryMb}/${use.totalMemoryMb} MiB`],
  ], width);
  const allocs = [...model.allocations.values()].filter((a) => a.nodeId === node.id && live(a));
  const table = tablePage("", ["ID", "Node", "Group", "Version", "Desired", "Status", "Created"], allocRows(allocs, nowMs), width, "");
  return { title: `Node ${node.name}`, head: [...info, "", `Allocations (${allocs.length})`, ...table.head], rows: table.rows, empty: "No allocations" };
}

/** The line above the cluster table: who leads, or NO LEADER with its running timer. */
export function leaderBanner(model: DashboardModel, nowMs: number): string[] {
  const lines: string[] = [];
  const elapsed = model.electionElapsedMs(nowMs);
  const leader = model.leaderReport();
  if (elapsed !== undefined) lines.push(`NO LEADER ${seconds(elapsed)} (election in progress, term ${model.leader.term})`);
  else if (model.leader.leaderId !== undefined) lines.push(`Leader: ${leader?.name || model.leader.leaderId} (${model.leader.leaderAddress ?? "?"}), term ${model.leader.term}`);
  else lines.push("Leader: unknown (no server answered yet)");
  if (model.leader.lastFailoverMs !== undefined) lines.push(`Last failover took ${Math.round(model.leader.lastFailoverMs)} ms`);
  return lines;
}

function serverCells(server: ServerState, leaderLastLog: number | undefined, nowMs: number): string[] {
  const r = server.report;
  if (!r) return [server.address, server.address, server.reachable ? "unknown" : `unreachable${server.error ? ` (${server.error})` : ""}`, "", "", "", "", "", ""];
  const role = server.reachable ? r.role : `unreachable (${timeAgo(server.lastAnswerMs, nowMs) || "never"})`;
  const lag = leaderLastLog === undefined ? "-" : String(Math.max(0, leaderLastLog - r.lastLogIndex));
  const contact = r.role === "leader" ? "-" : `${r.lastContactMs} ms`;
  return [r.name || shortId(r.id), server.address, role, String(r.term), String(r.lastLogIndex), String(r.commitIndex), String(r.appliedIndex), lag, contact];
}

export function clusterPage({ model, width, nowMs }: ViewContext): Page {
  const leaderLastLog = model.leaderReport()?.lastLogIndex;
  const body = model.servers.map((s) => ({ cells: serverCells(s, leaderLastLog, nowMs) }));
  return tablePage("Cluster", ["Name", "Address", "Role", "Term", "Last Log", "Commit", "Applied", "Lag", "Last Contact"], body, width,
    "No servers", [...leaderBanner(model, nowMs), ""]);
}

export function evalsPage({ model, width }: ViewContext): Page {
  const body = [...model.evaluations.values()].sort((a, b) => b.createIndex - a.createIndex || a.id.localeCompare(b.id)).map((ev) => ({
    cells: [shortId(ev.id), ev.jobId, ev.status, ev.triggeredBy, placementSummary(ev) || "-"],
    ...(model.jobs.has(ev.jobId) ? { target: { view: "job", jobId: ev.jobId } as Route } : {}),
  }));
  return tablePage("Evaluations", ["ID", "Job", "Status", "Triggered By", "Placement Failures"], body, width, model.loaded ? "No evaluations" : "Loading...");
}

function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export function eventsPage({ model, width }: ViewContext): Page {
  const body = [...model.timeline].reverse().map((e) => {
    const target: Route | undefined = e.topic === "Job" && model.jobs.has(e.key) ? { view: "job", jobId: e.key }
      : e.topic === "Allocation" && model.allocations.has(e.key) ? { view: "alloc", allocId: e.key }
        : e.topic === "Node" && model.nodes.has(e.key) ? { view: "node", nodeId: e.key } : undefined;
    return { cells: [clock(e.atMs), String(e.index), e.type, e.topic === "Job" ? e.key : shortId(e.key), e.detail], ...(target ? { target } : {}) };
  });
  return tablePage("Events", ["Time", "Index", "Type", "Key", "Detail"], body, width, "No events yet");
}

export function page(route: Route, ctx: ViewContext): Page {
  switch (route.view) {
    case "jobs": return jobsPage(ctx);
    case "job": return jobPage(ctx, route.jobId);
    case "alloc": return allocPage(ctx, route.allocId);
    case "nodes": return nodesPage(ctx);
    case "node": return nodePage(ctx, route.nodeId);
    case "cluster": return clusterPage(ctx);
    case "evals": return evalsPage(ctx);
    case "events": return eventsPage(ctx);
    case "tasks": return tasksPage(ctx, route.allocId);
    // The logs are drawn by the screen from their buffer; this is only the title.
    case "logs": return { title: `Logs of ${route.task} (allocation ${shortId(route.allocId)})`, head: [], rows: [], empty: "" };
  }
}

/** The top line: cluster, leader (or NO LEADER), STALE when no server answers. */
export function headerText(model: DashboardModel, nowMs: number, readOnly: boolean): { text: string; alert: boolean } {
  const parts = ["nomadish"];
  const cluster = model.clusterId();
  if (cluster) parts.push(`cluster ${shortId(cluster)}`);
  const elapsed = model.electionElapsedMs(nowMs);
  let alert = false;
  if (elapsed !== undefined) {
    parts.push(`NO LEADER ${seconds(elapsed)}`);
    alert = true;
  } else if (model.leader.leaderId !== undefined) {
    parts.push(`leader ${model.leaderReport()?.name || shortId(model.leader.leaderId)} term ${model.leader.term}`);
  }
  const up = model.servers.filter((s) => s.reachable).length;
  parts.push(`servers ${up}/${model.servers.length}`);
  if (readOnly) parts.push("read-only");
  if (model.isStale(nowMs)) {
    parts.push("STALE");
    alert = true;
  }
  return { text: parts.join(" | "), alert };
}

export const HELP_TEXT = [
  "Keys",
  "",
  "  up/down, j/k   move",
  "  enter          open the selected row",
  "  esc            back",
  "  :              switch view (:jobs :nodes :cluster :evals :events)",
  "  /              filter the list (esc clears)",
  "  s              stop the job (jobs, job) or the allocation (allocation)",
  "  r              restart the allocation (allocation view)",
  "  l              live logs of the allocation's task (allocation view);",
  "                 up/k scrolls and pauses following, G follows again",
  "  d / e          toggle drain / eligibility of the node (nodes, node)",
  "  t              transfer leadership to another server (cluster)",
  "                 actions ask y/n first and are off with -read-only",
  "  ?              this help",
  "  q, ctrl-c      quit",
  "",
  "Press any key to close.",
];

/** Words that get a colour in lists when colour is on. */
const COLORS: Record<string, string> = {
  running: "green", ready: "green", leader: "green", eligible: "green", complete: "blue",
  pending: "yellow", candidate: "yellow", "pre-candidate": "yellow", blocked: "yellow", ineligible: "yellow",
  failed: "red", lost: "red", down: "red", unreachable: "red", dead: "red",
};

/** Escapes blessed's tag braces in text, and with `color` wraps status words in colour tags. */
export function colorize(text: string, color: boolean): string {
  const escaped = text.replace(/[{}]/g, (c) => (c === "{" ? "{open}" : "{close}"));
  if (!color) return escaped;
  return escaped.replace(/(?<![\w-])(pre-candidate|[a-z]+)(?![\w-])/g, (word) => {
    const c = COLORS[word];
    return c === undefined ? word : `{${c}-fg}${word}{/${c}-fg}`;
  });
}
