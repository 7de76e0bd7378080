// The task environment (Nomad's NOMAD_* variables) and `${…}` interpolation of runtime references.
export { buildTaskEnv, cpusetList, type TaskDirs, type TaskEnv, type TaskEnvInput } from "./env.js";
export { interpolateDeep, interpolateString, lookupIn, nodeVariables, type Lookup } from "./interpolate.js";
export { taskDirsAsSeenBy, type FsIsolation } from "./paths.js";
