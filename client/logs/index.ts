// Task log files like Nomad's (`<alloc>/alloc/logs/<task>.stdout.N`): copy-truncate rotation and
// streaming reads across rotated files.
export { logFileName, logFilePath, logsDirOf, type LogStream } from "./files.js";
export { type LogRotatorOptions, type ReadLogsOptions } from "./options.js";
export { readLogFrames, readLogs, type LogFrame } from "./reader.js";
export { LogRotator } from "./rotator.js";
