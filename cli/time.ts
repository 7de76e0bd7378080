// Times as Nomad's CLI shows them: RFC 3339 timestamps in local time, and "5m3s ago" for the
// Created/Modified columns unless -verbose asks for exact times.

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** `2024-05-10T14:05:56+02:00` (Go's "2006-01-02T15:04:05Z07:00"); "" before 1970-01-01T00:00:01. */
export function formatTimestamp(ms: number): string {
  if (ms < 1000) return "";
  const d = new Date(ms);
  const offsetMin = -d.getTimezoneOffset();
  const zone = offsetMin === 0
    ? "Z"
    : `${offsetMin < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${zone}`;
}

/** A task's start/finish time: "N/A" when it has not happened. */
export function formatTaskTime(ms: number): string {
  return ms < 1000 ? "N/A" : formatTimestamp(ms);
}

const UNITS: readonly (readonly [string, number])[] = [["y", 365 * 86_400], ["d", 86_400], ["h", 3600], ["m", 60], ["s", 1]];

/**
 * Nomad's prettyTimeDiff: the two largest units of the distance between two times, e.g.
 * "1h2m ago" or "3s from now"; "" for an unset time.
 */
export function timeAgo(thenMs: number, nowMs: number): string {
  if (thenMs < 1000) return "";
  const deltaS = Math.round(nowMs / 1000) - Math.round(thenMs / 1000);
  const suffix = deltaS >= 0 ? " ago" : " from now";
  let rest = Math.abs(deltaS);
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    rest %= size;
    // Only the two most significant units, and only adjacent ones (Nomad drops "1h0m5s" to "1h").
    if (parts.length > 0 && parts.length < 2 && count === 0) break;
    if (count > 0 && parts.length < 2) parts.push(`${count}${unit}`);
  }
  return `${parts.length === 0 ? "0s" : parts.join("")}${suffix}`;
}

/** Exact timestamp with -verbose, "… ago" otherwise. */
export function formatWhen(ms: number, nowMs: number, verbose: boolean): string {
  return verbose ? formatTimestamp(ms) : timeAgo(ms, nowMs);
}
