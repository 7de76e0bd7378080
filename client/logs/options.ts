// Options of the log rotator and the log reader, with their defaults.

import type { LogStream } from "./files.js";

export interface LogRotatorOptions {
  /** The allocation's logs directory (`<alloc>/alloc/logs`). */
  dir: string;
  task: string;
  stream: LogStream;
  /** Files kept per stream, the one being written included (Nomad's log max_files). */
  maxFiles: number;
  maxFileSizeMb: number;
  /** How often the current file's size is checked. */
  checkIntervalMs?: number;
}

export const DEFAULT_ROTATION_CHECK_INTERVAL_MS = 1_000;
export const BYTES_PER_MB = 1024 * 1024;

export interface ReadLogsOptions {
  /** The allocation's logs directory (`<alloc>/alloc/logs`). */
  dir: string;
  task: string;
  stream: LogStream;
  /** Keep streaming new output until `signal` aborts. */
  follow: boolean;
  /** Start this many lines before the end (wins over offsetBytes). */
  tailLines?: number;
  /** Where offsetBytes counts from, as in Nomad's logs API: the oldest byte kept, or the end. Default "start". */
  origin?: "start" | "end";
  offsetBytes?: number;
  signal?: AbortSignal;
  /** How often a follower looks for new output. */
  pollIntervalMs?: number;
}

export const DEFAULT_LOG_POLL_INTERVAL_MS = 200;
/** Largest chunk yielded at once. */
export const LOG_CHUNK_BYTES = 64 * 1024;
