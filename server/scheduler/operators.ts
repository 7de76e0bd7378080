// Nomad's constraint operators over resolved values. Node attributes are compared as text
// (numerically when both sides parse as numbers); device attributes are typed, so units convert.

import type { ConstraintOperator } from "../../shared/model/index.js";
import { compareAttributes, type AttributeValue } from "./units.js";
import { parseVersion, parseVersionConstraint, satisfies, type VersionConstraint, type VersionFlavour } from "./version.js";

/** Compiled regular expressions and version constraints, kept for the whole evaluation. */
export class OperatorCache {
  private readonly regexps = new Map<string, RegExp | null>();
  private readonly versions = new Map<string, VersionConstraint | null>();

  regexp(pattern: string): RegExp | undefined {
    let compiled = this.regexps.get(pattern);
    if (compiled === undefined) {
      try {
        compiled = new RegExp(pattern);
      } catch {
        compiled = null;
      }
      this.regexps.set(pattern, compiled);
    }
    return compiled ?? undefined;
  }

  versionConstraint(text: string, flavour: VersionFlavour): VersionConstraint | undefined {
    const key = `${flavour}\u0000${text}`;
    let parsed = this.versions.get(key);
    if (parsed === undefined) {
      parsed = parseVersionConstraint(text, flavour) ?? null;
      this.versions.set(key, parsed);
    }
    return parsed ?? undefined;
  }
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function order(op: ConstraintOperator, cmp: number): boolean {
  switch (op) {
    case "<": return cmp < 0;
    case "<=": return cmp <= 0;
    case ">": return cmp > 0;
    case ">=": return cmp >= 0;
    default: return false;
  }
}

/** `<`, `<=`, `>`, `>=`: numeric when both sides are numbers, lexical otherwise. */
export function checkOrder(op: ConstraintOperator, l: string, r: string): boolean {
  const cmp = DECIMAL.test(l.trim()) && DECIMAL.test(r.trim())
    ? Math.sign(Number(l) - Number(r))
    : l < r ? -1 : l > r ? 1 : 0;
  return order(op, cmp);
}

function splitSet(text: string): string[] {
  return text.split(",").map((s) => s.trim());
}

/** Every value of `r` is in the set `l`. */
export function checkSetContainsAll(l: string, r: string): boolean {
  const have = new Set(splitSet(l));
  return splitSet(r).every((v) => have.has(v));
}

/** Some value of `r` is in the set `l`. */
export function checkSetContainsAny(l: string, r: string): boolean {
  const have = new Set(splitSet(l));
  return splitSet(r).some((v) => have.has(v));
}

function checkVersion(cache: OperatorCache, flavour: VersionFlavour, l: string, r: string): boolean {
  const version = parseVersion(l, flavour);
  const constraint = cache.versionConstraint(r, flavour);
  return version !== undefined && constraint !== undefined && satisfies(version, constraint);
}

function checkRegexp(cache: OperatorCache, l: string, r: string): boolean {
  const re = cache.regexp(r);
  return re !== undefined && re.test(l);
}

/**
 * Whether `l op r` holds; undefined sides were not found on the node. `distinct_hosts` and
 * `distinct_property` are not about one node and always hold here (their iterators decide).
 */
export function checkConstraint(cache: OperatorCache, op: ConstraintOperator, l: string | undefined, r: string | undefined): boolean {
  switch (op) {
    case "is_set": return l !== undefined;
    case "is_not_set": return l === undefined;
    case "!=": case "not": return l !== r;
    case "distinct_hosts": case "distinct_property": return true;
    default: break;
  }
  if (l === undefined || r === undefined) return false;
  switch (op) {
    case "=": case "==": case "is": return l === r;
    case "<": case "<=": case ">": case ">=": return checkOrder(op, l, r);
    case "regexp": return checkRegexp(cache, l, r);
    case "set_contains": case "set_contains_all": return checkSetContainsAll(l, r);
    case "set_contains_any": return checkSetContainsAny(l, r);
    case "version": return checkVersion(cache, "version", l, r);
    case "semver": return checkVersion(cache, "semver", l, r);
  }
}

/** The same operators over typed device attributes: `=` and the orderings convert units. */
export function checkAttributeConstraint(
  cache: OperatorCache, op: ConstraintOperator, l: AttributeValue | undefined, r: AttributeValue | undefined,
): boolean {
  switch (op) {
    case "is_set": return l !== undefined;
    case "is_not_set": return l === undefined;
    case "distinct_hosts": case "distinct_property": return true;
    default: break;
  }
  const equal = l !== undefined && r !== undefined && compareAttributes(l, r) === 0;
  if (op === "!=" || op === "not") return !equal;
  if (l === undefined || r === undefined) return false;
  switch (op) {
    case "=": case "==": case "is": return equal;
    case "<": case "<=": case ">": case ">=": {
      if (l.kind === "bool" || r.kind === "bool") return false;
      const cmp = compareAttributes(l, r);
      return cmp !== undefined && order(op, cmp);
    }
    default: return checkConstraint(cache, op, l.text, r.text);
  }
}
