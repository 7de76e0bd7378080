// Waiting for a container to exit. The wait endpoint sends its response headers as soon as the
// daemon has registered the wait, and the body only when the container exits; so a wait made
// before start() cannot miss an exit, provided start() is only called once the headers are in.
// (dockerode's container.wait() resolves only at the end, too late to know that.)

import { IncomingMessage } from "node:http";
import type Dockerode from "dockerode";

export interface ContainerWait {
  /** Resolves with the exit code when the container exits; rejects if the request fails. */
  exited: Promise<number>;
  /** Abandons the wait (the client is going away). */
  cancel(): void;
}

/** Registers a wait; resolves once the daemon has it. `next-exit` before start, `not-running` after. */
export function waitFor(docker: Dockerode, containerId: string, condition: "next-exit" | "not-running"): Promise<ContainerWait> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/containers/${encodeURIComponent(containerId)}/wait?`,
        method: "POST",
        options: { condition },
        isStream: true,
        statusCodes: { 200: true, 400: "bad parameter", 404: "no such container", 500: "server error" },
      },
      (err, result) => {
        if (err || !(result instanceof IncomingMessage)) return reject(err ?? new Error("wait: no response stream"));
        const res = result;
        const chunks: Buffer[] = [];
        const exited = new Promise<number>((done, fail) => {
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            try {
              const body = JSON.parse(Buffer.concat(chunks).toString()) as { StatusCode?: number; Error?: { Message?: string } | null };
              if (body.Error?.Message) fail(new Error(body.Error.Message));
              else done(body.StatusCode ?? -1);
            } catch (parseError) {
              fail(parseError as Error);
            }
          });
          res.on("error", fail);
        });
        exited.catch(() => {}); // a cancelled wait nobody awaits must not be an unhandled rejection
        resolve({ exited, cancel: () => res.destroy() });
      },
    );
  });
}
