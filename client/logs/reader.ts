// Streams one log stream of a task across its rotated files, oldest first, and optionally keeps
// following new output. A follower notices a rotation by rotated files it has not seen before:
// the oldest of those is the copy of the file it was in the middle of, so it finishes that copy
// from where it was, reads any newer copies whole, and carries on at the start of `.0`.

import { read } from "node:fs";
import { promisify } from "node:util";
import { closeLogFiles, logFileName, logFilePath, openLogFiles, rotationsOf, type OpenLogFile } from "./files.js";
import { DEFAULT_LOG_POLL_INTERVAL_MS, LOG_CHUNK_BYTES, type ReadLogsOptions } from "./options.js";

const readAsync = promisify(read);

async function readAt(fd: number, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await readAsync(fd, buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** A piece of a log file: which file, where in it, and the bytes (Nomad's StreamFrame). */
export interface LogFrame {
  /** The file's name, e.g. "web.stdout.0". */
  file: string;
  offset: number;
  data: Buffer;
}

/**
 * Yields a file's bytes from `from` up to its end (as it is while being read); returns where it
 * stopped. `unchanged` says whether the file is still the one the offsets belong to: a read of
 * the current file that raced its rotation is dropped (the rotated copy has those bytes).
 */
async function* readFrom(
  file: string, fd: number, from: number, signal: AbortSignal | undefined, unchanged: () => boolean = () => true,
): AsyncGenerator<LogFrame, number> {
  let position = from;
  while (!signal?.aborted) {
    const data = await readAt(fd, position, LOG_CHUNK_BYTES);
    if (data.length === 0 || !unchanged()) break;
    yield { file, offset: position, data };
    position += data.length;
  }
  return position;
}

/** Where the first file to read is, and the offset in it. */
interface StartPoint {
  fileIndex: number;
  offset: number;
}

/** Turns a byte position in the files laid end to end into a file and an offset in it. */
function locate(files: readonly OpenLogFile[], position: number): StartPoint {
  let rest = Math.max(0, position);
  for (let i = 0; i < files.length; i++) {
    const size = (files[i] as OpenLogFile).size;
    if (rest < size || i === files.length - 1) return { fileIndex: i, offset: Math.min(rest, size) };
    rest -= size;
  }
  return { fileIndex: 0, offset: 0 };
}

/** The byte position just after the newline that precedes the last `lines` lines. */
async function tailPosition(files: readonly OpenLogFile[], lines: number): Promise<number> {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (lines <= 0) return total;
  let newlines = 0;
  let fileEnd = total;
  for (let i = files.length - 1; i >= 0; i--) {
    const file = files[i] as OpenLogFile;
    const fileStart = fileEnd - file.size;
    let end = file.size;
    while (end > 0) {
      const start = Math.max(0, end - LOG_CHUNK_BYTES);
      const chunk = await readAt(file.fd, start, end - start);
      for (let j = chunk.length - 1; j >= 0; j--) {
        if (chunk[j] !== 0x0a) continue;
        const position = fileStart + start + j;
        // A newline that ends the very last line does not start a line of its own.
        if (position === total - 1) continue;
        newlines++;
        if (newlines === lines) return position + 1;
      }
      end = start;
    }
    fileEnd = fileStart;
  }
  return 0;
}

function startPosition(files: readonly OpenLogFile[], opts: ReadLogsOptions): Promise<number> | number {
  if (opts.tailLines !== undefined) return tailPosition(files, opts.tailLines);
  const offset = opts.offsetBytes ?? 0;
  if (opts.origin === "end") return files.reduce((sum, f) => sum + f.size, 0) - offset;
  return offset;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => { clearTimeout(timer); resolve(); };
    const timer = setTimeout(() => { signal?.removeEventListener("abort", onAbort); resolve(); }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A task's output on one stream, as Buffer chunks in order. Without `follow` it ends at the end
 * of the current file; with it, it ends only when `signal` aborts.
 */
export async function* readLogs(opts: ReadLogsOptions): AsyncGenerator<Buffer> {
  for await (const frame of readLogFrames(opts)) yield frame.data;
}

/** The same as readLogs, with each chunk's file name and offset (what Nomad's log API streams). */
export async function* readLogFrames(opts: ReadLogsOptions): AsyncGenerator<LogFrame> {
  const { dir, task, stream, signal } = opts;
  const name = (index: number) => logFileName(task, stream, index);
  const currentPath = logFilePath(dir, task, stream, 0);
  /** Whether no rotation has happened since `rotationsSeen` was taken. */
  const unchangedSince = (rotationsSeen: number) => () => rotationsOf(currentPath) === rotationsSeen;
  const pollMs = opts.pollIntervalMs ?? DEFAULT_LOG_POLL_INTERVAL_MS;
  const seenRotated = new Set<string>();
  // Offset reached in the current file (`.0`); -1 until it has been opened.
  let currentOffset = -1;

  const files = openLogFiles(dir, task, stream);
  const rotationsAtOpen = rotationsOf(currentPath);
  try {
    const start = locate(files, await startPosition(files, opts));
    for (let i = 0; i < files.length; i++) {
      const file = files[i] as OpenLogFile;
      if (file.index > 0) seenRotated.add(file.identity);
      if (i < start.fileIndex) continue;
      const from = i === start.fileIndex ? start.offset : 0;
      // Rotated copies never change; only the current file can be truncated under a read.
      const unchanged = file.index === 0 ? unchangedSince(rotationsAtOpen) : undefined;
      const end = yield* readFrom(name(file.index), file.fd, from, signal, unchanged);
      if (file.index === 0) currentOffset = end;
    }
  } finally {
    closeLogFiles(files);
  }
  if (!opts.follow) return;

  while (!signal?.aborted) {
    await sleep(pollMs, signal);
    if (signal?.aborted) break;
    const now = openLogFiles(dir, task, stream);
    const rotationsAtOpen = rotationsOf(currentPath);
    try {
      const fresh = now.filter((f) => f.index > 0 && !seenRotated.has(f.identity));
      for (const [k, file] of fresh.entries()) {
        seenRotated.add(file.identity);
        // The oldest new copy holds the rest of the file we were reading.
        yield* readFrom(name(file.index), file.fd, k === 0 ? Math.max(0, currentOffset) : 0, signal);
      }
      const current = now.find((f) => f.index === 0);
      if (!current) continue;
      // A rotation restarts `.0`; so does a truncation without a copy (max_files = 1).
      if (fresh.length > 0 || current.size < currentOffset || currentOffset < 0) currentOffset = 0;
      currentOffset = yield* readFrom(name(0), current.fd, currentOffset, signal, unchangedSince(rotationsAtOpen));
    } finally {
      closeLogFiles(now);
    }
  }
}
