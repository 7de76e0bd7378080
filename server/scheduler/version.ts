// Version constraints for the `version` and `semver` operators.
//
// `version` follows HashiCorp's go-version, which Nomad uses: versions may have any number of
// numeric segments ("1.2", "1.2.3.4", "v1.2"), constraints are comma-separated ANDs of `=`, `!=`,
// `>`, `>=`, `<`, `<=` and the pessimistic `~>`, and pre-releases are special: a constraint
// without a pre-release never matches a pre-release version, and a constraint with one matches
// only pre-releases of the same base version (`= ` and `!=` excepted).
//
// `semver` follows Semantic Versioning 2.0 strictly: one to three segments, pre-releases are
// ordered by precedence like any other version (1.1.0-beta > 1.0.0), build metadata is ignored,
// and there is no `~>`.

export type VersionFlavour = "version" | "semver";

export interface Version {
  /** Numeric segments as written, at least three (missing ones are 0). */
  segments: number[];
  /** How many segments were written; `~> 1.2` and `~> 1.2.0` differ by it. */
  written: number;
  prerelease: string;
}

const LOOSE = /^v?(\d+(?:\.\d+)*?)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)|([A-Za-z-][0-9A-Za-z-]*(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;
const STRICT = /^v?(\d+(?:\.\d+){0,2})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export function parseVersion(text: string, flavour: VersionFlavour = "version"): Version | undefined {
  const trimmed = text.trim();
  const match = (flavour === "semver" ? STRICT : LOOSE).exec(trimmed);
  if (!match) return undefined;
  const numbers = (match[1] as string).split(".").map(Number);
  if (numbers.some((n) => !Number.isSafeInteger(n))) return undefined;
  const written = numbers.length;
  while (numbers.length < 3) numbers.push(0);
  const prerelease = flavour === "semver" ? (match[2] ?? "") : (match[2] ?? match[3] ?? "");
  return { segments: numbers, written, prerelease };
}

const NUMERIC_IDENTIFIER = /^\d+$/;

/** Semantic Versioning §11: numeric identifiers below alphanumeric ones, a shorter list of equal identifiers first. */
function comparePrereleases(a: string, b: string): number {
  if (a === b) return 0;
  if (a === "") return 1; // a release is newer than any of its pre-releases
  if (b === "") return -1;
  const pa = a.split(".");
  const pb = b.split(".");
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const xNum = NUMERIC_IDENTIFIER.test(x);
    const yNum = NUMERIC_IDENTIFIER.test(y);
    if (xNum && yNum) return Math.sign(Number(x) - Number(y));
    if (xNum) return -1;
    if (yNum) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function compareVersions(a: Version, b: Version): number {
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const d = (a.segments[i] ?? 0) - (b.segments[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return comparePrereleases(a.prerelease, b.prerelease);
}

type Operator = "=" | "!=" | ">" | ">=" | "<" | "<=" | "~>";

interface Clause {
  operator: Operator;
  version: Version;
}

/** A parsed constraint such as ">= 1.2, < 2.0": every clause must hold. */
export interface VersionConstraint {
  flavour: VersionFlavour;
  clauses: Clause[];
}

const CLAUSE = /^(=|!=|>=|<=|>|<|~>)?\s*(\S+)$/;

export function parseVersionConstraint(text: string, flavour: VersionFlavour): VersionConstraint | undefined {
  const clauses: Clause[] = [];
  for (const part of text.split(",")) {
    const match = CLAUSE.exec(part.trim());
    if (!match) return undefined;
    const operator = (match[1] ?? "=") as Operator;
    if (flavour === "semver" && operator === "~>") return undefined;
    const version = parseVersion(match[2] as string, flavour);
    if (!version) return undefined;
    clauses.push({ operator, version });
  }
  return { flavour, clauses };
}

function sameBase(v: Version, c: Version): boolean {
  const n = Math.max(v.segments.length, c.segments.length);
  for (let i = 0; i < n; i++) if ((v.segments[i] ?? 0) !== (c.segments[i] ?? 0)) return false;
  return true;
}

/** go-version's pre-release rule for the ordering operators. */
function prereleaseAllowed(v: Version, c: Version): boolean {
  const vPre = v.prerelease !== "";
  const cPre = c.prerelease !== "";
  if (vPre && cPre) return sameBase(v, c);
  if (vPre && !cPre) return false;
  return true;
}

/**
 * `~> 1.2` allows 1.2 up to (not including) 2.0; `~> 1.2.3` allows 1.2.3 up to 1.3: every written
 * segment but the last is fixed. Like go-version, `~> 1` fixes nothing and means `>= 1`.
 */
function pessimistic(v: Version, c: Version): boolean {
  if (!prereleaseAllowed(v, c) || (c.prerelease !== "" && v.prerelease === "")) return false;
  if (compareVersions(v, c) < 0) return false;
  const fixed = c.written - 1;
  for (let i = 0; i < fixed; i++) if (v.segments[i] !== c.segments[i]) return false;
  return true;
}

function holds(clause: Clause, v: Version, flavour: VersionFlavour): boolean {
  const c = clause.version;
  const cmp = compareVersions(v, c);
  switch (clause.operator) {
    case "=": return cmp === 0;
    case "!=": return cmp !== 0;
    case "~>": return pessimistic(v, c);
    default: break;
  }
  if (flavour === "version" && !prereleaseAllowed(v, c)) return false;
  switch (clause.operator) {
    case ">": return cmp > 0;
    case ">=": return cmp >= 0;
    case "<": return cmp < 0;
    case "<=": return cmp <= 0;
  }
}

export function satisfies(version: Version, constraint: VersionConstraint): boolean {
  return constraint.clauses.every((clause) => holds(clause, version, constraint.flavour));
}
