// Task events with Nomad's type strings and wording, so `alloc status` reads like Nomad's.

import { formatDuration } from "../../shared/model/duration.js";
import type { TaskEvent } from "../../shared/model/alloc.js";
import type { ExitResult } from "../drivers/driver.js";

export const TaskEventType = {
  Received: "Received",
  Setup: "Task Setup",
  SetupFailure: "Setup Failure",
  Driver: "Driver",
  DriverFailure: "Driver Failure",
  TemplateRendered: "Template Rendered",
  Started: "Started",
  Terminated: "Terminated",
  Restarting: "Restarting",
  NotRestarting: "Not Restarting",
  RestartSignaled: "Restart Signaled",
  ShutdownDelay: "Waiting for shutdown delay",
  Killing: "Killing",
  Killed: "Killed",
  SiblingFailed: "Sibling Task Failed",
  LeaderDead: "Leader Task Dead",
  MainDead: "Main Tasks Dead",
} as const;

interface EventExtras {
  details?: Record<string, string>;
  exitCode?: number;
  signal?: number;
  failsTask?: boolean;
}

export function taskEvent(type: string, timeMs: number, message: string, extras: EventExtras = {}): TaskEvent {
  return {
    type,
    timeMs,
    message,
    details: extras.details ?? {},
    ...(extras.exitCode === undefined ? {} : { exitCode: extras.exitCode }),
    ...(extras.signal === undefined ? {} : { signal: extras.signal }),
    failsTask: extras.failsTask ?? false,
  };
}

/** Nomad's "Exit Code: 1, Signal: 9, Exit Message: "…"" with "OOM Killed" when the kernel killed it. */
export function terminatedEvent(timeMs: number, exit: ExitResult): TaskEvent {
  const parts = [`Exit Code: ${exit.exitCode}`];
  if (exit.signal !== 0) parts.push(`Signal: ${exit.signal}`);
  if (exit.error !== undefined && exit.error !== "") parts.push(`Exit Message: ${JSON.stringify(exit.error)}`);
  if (exit.oomKilled) parts.push("OOM Killed");
  const details: Record<string, string> = { exit_code: String(exit.exitCode), signal: String(exit.signal) };
  if (exit.oomKilled) details["oom_killed"] = "true";
  if (exit.error) details["exit_message"] = exit.error;
  return taskEvent(TaskEventType.Terminated, timeMs, parts.join(", "), { details, exitCode: exit.exitCode, signal: exit.signal });
}

export const RESTART_WITHIN_POLICY = "Restart within policy";

export function restartingEvent(timeMs: number, delayMs: number, reason: string): TaskEvent {
  const inDelay = `Task restarting in ${formatDuration(Math.round(delayMs))}`;
  const message = reason === "" || reason === RESTART_WITHIN_POLICY ? inDelay : `${reason} - ${inDelay}`;
  return taskEvent(TaskEventType.Restarting, timeMs, message, {
    details: { restart_reason: reason, start_delay: String(Math.round(delayMs)) },
  });
}

export function killingEvent(timeMs: number, killTimeoutMs: number): TaskEvent {
  return taskEvent(TaskEventType.Killing, timeMs, `Sent interrupt. Waiting ${formatDuration(killTimeoutMs)} before force killing`, {
    details: { kill_timeout: String(killTimeoutMs) },
  });
}
