// The per-task part of `alloc status`: `Task "web" is "running"`, its resources, its restart
// counters and its recent events (newest first); or with -short one table row per task.

import type { Allocation, Lifecycle, TaskEvent } from "../../shared/model/index.js";
import { megabytes } from "../bytes.js";
import { columns } from "../format.js";
import { formatTaskTime, formatTimestamp } from "../time.js";
import { kv, table } from "./layout.js";

/** Prestart tasks first, then sidecars, main tasks, poststart and poststop, as Nomad orders them. */
function lifecycleRank(lifecycle: Lifecycle | undefined): number {
  if (lifecycle === undefined) return 2;
  if (lifecycle.hook === "prestart") return lifecycle.sidecar ? 1 : 0;
  return lifecycle.hook === "poststart" ? 3 : 4;
}

function lifecycleName(lifecycle: Lifecycle | undefined): string {
  if (lifecycle === undefined) return "main";
  return lifecycle.sidecar ? `${lifecycle.hook} sidecar` : lifecycle.hook;
}

interface TaskRow {
  name: string;
  lifecycle: Lifecycle | undefined;
}

/** The allocation's tasks that have a state, in lifecycle order, then by name. */
function tasksInOrder(alloc: Allocation): TaskRow[] {
  const group = alloc.job.taskGroups.find((g) => g.name === alloc.taskGroup);
  const rows = Object.keys(alloc.taskStates).map((name) => ({ name, lifecycle: group?.tasks.find((t) => t.name === name)?.lifecycle }));
  return rows.sort((a, b) => lifecycleRank(a.lifecycle) - lifecycleRank(b.lifecycle) || a.name.localeCompare(b.name));
}

/** What an event says: its message, or Nomad's wording for the common events that carry none. */
export function eventDescription(event: TaskEvent): string {
  if (event.message !== "") return event.message;
  switch (event.type) {
    case "Received": return "Task received by client";
    case "Started": return "Task started by client";
    case "Killed": return "Task successfully killed";
    case "Terminated": {
      const signal = event.signal !== undefined && event.signal !== 0 ? `, Signal: ${event.signal}` : "";
      return `Exit Code: ${event.exitCode ?? 0}${signal}`;
    }
    default:
      return Object.entries(event.details).map(([k, v]) => `${k}: ${v}`).join(", ");
  }
}

function resourcesTable(alloc: Allocation, task: string): string {
  const resources = alloc.allocatedResources.tasks[task];
  const addresses = alloc.allocatedResources.ports.map((p) => `${p.label}: ${p.hostIp}:${p.value}`);
  const [first = "", ...rest] = addresses;
  // Plain columns: a task without ports has an empty Addresses cell, not "<none>".
  return columns([
    ["CPU", "Memory", "Disk", "Addresses"],
    [`${resources?.cpuMhz ?? 0} MHz`, megabytes(resources?.memoryMb ?? 0), megabytes(alloc.allocatedResources.diskMb), first],
    ...rest.map((address) => ["", "", "", address]),
  ]);
}

function eventsTable(events: readonly TaskEvent[]): string {
  return table([
    ["Time", "Type", "Description"],
    ...[...events].reverse().map((e) => [formatTimestamp(e.timeMs), e.type, eventDescription(e)]),
  ]);
}

/** Every task's section of `alloc status`; "" when no task has reported yet. */
export function taskSections(alloc: Allocation): string {
  return tasksInOrder(alloc).map(({ name, lifecycle }) => {
    const state = alloc.taskStates[name];
    if (state === undefined) return "";
    const hook = lifecycle === undefined ? "" : ` (${lifecycleName(lifecycle)})`;
    return `\nTask ${JSON.stringify(name)}${hook} is ${JSON.stringify(state.state)}\n` +
      `Task Resources:\n${resourcesTable(alloc, name)}\n` +
      `Task Events:\n${kv([
        ["Started At", formatTaskTime(state.startedAtMs)],
        ["Finished At", formatTaskTime(state.finishedAtMs)],
        ["Total Restarts", String(state.restarts)],
        ["Last Restart", formatTaskTime(state.lastRestartMs)],
      ])}\n` +
      `Recent Events:\n${eventsTable(state.events)}`;
  }).join("");
}

/** `alloc status -short`: one row per task with its last event. */
export function taskSummaryTable(alloc: Allocation): string {
  return table([
    ["Name", "State", "Last Event", "Time", "Lifecycle"],
    ...tasksInOrder(alloc).map(({ name, lifecycle }) => {
      const state = alloc.taskStates[name];
      const last = state?.events[state.events.length - 1];
      return [name, state?.state ?? "", last?.type ?? "", last === undefined ? "" : formatTimestamp(last.timeMs), lifecycleName(lifecycle)];
    }),
  ]);
}
