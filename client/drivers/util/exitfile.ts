// The exit status of an exec or raw_exec task, written by the shell wrapper that ran it into a file
// in the task's directory. A client that restarted is no longer the task's parent and cannot wait()
// for it; the file is how a recovered handle still learns how the task ended.

import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ExitResult } from "../driver.js";

export function exitFilePath(taskDir: string): string {
  return path.join(taskDir, ".exit");
}

/** The status the wrapper recorded; undefined when there is none (yet). */
export async function readExitFile(file: string): Promise<number | undefined> {
  try {
    const text = (await readFile(file, "utf8")).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

export async function writeExitFile(file: string, status: number): Promise<void> {
  await writeFile(file, `${status}\n`);
}

export async function removeExitFile(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** A shell's `$?`: 128+n means the command was killed by signal n. */
export function exitFromStatus(status: number, oomKilled = false): ExitResult {
  const signal = status > 128 && status <= 128 + 64 ? status - 128 : 0;
  return { exitCode: status, signal, oomKilled };
}

