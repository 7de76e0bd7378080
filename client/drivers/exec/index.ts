export { ExecDriver } from "./driver.js";
export { defaultExecOptions, type ExecOptions } from "./options.js";
