// The leader's eval broker and blocked-evals tracker (DESIGN.md §3, "Leader loops").

export { EvalBroker, EVAL_QUEUES, jobKey } from "./eval_broker.js";
export type { BrokerEval, Delivery, EvalBrokerStats, EvalQueue, QueueStats } from "./eval_broker.js";
export { BlockedEvals } from "./blocked_evals.js";
export type { BlockableEval, BlockedEvalsModules, BlockedEvalsStats, EvalSink } from "./blocked_evals.js";
export { EvalNotOutstandingError, EvalTokenMismatchError } from "./errors.js";
export { defaultBlockedEvalsOptions, defaultEvalBrokerOptions } from "./options.js";
export type { BlockedEvalsOptions, BrokerLogFields, BrokerLogger, EvalBrokerModules, EvalBrokerOptions } from "./options.js";
export { realTimers } from "./timers.js";
export type { BrokerTimers } from "./timers.js";
