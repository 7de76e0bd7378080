// Structured logging: `log.info("became leader", {term, id})` → one line on stderr,
// `2026-11-22T02:31:07.123Z INFO  raft: became leader term=3 id=s1`, or JSON with format "json".

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger for a part of the system: its lines say `module: …`. */
  child(module: string): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  format: "text" | "json";
  /** Where lines go; stderr by default. */
  write?: (line: string) => void;
  now?: () => number;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function formatValue(value: unknown): string {
  if (typeof value === "string") return /[\s"=]/.test(value) || value === "" ? JSON.stringify(value) : value;
  if (value instanceof Error) return JSON.stringify(value.message);
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

export function createLogger(options: LoggerOptions, module = ""): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (RANK[level] < RANK[options.level]) return;
    const time = new Date(now()).toISOString();
    if (options.format === "json") {
      const record: LogFields = { time, level, module, message, ...fields };
      write(`${JSON.stringify(record, (_k, v: unknown) => (v instanceof Error ? v.message : v))}\n`);
      return;
    }
    const pairs = Object.entries(fields).map(([k, v]) => ` ${k}=${formatValue(v)}`).join("");
    write(`${time} ${level.toUpperCase().padEnd(5)} ${module ? `${module}: ` : ""}${message}${pairs}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (name) => createLogger(options, module ? `${module}.${name}` : name),
  };
}

/** A logger that drops everything, for tests and tools that have nothing to say. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
