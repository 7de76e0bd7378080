// Waiting for a task this client started itself: the `exit` event is immediate, where a recovered
// task (no longer our child) has to be polled.

import type { ChildProcess } from "node:child_process";
import type { ExitResult } from "../driver.js";
import { exitFromStatus, readExitFile } from "./exitfile.js";
import { signalNumber } from "./proc.js";

/** Resolves once the process exists; rejects when it could not be started at all. */
export function spawned(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
}

/**
 * How a task this client started ended: the status its wrapper recorded, or else how the wrapper
 * itself ended (it records nothing when it is SIGKILLed).
 */
export function childExit(child: ChildProcess, exitFile: string, oomKilled: () => Promise<boolean>): Promise<ExitResult> {
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      void (async () => {
        const oom = await oomKilled().catch(() => false);
        const status = (await readExitFile(exitFile)) ?? code;
        const signo = signal === null ? 0 : (signalNumber(signal) ?? 0);
        resolve(status !== null ? exitFromStatus(status, oom) : { exitCode: 128 + signo, signal: signo, oomKilled: oom });
      })();
    });
  });
}
