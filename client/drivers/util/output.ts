// A task's stdout and stderr go straight to files the client rotates by copy-truncate, so they are
// opened for appending (O_APPEND keeps writes at the end after a truncate) and handed to the task
// as file descriptors: the task keeps writing to them when the client restarts.

import { closeSync, openSync } from "node:fs";

export interface OutputFds {
  stdout: number;
  stderr: number;
  close(): void;
}

export function openOutput(stdoutPath: string, stderrPath: string): OutputFds {
  const stdout = openSync(stdoutPath, "a");
  let stderr: number;
  try {
    stderr = openSync(stderrPath, "a");
  } catch (err) {
    closeSync(stdout);
    throw err;
  }
  return {
    stdout,
    stderr,
    close: () => {
      closeSync(stdout);
      closeSync(stderr);
    },
  };
}
