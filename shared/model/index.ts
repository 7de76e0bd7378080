// The domain model shared by servers, clients and the CLI.
export * from "./job.js";
export * from "./node.js";
export * from "./alloc.js";
export * from "./eval.js";
export * from "./plan.js";
export * from "./deployment.js";
export * from "./defaults.js";
export * from "./duration.js";
export * from "./validate.js";
export * from "./views.js";
export * from "./variable.js";
export * from "./diff.js";
export * from "./usage.js";
