// Rotates one log stream of a task by copy-truncate: the task keeps its append-mode file
// descriptor on `<task>.stdout.0` for its whole life, and when that file grows past the size
// limit its content is copied to `.1` (older copies move up one index, the oldest beyond max_files
// is deleted) and `.0` is truncated. Output written between the copy and the truncation is lost;
// that is the price of never reopening the task's descriptors, and the window is kept tiny.

import { closeSync, copyFileSync, mkdirSync, openSync, renameSync, statSync, truncateSync, unlinkSync } from "node:fs";
import { silentLogger, type Logger } from "../../shared/log.js";
import { countRotation, logFileIndexes, logFilePath } from "./files.js";
import { BYTES_PER_MB, DEFAULT_ROTATION_CHECK_INTERVAL_MS, type LogRotatorOptions } from "./options.js";

export class LogRotator {
  readonly #opts: Required<LogRotatorOptions>;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: LogRotatorOptions, modules: { logger?: Logger } = {}) {
    this.#opts = { checkIntervalMs: DEFAULT_ROTATION_CHECK_INTERVAL_MS, ...opts };
    this.#log = modules.logger ?? silentLogger;
  }

  /** The file the task writes to. */
  get currentPath(): string {
    return this.#path(0);
  }

  get #maxFileSizeBytes(): number {
    return this.#opts.maxFileSizeMb * BYTES_PER_MB;
  }

  #path(index: number): string {
    return logFilePath(this.#opts.dir, this.#opts.task, this.#opts.stream, index);
  }

  /** Creates the logs directory and the current file, so a driver can open it for appending. */
  prepare(): void {
    mkdirSync(this.#opts.dir, { recursive: true });
    closeSync(openSync(this.currentPath, "a"));
  }

  /** Checks the size every checkIntervalMs until stop(). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.rotateIfNeeded(), this.#opts.checkIntervalMs);
    // Rotation is housekeeping: it must not keep the process alive on its own.
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Rotates when the current file is over the limit; true when it did. */
  rotateIfNeeded(): boolean {
    let size: number;
    try {
      size = statSync(this.currentPath).size;
    } catch {
      return false;
    }
    if (size <= this.#maxFileSizeBytes) return false;
    try {
      this.rotate();
    } catch (err) {
      this.#log.warn("log rotation failed", { task: this.#opts.task, stream: this.#opts.stream, err });
      return false;
    }
    return true;
  }

  /**
   * One rotation. Synchronous on purpose: readers in this process (log streaming to the CLI) list
   * the files synchronously too, so neither ever sees the other half done. A copy of a 10 MB file
   * blocks the event loop for a few milliseconds once per 10 MB of output.
   */
  rotate(): void {
    const { dir, task, stream, maxFiles } = this.#opts;
    // Make room: everything that would land at index >= maxFiles goes.
    for (const index of logFileIndexes(dir, task, stream)) {
      if (index >= 1 && index + 1 >= maxFiles) unlinkSync(this.#path(index));
    }
    for (const index of logFileIndexes(dir, task, stream)) {
      if (index >= 1) renameSync(this.#path(index), this.#path(index + 1));
    }
    if (maxFiles >= 2) copyFileSync(this.currentPath, this.#path(1));
    truncateSync(this.currentPath, 0);
    countRotation(this.currentPath);
    this.#log.debug("rotated log", { task, stream });
  }
}
