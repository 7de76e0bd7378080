// Go-style durations ("30s", "1h30m", "250ms"), the form Nomad jobspecs use.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/** Milliseconds in a Go duration string, or undefined when it is not one. */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "0") return 0;
  let sign = 1;
  let pos = 0;
  if (trimmed.startsWith("-") || trimmed.startsWith("+")) {
    sign = trimmed.startsWith("-") ? -1 : 1;
    pos = 1;
  }
  if (pos >= trimmed.length) return undefined;
  let total = 0;
  while (pos < trimmed.length) {
    PART.lastIndex = pos;
    const match = PART.exec(trimmed);
    if (!match) return undefined;
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    pos = PART.lastIndex;
  }
  return sign * total;
}

/** The shortest Go-style spelling of a duration, e.g. 5400000 → "1h30m". */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${ms}ms`;
  let rest = ms;
  let out = "";
  for (const [unit, size] of [["h", 3_600_000], ["m", 60_000]] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  if (rest > 0) out += `${rest / 1000}s`;
  return out;
}
