// `-json` output in Nomad's style: the domain objects with PascalCase keys ("JobID",
// "TaskGroups", "MemoryMB"). Keys of user maps (meta, env, task states by name, …) and
// free-form blocks (driver config, vault, consul, …) are left as they are.

/** Fields whose value is a map keyed by user data: keep the keys, convert the values. */
const MAP_FIELDS = new Set([
  "meta", "env", "attributes", "taskStates", "failedTgAllocs", "scores", "tasks", "volumes", "drivers",
  "nodesAvailable", "classFiltered", "constraintFiltered", "classExhausted", "dimensionExhausted", "queuedAllocations",
  "classEligibility", "header", "options", "headers", "details", "canaryMeta", "items", "desiredTgUpdates", "updates",
]);

/** `summary` is the by-group map inside a JobSummary, but a JobListStub's `summary` is the JobSummary. */
function holdsMap(key: string, container: Record<string, unknown>): boolean {
  return key === "summary" ? "jobId" in container : MAP_FIELDS.has(key);
}

/** Fields holding free-form data as the user wrote it: copied untouched. */
const FREEFORM_FIELDS = new Set(["config", "connect", "vault", "consul", "identities"]);

/** Words Nomad spells in capitals. */
const ACRONYMS: Record<string, string> = {
  id: "ID", ids: "IDs", cpu: "CPU", mb: "MB", mhz: "MHz", ip: "IP", http: "HTTP", tg: "TG", dns: "DNS", json: "JSON",
};

/** `jobModifyIndex` → `JobModifyIndex`, `nodeId` → `NodeID`, `memoryMb` → `MemoryMB`. */
export function pascalCase(key: string): string {
  return key
    .split(/(?=[A-Z])/)
    .map((word) => ACRONYMS[word.toLowerCase()] ?? word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

function convert(value: unknown, keepKeys: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => convert(v, false));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  const record = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(record)) {
    if (v === undefined) continue;
    if (keepKeys) {
      out[key] = convert(v, false);
    } else {
      out[pascalCase(key)] = FREEFORM_FIELDS.has(key) ? v : convert(v, holdsMap(key, record) && !Array.isArray(v));
    }
  }
  return out;
}

/** A domain object (or list of them) ready for JSON.stringify, Nomad-style. */
export function nomadJson(value: unknown): unknown {
  return convert(value, false);
}
