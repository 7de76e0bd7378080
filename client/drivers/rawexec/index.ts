export { RawExecDriver } from "./driver.js";
export { defaultRawExecOptions, type RawExecOptions } from "./options.js";
