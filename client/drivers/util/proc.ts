// What the exec and raw_exec drivers know about processes comes from /proc, because after a client
// restart the tasks are no longer its children: it cannot wait() for them, only look.

import { readFile, readdir } from "node:fs/promises";
import { constants } from "node:os";

export interface ProcStat {
  pid: number;
  ppid: number;
  /** R, S, D, Z (zombie), … */
  state: string;
  /** The process's session: raw_exec tasks run in a session of their own (setsid). */
  session: number;
  /** Clock ticks after boot; with the pid it names one process even when pids are reused. */
  startTime: number;
}

export async function readStat(pid: number): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { pid, ppid: Number(fields[1]), state: fields[0] ?? "?", session: Number(fields[3]), startTime: Number(fields[19]) };
}

/** The process exists, is not a zombie, and (when given) is the one that started at `startTime`. */
export async function isAlive(pid: number, startTime?: number): Promise<boolean> {
  const stat = await readStat(pid);
  if (stat === undefined || stat.state === "Z" || stat.state === "X") return false;
  return startTime === undefined || stat.startTime === startTime;
}

/** The live children of `ppid`, looked for among `candidates` (all of /proc when omitted). */
export async function childrenOf(ppid: number, candidates?: number[]): Promise<number[]> {
  return (await findProcesses((s) => s.ppid === ppid, candidates)).map((s) => s.pid);
}

/** Every live process (or all of `candidates`) for which `match` holds. */
export async function findProcesses(match: (stat: ProcStat) => boolean, candidates?: number[]): Promise<ProcStat[]> {
  const pids = candidates ?? (await readdir("/proc")).filter((n) => /^\d+$/.test(n)).map(Number);
  const stats = await Promise.all(pids.map((pid) => readStat(pid)));
  return stats.filter((s): s is ProcStat => s !== undefined && s.state !== "Z" && s.state !== "X" && match(s));
}

/** `SIGTERM`, `TERM` or `sigterm` → 15; undefined for a name the kernel does not know. */
export function signalNumber(name: string): number | undefined {
  const upper = name.trim().toUpperCase();
  const key = (upper.startsWith("SIG") ? upper : `SIG${upper}`) as keyof typeof constants.signals;
  return constants.signals[key];
}

/** Sends a signal, ignoring processes that are already gone. */
export function sendSignal(pid: number, signal: string | number): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw err;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `done` every `intervalMs` until it holds (true) or `timeoutMs` passes (false). */
export async function pollUntil(done: () => Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
}
