// The task drivers a client can run tasks with (DESIGN.md §3), and the contract they share.

export * from "./driver.js";
export { DockerDriver, defaultDockerOptions, type DockerOptions } from "./docker/index.js";
export { ExecDriver, defaultExecOptions, type ExecOptions } from "./exec/index.js";
export { RawExecDriver, defaultRawExecOptions, type RawExecOptions } from "./rawexec/index.js";
export { MockDriver } from "./mock/index.js";
