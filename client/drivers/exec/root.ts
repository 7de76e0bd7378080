// The task's root: its own directory (local/, secrets/, tmp/ are already there) with the host's
// system directories bound read-only into it, Nomad's chroot_env in short. The binds are made
// inside the task's own mount namespace by the launcher (launch.ts), so they vanish with the task
// and never show on the host; on the host the task directory only holds empty mount points.

import { chmod, chown, lstat, mkdir, readlink, symlink } from "node:fs/promises";
import path from "node:path";

/** Host directories every task sees, read-only. */
export const HOST_DIRS = ["bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc"];

/**
 * Makes the mount points under `taskDir` and returns the host directories to bind there. A host
 * entry that is a symlink (`/bin -> usr/bin` on merged-/usr systems) becomes the same symlink.
 */
export async function prepareRoot(taskDir: string, allocDir: string, uid: number, gid: number): Promise<string[]> {
  const binds: string[] = [];
  for (const name of HOST_DIRS) {
    const host = await lstat(`/${name}`).catch(() => undefined);
    if (host === undefined) continue;
    const inRoot = path.join(taskDir, name);
    if (host.isSymbolicLink()) {
      if ((await lstat(inRoot).catch(() => undefined)) === undefined) await symlink(await readlink(`/${name}`), inRoot);
    } else if (host.isDirectory()) {
      await mkdir(inRoot, { recursive: true });
      binds.push(name);
    }
  }
  for (const name of ["dev", "proc", "alloc", "local", "secrets", "tmp"]) await mkdir(path.join(taskDir, name), { recursive: true });
  // The task runs unprivileged: it must be able to enter its root and write its own directories.
  await chmod(taskDir, 0o755);
  for (const name of ["local", "secrets", "tmp"]) await chown(path.join(taskDir, name), uid, gid);
  await chmod(path.join(taskDir, "tmp"), 0o1777);
  // Shared by the allocation's tasks, which may run as different users (Nomad makes it 0777 too).
  await chmod(allocDir, 0o777);
  return binds;
}

/** Where a path inside the task's root is on the host, for looking up commands before launch. */
export function hostPathFor(taskDir: string, taskPath: string): string {
  const first = taskPath.split("/").find((part) => part !== "") ?? "";
  return HOST_DIRS.includes(first) ? taskPath : path.join(taskDir, taskPath);
}
