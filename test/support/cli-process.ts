// The real CLI in its own process, as a user types it: its exit code and both outputs.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { repoPath } from "../paths.js";

const run = promisify(execFile);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the whole command, Node start-up included. */
  ms: number;
}

/** Runs `nomadish args…` with NOMADISH_ADDR set to `address` (when given) and `env` added. */
export async function nomadishProcess(args: string[], address: string | undefined, env: Record<string, string> = {}, cwd = repoPath()): Promise<CliRun> {
  const started = Date.now();
  try {
    const processEnv = { ...process.env, ...(address === undefined ? {} : { NOMADISH_ADDR: address }), ...env };
    const { stdout, stderr } = await run(process.execPath, [repoPath("bin", "nomadish.js"), ...args], { cwd, env: processEnv });
    return { code: 0, stdout, stderr, ms: Date.now() - started };
  } catch (err) {
    // code is the exit code, null when a signal ended it, or a string when it never ran.
    const e = err as { code: number | string | null; signal?: string; stdout?: string; stderr?: string; message: string };
    const code = typeof e.code === "number" ? e.code : -1;
    return { code, stdout: e.stdout ?? "", stderr: e.stderr ?? (code === -1 ? e.message : ""), ms: Date.now() - started };
  }
}
