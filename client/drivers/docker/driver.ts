// docker: runs a task as a container through the daemon's API (dockerode). The container is named
// `<task>-<allocId>` and labelled with the allocation, so it can be found again after a client
// restart; its output is copied from docker's log into the task's files (logs.ts); its exit is
// learned from a wait registered before it starts (wait.ts).

import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import Dockerode from "dockerode";
import type { Driver, DriverFingerprint, ExitResult, TaskConfig, TaskHandle } from "../driver.js";
import { TaskConfigError } from "../driver.js";
import { exitFromStatus } from "../util/exitfile.js";
import { containerSpec, validateDockerConfig } from "./config.js";
import { dockerMessage, statusCode, takenPort } from "./errors.js";
import { LogFollower, type LogFiles } from "./logs.js";
import { defaultDockerOptions, type DockerOptions } from "./options.js";
import { waitFor, type ContainerWait } from "./wait.js";

/** How long after a SIGKILL exit the daemon's `oom` event is still waited for. */
const OOM_EVENT_GRACE_MS = 1000;

export class DockerDriver implements Driver {
  readonly name = "docker";
  private readonly opts: DockerOptions;
  private readonly docker: Dockerode;
  /** One wait per task, shared by every caller. */
  private readonly waits = new Map<string, Promise<ExitResult>>();
  private readonly followers = new Map<string, LogFollower>();
  /** Open wait requests, dropped by close(). */
  private readonly pending = new Set<ContainerWait>();
  private closed = false;

  constructor(opts: Partial<DockerOptions> = {}) {
    this.opts = { ...defaultDockerOptions, ...opts };
    this.docker = new Dockerode({ socketPath: this.opts.socketPath });
  }

  async fingerprint(): Promise<DriverFingerprint> {
    try {
      await withTimeout(this.docker.ping(), this.opts.pingTimeoutMs, "no answer to /_ping");
      const version = await withTimeout(this.docker.version(), this.opts.pingTimeoutMs, "no answer to /version");
      return { detected: true, healthy: true, healthDescription: "Healthy", attributes: { "driver.docker.version": version.Version } };
    } catch (err) {
      const why = `docker daemon not reachable at ${this.opts.socketPath}: ${dockerMessage(err)}`;
      return { detected: false, healthy: false, healthDescription: why, attributes: {} };
    }
  }

  validateConfig(config: Record<string, unknown>): string[] {
    return validateDockerConfig(config);
  }

  async start(task: TaskConfig): Promise<TaskHandle> {
    const problems = this.validateConfig(task.config);
    if (problems.length > 0) throw new TaskConfigError(problems.join("; "));
    const spec = containerSpec(task);
    await this.ensureImage(spec.Image ?? "");
    for (const dir of ["local", "secrets"]) await mkdir(path.join(task.taskDir, dir), { recursive: true });
    await mkdir(task.allocDir, { recursive: true });

    const container = await this.create(spec);
    let wait: ContainerWait | undefined;
    try {
      // Registered before start, so even an instant exit is seen (see wait.ts).
      wait = await waitFor(this.docker, container.id, "next-exit");
      await container.start();
    } catch (err) {
      wait?.cancel();
      await container.remove({ force: true }).catch(() => {});
      throw startError(err, task);
    }
    const files = logFiles(task);
    await rm(files.cursorPath, { force: true }); // a new container's output starts from its beginning
    const handle: TaskHandle = {
      driver: this.name,
      taskId: container.id,
      startedAtMs: Date.now(),
      state: { container: spec.name ?? "", ...files },
    };
    this.follow(handle);
    this.waits.set(handle.taskId, this.finish(handle, wait));
    this.opts.logger.debug("container started", { alloc: task.allocId, task: task.taskName, container: container.id });
    return handle;
  }

  wait(handle: TaskHandle): Promise<ExitResult> {
    let wait = this.waits.get(handle.taskId);
    if (wait === undefined) {
      // A recovered task: `not-running` also answers at once for a container that already exited.
      wait = waitFor(this.docker, handle.taskId, "not-running").then(
        (w) => this.finish(handle, w),
        (err: unknown) => gone(handle, err),
      );
      this.waits.set(handle.taskId, wait);
    }
    return wait;
  }

  async stop(handle: TaskHandle, timeoutMs: number, signal: string): Promise<void> {
    const container = this.docker.getContainer(handle.taskId);
    if (!(await this.isRunning(container))) return;
    const stopped = await waitFor(this.docker, handle.taskId, "not-running");
    try {
      await ignoreGone(container.kill({ signal }));
      const exited = await Promise.race([stopped.exited.then(() => true, () => true), delay(timeoutMs).then(() => false)]);
      if (!exited) {
        await ignoreGone(container.kill({ signal: "SIGKILL" }));
        await stopped.exited.catch(() => {});
      }
    } finally {
      stopped.cancel();
    }
  }

  async destroy(handle: TaskHandle): Promise<void> {
    this.followers.get(handle.taskId)?.stop();
    this.followers.delete(handle.taskId);
    await ignoreGone(this.docker.getContainer(handle.taskId).remove({ force: true, v: true }));
    const cursor = handle.state["cursorPath"];
    if (typeof cursor === "string") await rm(cursor, { force: true });
    this.waits.delete(handle.taskId);
  }

  async recover(handle: TaskHandle): Promise<boolean> {
    try {
      await this.docker.getContainer(handle.taskId).inspect();
    } catch (err) {
      if (statusCode(err) === 404) return false;
      throw err;
    }
    // Running or not, its output since the client went away is still in docker's log, and wait()
    // reports how it ended.
    this.follow(handle);
    return true;
  }

  async signal(handle: TaskHandle, signal: string): Promise<void> {
    try {
      await this.docker.getContainer(handle.taskId).kill({ signal });
    } catch (err) {
      if (statusCode(err) === 409 || statusCode(err) === 404) throw new Error(`task ${handle.taskId} is not running`);
      throw err;
    }
  }

  /** Lets go of the containers without touching them, as a client that shuts down does. */
  close(): Promise<void> {
    this.closed = true;
    for (const follower of this.followers.values()) follower.stop();
    for (const wait of this.pending) wait.cancel();
    this.followers.clear();
    return Promise.resolve();
  }

  /** The exit, once the container has exited and its output has been copied. */
  private async finish(handle: TaskHandle, wait: ContainerWait): Promise<ExitResult> {
    this.pending.add(wait);
    let exitCode: number;
    try {
      exitCode = await wait.exited;
    } catch (err) {
      if (this.closed) return new Promise(() => {}); // the client is going away; nobody is waiting
      return gone(handle, err);
    } finally {
      this.pending.delete(wait);
    }
    const state = await this.docker.getContainer(handle.taskId).inspect().then((info) => info.State, () => undefined);
    const oomKilled = (state?.OOMKilled ?? false) || (exitCode !== 0 && state !== undefined && (await this.wasOomKilled(handle.taskId, state.StartedAt, exitCode)));
    const follower = this.followers.get(handle.taskId);
    if (follower) await Promise.race([follower.done, delay(this.opts.logDrainTimeoutMs)]);
    const result = exitFromStatus(exitCode, oomKilled);
    if (state?.Error) result.error = state.Error;
    return result;
  }

  /**
   * Whether the container was OOM-killed, by the daemon's events. A kill by the OOM killer is a
   * SIGKILL (exit 137), and the daemon may log its `oom` event a moment after the exit it caused
   * (seen in CI: exit 137 with no event yet): such an exit is asked about once more, a little later.
   */
  private async wasOomKilled(containerId: string, startedAt: string, exitCode: number): Promise<boolean> {
    if (await this.hadOomEvent(containerId, startedAt)) return true;
    if (exitCode !== 137) return false;
    await delay(OOM_EVENT_GRACE_MS);
    return this.hadOomEvent(containerId, startedAt);
  }

  /**
   * Whether the daemon logged an `oom` event for the container since it started. Its OOMKilled
   * flag alone misses kills: measured here (docker 20.10, cgroup v1), the exit that follows the
   * OOM events resets it in about one run in ten, while the events themselves stay in the log.
   */
  private async hadOomEvent(containerId: string, startedAt: string): Promise<boolean> {
    const sinceS = Math.floor(Date.parse(startedAt) / 1000);
    if (!Number.isFinite(sinceS)) return false;
    try {
      const stream = await this.docker.getEvents({
        since: sinceS,
        until: Date.now() / 1000, // now, not later: the daemon would hold the answer until then
        filters: { container: [containerId], event: ["oom"] },
      });
      let text = "";
      await new Promise<void>((resolve, reject) => {
        stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
        stream.on("end", resolve);
        stream.on("error", reject);
      });
      return text.trim() !== "";
    } catch (err) {
      this.opts.logger.debug("reading docker's oom events failed", { container: containerId, error: err });
      return false;
    }
  }

  private follow(handle: TaskHandle): void {
    if (this.followers.has(handle.taskId)) return;
    const { stdoutPath, stderrPath, cursorPath } = handle.state;
    if (typeof stdoutPath !== "string" || typeof stderrPath !== "string" || typeof cursorPath !== "string") return;
    const follower = new LogFollower(this.docker.getContainer(handle.taskId), { stdoutPath, stderrPath, cursorPath }, this.opts.logger);
    this.followers.set(handle.taskId, follower);
  }

  private async isRunning(container: Dockerode.Container): Promise<boolean> {
    try {
      return (await container.inspect()).State.Running;
    } catch (err) {
      if (statusCode(err) === 404) return false;
      throw err;
    }
  }

  /** Uses the local image, or pulls it (no registry may be reachable, hence the timeout). */
  private async ensureImage(image: string): Promise<void> {
    try {
      await this.docker.getImage(image).inspect();
      return;
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
    }
    try {
      await this.pull(image);
    } catch (err) {
      throw new TaskConfigError(`image "${image}" is not available locally and could not be pulled: ${dockerMessage(err)}`);
    }
  }

  private async pull(image: string): Promise<void> {
    const stream = (await withTimeout(this.docker.pull(image), this.opts.pullTimeoutMs, "timed out")) as NodeJS.ReadableStream & { destroy(): void };
    const done = new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: unknown) => (err ? reject(err as Error) : resolve()));
    });
    await withTimeout(done, this.opts.pullTimeoutMs, `timed out after ${this.opts.pullTimeoutMs} ms`).finally(() => stream.destroy());
  }

  /** Creates the container; one left by an earlier run of the same task (same name) is replaced. */
  private async create(spec: Dockerode.ContainerCreateOptions): Promise<Dockerode.Container> {
    try {
      return await this.docker.createContainer(spec);
    } catch (err) {
      if (statusCode(err) !== 409 || spec.name === undefined) throw err;
      this.opts.logger.info("replacing a container left by an earlier run", { container: spec.name });
      await ignoreGone(this.docker.getContainer(spec.name).remove({ force: true, v: true }));
      return this.docker.createContainer(spec);
    }
  }
}

function logFiles(task: TaskConfig): LogFiles {
  return { stdoutPath: task.stdoutPath, stderrPath: task.stderrPath, cursorPath: path.join(task.taskDir, ".docker-log-cursor") };
}

/** Problems the user must fix (a port taken, a command missing from the image) become TaskConfigErrors. */
function startError(err: unknown, task: TaskConfig): Error {
  const message = dockerMessage(err);
  // Without docker's init, the runtime itself execs the command and fails the start.
  if (/executable file not found|no such file or directory/.test(message) && /exec/.test(message)) {
    return new TaskConfigError(`the container could not run its command: ${message}`);
  }
  const taken = takenPort(message);
  if (taken === undefined) return err instanceof Error ? err : new Error(message);
  const port = task.ports.find((p) => p.value === taken.port);
  const which = port ? `port ${taken.port} (label "${port.label}")` : `port ${taken.port}`;
  return new TaskConfigError(`${which} is already in use on ${taken.address || "the host"}`);
}

function gone(handle: TaskHandle, err: unknown): ExitResult {
  return { exitCode: -1, signal: 0, oomKilled: false, error: `container ${handle.taskId.slice(0, 12)} is gone: ${dockerMessage(err)}` };
}

/** Ignores "no such container" and "not running": the goal (gone, stopped) is already reached. */
async function ignoreGone(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (err) {
    if (statusCode(err) !== 404 && statusCode(err) !== 409) throw err;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
