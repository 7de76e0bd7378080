// The on-disk layout of one allocation, as Nomad lays it out:
//
//   <dataDir>/alloc/<allocId>/alloc/         shared by the group's tasks (NOMAD_ALLOC_DIR)
//                             alloc/logs/    task output: <task>.stdout.N, <task>.stderr.N
//                             alloc/data/, alloc/tmp/
//   <dataDir>/alloc/<allocId>/<task>/        the task's directory: local/, secrets/, tmp/
//
// Directories are world-writable because tasks may run as an unprivileged user (exec runs as
// nobody) and must still write to local/, tmp/ and the shared alloc/.

import { chmod, mkdir, rm } from "node:fs/promises";
import path from "node:path";

const OPEN_DIR_MODE = 0o777;

async function makeDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  // mkdir's mode is filtered by the umask; chmod is not.
  await chmod(dir, OPEN_DIR_MODE);
}

export class AllocDir {
  /** `<dataDir>/alloc/<allocId>`. */
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  static of(dataDir: string, allocId: string): AllocDir {
    return new AllocDir(path.join(dataDir, "alloc", allocId));
  }

  /** The directory shared by the group's tasks, NOMAD_ALLOC_DIR on the host. */
  get sharedDir(): string {
    return path.join(this.root, "alloc");
  }

  get logsDir(): string {
    return path.join(this.sharedDir, "logs");
  }

  taskDir(task: string): string {
    return path.join(this.root, task);
  }

  taskLocalDir(task: string): string {
    return path.join(this.taskDir(task), "local");
  }

  taskSecretsDir(task: string): string {
    return path.join(this.taskDir(task), "secrets");
  }

  /** Creates the shared directory and the task's directory; safe to call again. */
  async buildForTask(task: string): Promise<void> {
    for (const dir of [this.sharedDir, this.logsDir, path.join(this.sharedDir, "data"), path.join(this.sharedDir, "tmp")]) {
      await makeDir(dir);
    }
    await makeDir(this.taskDir(task));
    for (const sub of ["local", "secrets", "tmp"]) await makeDir(path.join(this.taskDir(task), sub));
  }

  /** Removes everything the allocation left on disk. */
  async destroy(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
