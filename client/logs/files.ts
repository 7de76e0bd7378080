// Where a task's logs live and how the files of one stream are found: Nomad's layout,
// `<alloc>/alloc/logs/<task>.stdout.N`. Here `.0` is always the file the task is writing; rotated
// copies get higher numbers as they age, so reading oldest first means highest index first.

import { closeSync, fstatSync, openSync, readdirSync } from "node:fs";
import path from "node:path";

export type LogStream = "stdout" | "stderr";

/** The logs directory inside an allocation's shared directory (`<alloc>/alloc`). */
export function logsDirOf(allocSharedDir: string): string {
  return path.join(allocSharedDir, "logs");
}

export function logFileName(task: string, stream: LogStream, index: number): string {
  return `${task}.${stream}.${index}`;
}

export function logFilePath(dir: string, task: string, stream: LogStream, index: number): string {
  return path.join(dir, logFileName(task, stream, index));
}

// Rotations made by the rotators of this process, by the path of the file they truncate. A reader
// in the same process (the client serving `alloc logs`) compares the count before and after each
// read of the current file: a read that raced a truncation may hold bytes written after it, at an
// offset that belongs to the old content, so it is thrown away and the rotated copy read instead.
const rotations = new Map<string, number>();

export function rotationsOf(currentPath: string): number {
  return rotations.get(path.resolve(currentPath)) ?? 0;
}

export function countRotation(currentPath: string): void {
  rotations.set(path.resolve(currentPath), rotationsOf(currentPath) + 1);
}

/** One file of a stream, opened, so a rename by the rotator cannot swap it under the reader. */
export interface OpenLogFile {
  index: number;
  fd: number;
  size: number;
  /** Identifies the file across renames (inode) and against inode reuse (mtime, size). */
  identity: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Indexes of the stream's files present in `dir`, oldest first (highest index first, `.0` last). */
export function logFileIndexes(dir: string, task: string, stream: LogStream): number[] {
  const pattern = new RegExp(`^${escapeRegExp(`${task}.${stream}.`)}(\\d+)$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const match = pattern.exec(name);
    return match ? [Number(match[1])] : [];
  }).sort((a, b) => b - a);
}

/**
 * Opens the stream's files, oldest first. Synchronous on purpose: the rotator in this process
 * rotates synchronously too, so a listing never sees half a rotation.
 */
export function openLogFiles(dir: string, task: string, stream: LogStream, minIndex = 0): OpenLogFile[] {
  const files: OpenLogFile[] = [];
  for (const index of logFileIndexes(dir, task, stream)) {
    if (index < minIndex) continue;
    let fd: number;
    try {
      fd = openSync(logFilePath(dir, task, stream, index), "r");
    } catch {
      continue; // deleted by a rotation since the listing
    }
    const stat = fstatSync(fd);
    files.push({ index, fd, size: stat.size, identity: `${stat.ino}:${stat.mtimeMs}:${stat.size}` });
  }
  return files;
}

export function closeLogFiles(files: readonly OpenLogFile[]): void {
  for (const file of files) {
    try {
      closeSync(file.fd);
    } catch {
      // already closed
    }
  }
}
