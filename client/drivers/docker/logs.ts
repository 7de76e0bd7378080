// Copies a container's output into the task's stdout/stderr files. Docker keeps the output itself
// (json-file), so after a client restart the copy resumes from where it stopped: every frame is
// read with its timestamp, and the last one copied is saved in a cursor file next to the task,
// which becomes the `since` of the next follow. A crash between copying a frame and saving the
// cursor can repeat that frame's lines; nothing is lost.

import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type Dockerode from "dockerode";
import type { Logger } from "../../../shared/log.js";

export interface LogFiles {
  stdoutPath: string;
  stderrPath: string;
  /** Holds the timestamp of the last frame copied. */
  cursorPath: string;
}

/** Follows one container's output until it ends (the container stopped) or stop() is called. */
export class LogFollower {
  readonly done: Promise<void>;
  private stream: NodeJS.ReadableStream | undefined;
  private stopped = false;

  constructor(container: Dockerode.Container, files: LogFiles, logger: Logger) {
    this.done = this.run(container, files).catch((err: unknown) => {
      if (!this.stopped) logger.warn("copying the container's output failed", { container: container.id, error: err });
    });
  }

  /** Stops copying (the client is going away, or the container is being removed). */
  stop(): void {
    this.stopped = true;
    (this.stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
  }

  private async run(container: Dockerode.Container, files: LogFiles): Promise<void> {
    const cursor = await readCursor(files.cursorPath);
    const options: Dockerode.ContainerLogsOptions & { follow: true } = { follow: true, stdout: true, stderr: true, timestamps: true };
    if (cursor !== undefined) options.since = sinceAfter(cursor);
    const stream = await container.logs(options);
    this.stream = stream;
    if (this.stopped) return this.stop();
    const fds = { out: openSync(files.stdoutPath, "a"), err: openSync(files.stderrPath, "a") };
    let cursorNow = cursor;
    const copy = (demux: FrameReader, chunk: Buffer) => {
      let last: string | undefined;
      for (const frame of demux.push(chunk)) {
        const space = frame.payload.indexOf(0x20);
        last = frame.payload.subarray(0, space).toString();
        writeSync(frame.stream === 2 ? fds.err : fds.out, frame.payload.subarray(space + 1));
      }
      // Synchronously after the lines themselves, so the cursor never runs ahead of the files.
      if (last !== undefined) {
        writeFileSync(files.cursorPath, last);
        cursorNow = last;
      }
    };
    try {
      const demux = new FrameReader();
      await new Promise<void>((resolve, reject) => {
        stream.on("data", (chunk: Buffer) => copy(demux, chunk));
        stream.on("end", resolve);
        stream.on("close", resolve);
        stream.on("error", reject);
      });
      // A followed log can end before the daemon has handed over the container's last lines
      // (seen on a loaded machine: a task's final line missing): read once more from the cursor.
      if (!this.stopped) {
        const rest = await container.logs({ follow: false, stdout: true, stderr: true, timestamps: true, ...(cursorNow !== undefined ? { since: sinceAfter(cursorNow) } : {}) });
        copy(new FrameReader(), rest);
      }
    } finally {
      closeSync(fds.out);
      closeSync(fds.err);
    }
  }
}

/**
 * Docker's multiplexed stream (no TTY): frames of an 8-byte header — stream (1 stdout, 2 stderr),
 * three zero bytes, a big-endian payload length — then the payload, split across chunks at will.
 */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Array<{ stream: number; payload: Buffer }> {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Array<{ stream: number; payload: Buffer }> = [];
    while (this.buffered.length >= 8) {
      const size = this.buffered.readUInt32BE(4);
      if (this.buffered.length < 8 + size) break;
      frames.push({ stream: this.buffered[0] ?? 1, payload: this.buffered.subarray(8, 8 + size) });
      this.buffered = this.buffered.subarray(8 + size);
    }
    return frames;
  }
}

async function readCursor(file: string): Promise<string | undefined> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.trim() === "" ? undefined : text.trim();
}

/**
 * The `since` that skips the frame stamped `timestamp` (RFC 3339 with nanoseconds, as docker
 * writes them): docker's since is inclusive and takes `seconds.nanoseconds`, so add 1 ns.
 */
export function sinceAfter(timestamp: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(timestamp);
  if (m === null) return "0";
  let seconds = Date.parse(`${m[1]}${m[3]}`) / 1000;
  let nanos = Number((m[2] ?? "").padEnd(9, "0")) + 1;
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  return `${seconds}.${String(nanos).padStart(9, "0")}`;
}
