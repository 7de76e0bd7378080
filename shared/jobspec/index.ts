// Jobspec parsing: HCL2 text → canonical, validated Job.
export { parseJobspec, type ParseOptions } from "./parse.js";
export { loadJobspec, type LoadOptions } from "./load.js";
export { formatPath } from "./diagnostics.js";
