// The contract between the task runner and a task driver (docker, exec, raw_exec, mock). A
// driver starts a task, waits for it to exit, stops it, and finds it again after the client
// restarts; everything it needs to find a task again is in the handle, which the client keeps in
// its state database. Every driver passes the same compliance suite (test/client/drivers/).

/** What fingerprinting found out about a driver on this machine. */
export interface DriverFingerprint {
  /** The driver can run here at all (its daemon answers, isolation works, it is enabled). */
  detected: boolean;
  healthy: boolean;
  healthDescription: string;
  /** Node attributes it contributes, e.g. `driver.docker.version`. `driver.<name>` is added for it. */
  attributes: Record<string, string>;
}

export interface TaskPort {
  label: string;
  /** The address and port on the node. */
  hostIp: string;
  value: number;
  /** The port inside the task (docker maps value → to); 0 means the same as `value`. */
  to: number;
}

/** Everything a driver needs to start one task. */
export interface TaskConfig {
  allocId: string;
  taskName: string;
  jobName: string;
  groupName: string;
  /** The task's `config {}` block, already interpolated. */
  config: Record<string, unknown>;
  /** The task's environment (NOMAD_* variables included), already interpolated. */
  env: Record<string, string>;
  /** Run as this user; empty for the driver's default (exec: nobody). */
  user: string;
  resources: { cpuMhz: number; cores: number; memoryMb: number; memoryMaxMb: number };
  ports: TaskPort[];
  /** The task's directory on the host: holds local/, secrets/, tmp/; exec chroots into it. */
  taskDir: string;
  /** The allocation's shared directory on the host (alloc/, mounted into each task as NOMAD_ALLOC_DIR). */
  allocDir: string;
  /** Files the task's output goes to; the client rotates them (copy-truncate), so open them for appending. */
  stdoutPath: string;
  stderrPath: string;
  /** Signal for a graceful stop (SIGTERM by default, the task's kill_signal). */
  killSignal: string;
}

/** Enough to find a running task again; kept across client restarts, so plain JSON only. */
export interface TaskHandle {
  driver: string;
  /** The driver's id for the task: a container id, a pid, … */
  taskId: string;
  startedAtMs: number;
  /** Driver-specific extras (cgroup path, log cursor, …). */
  state: Record<string, string | number | boolean>;
}

export interface ExitResult {
  exitCode: number;
  /** The signal that ended the task, 0 for none. */
  signal: number;
  /** Killed by the kernel's OOM killer (or docker's). */
  oomKilled: boolean;
  /** The driver could not tell how the task ended (e.g. it vanished while the client was down). */
  error?: string;
}

/**
 * A problem with a task the user can fix (unknown driver option, missing image, command not found,
 * port taken). The task fails with exactly this message in its events; it is not retried as a crash.
 */
export class TaskConfigError extends Error {
  override readonly name = "TaskConfigError";
}

export interface Driver {
  readonly name: string;
  fingerprint(): Promise<DriverFingerprint>;
  /** Problems with the task's `config {}` (unknown options, wrong types); empty when it is fine. */
  validateConfig(config: Record<string, unknown>): string[];
  /** Starts the task; rejects with TaskConfigError for problems the user must fix. */
  start(task: TaskConfig): Promise<TaskHandle>;
  /** Resolves when the task exits (at once if it already has). Works on a recovered handle too. */
  wait(handle: TaskHandle): Promise<ExitResult>;
  /** Sends `signal`, then kills after `timeoutMs`; resolves once the task is gone. */
  stop(handle: TaskHandle, timeoutMs: number, signal: string): Promise<void>;
  /** Frees what the task left behind (container, cgroup). The task must have exited. */
  destroy(handle: TaskHandle): Promise<void>;
  /** After a client restart: true when the task is still running and now re-attached. */
  recover(handle: TaskHandle): Promise<boolean>;
  /** Sends a signal to the running task (template change_mode = "signal"). */
  signal(handle: TaskHandle, signal: string): Promise<void>;
  /** The client is shutting down: drop log copying and waits, leaving the tasks running. */
  close?(): Promise<void>;
}
