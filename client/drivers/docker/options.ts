import { silentLogger, type Logger } from "../../../shared/log.js";

export interface DockerOptions {
  /** The docker daemon's API socket. */
  socketPath: string;
  /** A missing image is pulled; give up after this long (no registry may be reachable at all). */
  pullTimeoutMs: number;
  /** How long fingerprint() waits for the daemon to answer /_ping. */
  pingTimeoutMs: number;
  /** wait() resolves once the task's output has been copied, or after this long at most. */
  logDrainTimeoutMs: number;
  logger: Logger;
}

export const defaultDockerOptions: DockerOptions = {
  socketPath: "/var/run/docker.sock",
  pullTimeoutMs: 60_000,
  pingTimeoutMs: 2_000,
  logDrainTimeoutMs: 5_000,
  logger: silentLogger,
};
