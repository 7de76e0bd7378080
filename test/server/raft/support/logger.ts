// A RaftLogger that keeps what it is told, for assertions (and prints when asked to).

import type { RaftLogger } from "../../../../server/raft/core/index.js";

export interface LogLine {
  level: "debug" | "info" | "warn";
  message: string;
  fields: Record<string, unknown> | undefined;
}

export class RecordingLogger implements RaftLogger {
  readonly lines: LogLine[] = [];

  constructor(private readonly print = false, private readonly keepDebug = false) {}

  private add(level: LogLine["level"], message: string, fields?: Record<string, unknown>): void {
    if (level === "debug" && !this.keepDebug) return;
    this.lines.push({ level, message, fields });
    if (this.print) console.log(level, message, JSON.stringify(fields ?? {}));
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.add("debug", message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.add("info", message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.add("warn", message, fields);
  }

  warnings(): string[] {
    return this.lines.filter((l) => l.level === "warn").map((l) => l.message);
  }

  clear(): void {
    this.lines.length = 0;
  }
}
