import { silentLogger, type Logger } from "../../../shared/log.js";

export interface RawExecOptions {
  /** raw_exec runs tasks as the client's user with no isolation, so a client must opt in (Nomad: off by default). */
  enabled: boolean;
  /** How often a recovered task (no longer the client's child) is checked for having exited. */
  pollIntervalMs: number;
  logger: Logger;
}

export const defaultRawExecOptions: RawExecOptions = { enabled: false, pollIntervalMs: 100, logger: silentLogger };
