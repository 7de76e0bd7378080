// A task's cgroup v1 groups (memory, cpu, pids). The memory group is the authority on which
// processes belong to the task: every process the task forks lands in it, including ones that
// escape the wrapper, so stopping a task means SIGKILLing everything listed there (killing the
// launcher alone would leak its children).

import { access, mkdir, readFile, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { pollUntil, readStat, sendSignal } from "../util/proc.js";

export const CONTROLLERS = ["memory", "cpu", "pids"] as const;

export interface CgroupLimits {
  /** Hard limit; 0 for none. */
  memoryBytes: number;
  /** Soft limit the kernel reclaims down to under pressure; 0 for none. */
  memorySoftBytes: number;
  cpuShares: number;
}

export class TaskCgroup {
  constructor(
    private readonly root: string,
    /** Relative to each controller, e.g. `nomadish/<allocId>-<task>`. */
    readonly name: string,
  ) {}

  dir(controller: (typeof CONTROLLERS)[number]): string {
    return path.join(this.root, controller, this.name);
  }

  /** The files a process writes its pid to, to join every controller's group. */
  procsFiles(): string[] {
    return CONTROLLERS.map((c) => path.join(this.dir(c), "cgroup.procs"));
  }

  /** Creates fresh groups with the limits; a stale group from an earlier run is emptied and replaced. */
  async create(limits: CgroupLimits): Promise<void> {
    if (await this.exists()) {
      await this.killAll();
      await this.remove();
    }
    for (const c of CONTROLLERS) await mkdir(this.dir(c), { recursive: true });
    const memory = this.dir("memory");
    if (limits.memoryBytes > 0) {
      await writeFile(path.join(memory, "memory.limit_in_bytes"), String(limits.memoryBytes));
      // Without this the task would swap instead of hitting its limit (when the host has swap).
      await writeIfPresent(path.join(memory, "memory.memsw.limit_in_bytes"), String(limits.memoryBytes));
    }
    if (limits.memorySoftBytes > 0) await writeFile(path.join(memory, "memory.soft_limit_in_bytes"), String(limits.memorySoftBytes));
    await writeFile(path.join(this.dir("cpu"), "cpu.shares"), String(Math.max(2, Math.round(limits.cpuShares))));
  }

  async exists(): Promise<boolean> {
    return access(this.dir("memory")).then(() => true, () => false);
  }

  /** The live (non-zombie) processes in the task's group. */
  async pids(): Promise<number[]> {
    let text: string;
    try {
      text = await readFile(path.join(this.dir("memory"), "cgroup.procs"), "utf8");
    } catch {
      return [];
    }
    const pids = text.split("\n").filter((l) => l !== "").map(Number);
    const stats = await Promise.all(pids.map((pid) => readStat(pid)));
    return stats.filter((s) => s !== undefined && s.state !== "Z" && s.state !== "X").map((s) => s!.pid);
  }

  /** The kernel's OOM killer killed something in the group (memory.oom_control counts kills). */
  async oomKilled(): Promise<boolean> {
    try {
      const text = await readFile(path.join(this.dir("memory"), "memory.oom_control"), "utf8");
      return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0) > 0;
    } catch {
      return false;
    }
  }

  /** SIGKILLs every process in the group until none is left (a forking task may add some meanwhile). */
  async killAll(timeoutMs = 5_000): Promise<boolean> {
    return pollUntil(async () => {
      const pids = await this.pids();
      for (const pid of pids) sendSignal(pid, "SIGKILL");
      return pids.length === 0;
    }, timeoutMs, 20);
  }

  /** Removes the groups; they must be empty (rmdir fails while a dying process is still listed). */
  async remove(timeoutMs = 10_000): Promise<void> {
    for (const c of CONTROLLERS) {
      const dir = this.dir(c);
      let lastError: unknown;
      const removed = await pollUntil(async () => {
        try {
          await rmdir(dir);
          return true;
        } catch (err) {
          lastError = err;
          // A process that got in while the task was dying (a late fork) keeps the group busy:
          // kill it too, so its parent can reap it.
          if ((err as NodeJS.ErrnoException).code === "EBUSY") for (const pid of await this.pids()) sendSignal(pid, "SIGKILL");
          return (err as NodeJS.ErrnoException).code === "ENOENT";
        }
      }, timeoutMs, 20);
      if (!removed) throw new Error(`cannot remove cgroup ${dir}: ${String(lastError)}`);
    }
  }
}

async function writeIfPresent(file: string, value: string): Promise<void> {
  try {
    await access(file);
  } catch {
    return;
  }
  await writeFile(file, value);
}
