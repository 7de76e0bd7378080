// Runs one allocation: its tasks in lifecycle order, its client status and deployment health.
export { AllocRunner } from "./alloc-runner.js";
export { HealthWatcher, type HealthWatcherOptions } from "./health.js";
export { taskRole, type TaskRole } from "./lifecycle.js";
export { findDriver, type AllocRunnerModules, type AllocRunnerOptions } from "./options.js";
export { allocClientStatus, type ClientStatus } from "./status.js";
