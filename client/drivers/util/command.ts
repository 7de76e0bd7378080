// Finding a task's command before starting it, so "not found" is a clear error for the user instead
// of exit code 127 from a shell they never wrote.

import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The path of `command` as the task will see it, or undefined when there is no such executable.
 * A name without a slash is looked up in `searchPath`; a relative path is relative to `cwd`.
 * `hostPath` maps a path the task sees to where it is on the host (exec's chroot differs).
 */
export function resolveCommand(
  command: string,
  searchPath: string,
  cwd: string,
  hostPath: (taskPath: string) => string = (p) => p,
): string | undefined {
  if (command === "") return undefined;
  const candidates = command.includes("/")
    ? [path.resolve(cwd, command)]
    : searchPath.split(":").filter((dir) => dir !== "").map((dir) => path.join(path.resolve(cwd, dir), command));
  return candidates.find((candidate) => isExecutable(hostPath(candidate)));
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
