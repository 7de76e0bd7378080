// Runs one task through its driver with Nomad's restart policy, events and task state.
export { TaskEventType, taskEvent } from "./events.js";
export { defaultFsIsolation, type KillReason, type TaskRunnerModules, type TaskRunnerOptions } from "./options.js";
export { RestartTracker, restartsOnSuccess, type RestartDecision } from "./restart-tracker.js";
export { MAX_TASK_EVENTS, newTaskState } from "./task-state.js";
export { TaskRunner } from "./task-runner.js";
export { parseEnvFile, renderTemplate, TemplateError } from "./template.js";
