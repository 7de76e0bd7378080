// Options of the eval broker and the blocked-evals tracker, with Nomad's defaults.

import type { BrokerTimers } from "./timers.js";

export interface EvalBrokerOptions {
  /** An eval handed out and neither acked nor nacked within this is redelivered (Nomad: 60 s). */
  nackTimeoutMs: number;
  /** Deliveries before an eval goes to the failed queue instead of back to ready (Nomad: 3). */
  deliveryLimit: number;
  /** Wait before a nacked eval is ready again after its first delivery (Nomad: 1 s). */
  initialNackDelayMs: number;
  /** Wait before a nacked eval is ready again after later deliveries (Nomad: 20 s). */
  subsequentNackDelayMs: number;
}

export const defaultEvalBrokerOptions: EvalBrokerOptions = {
  nackTimeoutMs: 60_000,
  deliveryLimit: 3,
  initialNackDelayMs: 1_000,
  subsequentNackDelayMs: 20_000,
};

export interface BlockedEvalsOptions {
  /**
   * How often the leader should call `unblockFailed()` to retry evals that hit the plan-attempt
   * limit (Nomad: 1 minute). The tracker does not run the loop itself unless `runFailedLoop`.
   */
  unblockFailedIntervalMs: number;
  /** Run the `unblockFailed()` loop on the injected timers while enabled. */
  runFailedLoop: boolean;
}

export const defaultBlockedEvalsOptions: BlockedEvalsOptions = {
  unblockFailedIntervalMs: 60_000,
  runFailedLoop: false,
};

export type BrokerLogFields = Record<string, unknown>;

export interface BrokerLogger {
  debug(message: string, fields?: BrokerLogFields): void;
  info(message: string, fields?: BrokerLogFields): void;
  warn(message: string, fields?: BrokerLogFields): void;
}

export interface EvalBrokerModules {
  /** Clock and timers; `realTimers()` when absent. */
  timers?: BrokerTimers;
  logger?: BrokerLogger;
  /** Delivery tokens; a counter-based token when absent (tokens only need to differ per delivery). */
  newToken?: () => string;
}

export const silentLogger: BrokerLogger = { debug() {}, info() {}, warn() {} };
