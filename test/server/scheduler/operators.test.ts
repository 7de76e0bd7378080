// Every constraint operator Nomad has, over node attributes and over typed device attributes.

import test from "ava";
import type { ConstraintOperator } from "../../../shared/model/index.js";
import {
  checkAttributeConstraint, checkConstraint, compareAttributes, OperatorCache, parseAttribute, parseVersion,
  parseVersionConstraint, resolveNodeTarget, satisfies,
} from "../../../server/scheduler/index.js";
import { node } from "./fixtures.js";

type Row = [string | undefined, ConstraintOperator, string | undefined, boolean];

const rows: Row[] = [
  // equality
  ["linux", "=", "linux", true],
  ["linux", "==", "linux", true],
  ["linux", "is", "linux", true],
  ["linux", "=", "windows", false],
  [undefined, "=", "linux", false],
  ["linux", "!=", "windows", true],
  ["linux", "not", "linux", false],
  [undefined, "!=", "linux", true],
  // ordering: numeric when both sides are numbers, lexical otherwise
  ["10", ">", "9", true],
  ["10", "<", "9", false],
  ["2.5", ">=", "2.50", true],
  ["4", "<=", "4", true],
  ["-1", "<", "0", true],
  ["b", ">", "a", true],
  ["10", ">", "9x", false], // lexical: "10" < "9x"
  ["abc", "<", "abd", true],
  [undefined, "<", "5", false],
  // regexp (unanchored, like Go's MatchString)
  ["amd64", "regexp", "^amd", true],
  ["x86_64", "regexp", "86", true],
  ["arm64", "regexp", "^amd", false],
  ["arm64", "regexp", "([", false], // invalid pattern never matches
  // sets
  ["a,b,c", "set_contains", "a,c", true],
  ["a, b, c", "set_contains", "b , c", true],
  ["a,b,c", "set_contains", "a,d", false],
  ["a,b,c", "set_contains_all", "c,b,a", true],
  ["a,b,c", "set_contains_any", "d,b", true],
  ["a,b,c", "set_contains_any", "d,e", false],
  // presence
  ["anything", "is_set", undefined, true],
  [undefined, "is_set", undefined, false],
  [undefined, "is_not_set", undefined, true],
  ["x", "is_not_set", undefined, false],
  // version (go-version)
  ["1.2.3", "version", ">= 1.2, < 2.0", true],
  ["2.0.0", "version", ">= 1.2, < 2.0", false],
  ["1.2", "version", "= 1.2.0", true],
  ["v1.4.0", "version", "~> 1.2", true],
  ["1.9.9", "version", "~> 1.2", true],
  ["2.0.0", "version", "~> 1.2", false],
  ["1.2.9", "version", "~> 1.2.3", true],
  ["1.3.0", "version", "~> 1.2.3", false],
  ["1.2.2", "version", "~> 1.2.3", false],
  ["1.2.3.4", "version", "> 1.2.3", true],
  ["1.3.0-beta1", "version", ">= 1.2", false], // a pre-release never satisfies a release-only constraint
  ["1.3.0-beta.2", "version", ">= 1.3.0-beta.1", true], // same base: pre-releases compare
  ["1.4.0-beta.2", "version", ">= 1.3.0-beta.1", false], // other base: they do not
  ["1.3.0-rc.1", "version", "= 1.3.0-rc.1", true],
  ["1.3.0+build.5", "version", "= 1.3.0", true], // metadata is ignored
  ["not-a-version", "version", ">= 1.0", false],
  ["1.2.3", "version", "=> 1.0", false], // malformed constraint
  // semver (strict Semantic Versioning 2.0)
  ["1.3.0-beta1", "semver", ">= 1.2.0", true], // pre-releases order like any version
  ["1.0.0-beta", "semver", ">= 1.0.0", false], // 1.0.0-beta < 1.0.0
  ["1.0.0-alpha.10", "semver", "> 1.0.0-alpha.9", true], // numeric identifiers compare numerically
  ["1.0.0-alpha.beta", "semver", "> 1.0.0-alpha.1", true], // alphanumeric above numeric
  ["1.0.0-alpha.1", "semver", "> 1.0.0-alpha", true], // more identifiers rank higher
  ["1.0.0-rc.1", "semver", "< 1.0.0", true],
  ["1.2.3.4", "semver", ">= 1.0.0", false], // four segments are not semver
  ["1.5.0", "semver", "~> 1.2", false], // no pessimistic operator in semver
  ["1.2.3", "semver", ">= 1.2.3, != 1.2.4", true],
];

for (const [l, op, r, expected] of rows) {
  test(`${String(l)} ${op} ${String(r)} is ${String(expected)}`, (t) => {
    t.is(checkConstraint(new OperatorCache(), op, l, r), expected);
  });
}

test("regular expressions are compiled once per evaluation", (t) => {
  const cache = new OperatorCache();
  const a = cache.regexp("^amd");
  t.is(cache.regexp("^amd"), a);
  t.is(cache.regexp("(["), undefined);
});

test("version constraints parse into clauses and versions into segments", (t) => {
  t.deepEqual(parseVersion("v1.2")?.segments, [1, 2, 0]);
  t.is(parseVersion("1.2")?.written, 2);
  t.is(parseVersion("1.2.3-beta.1+x")?.prerelease, "beta.1");
  t.is(parseVersion("1.2.3beta", "version")?.prerelease, "beta");
  t.is(parseVersion("1.2.3beta", "semver"), undefined);
  const c = parseVersionConstraint(">= 1.2, < 2.0", "version");
  t.is(c?.clauses.length, 2);
  const v = parseVersion("1.5.0");
  t.true(v !== undefined && c !== undefined && satisfies(v, c));
  t.is(parseVersionConstraint("~> 1.2", "semver"), undefined);
});

test("targets resolve node fields, attributes, meta and literals", (t) => {
  const n = node("n1", { datacenter: "us-east-1", nodeClass: "gpu", nodePool: "batch", meta: { rack: "r1" } });
  t.is(resolveNodeTarget("${node.unique.id}", n), "n1");
  t.is(resolveNodeTarget("${node.unique.name}", n), "n1");
  t.is(resolveNodeTarget("${node.datacenter}", n), "us-east-1");
  t.is(resolveNodeTarget("${node.class}", n), "gpu");
  t.is(resolveNodeTarget("${node.pool}", n), "batch");
  t.is(resolveNodeTarget("${attr.cpu.arch}", n), "amd64");
  t.is(resolveNodeTarget("${meta.rack}", n), "r1");
  t.is(resolveNodeTarget("${meta.missing}", n), undefined);
  t.is(resolveNodeTarget("${node.bogus}", n), undefined);
  t.is(resolveNodeTarget("literal", n), "literal");
});

type DeviceRow = [string, ConstraintOperator, string, boolean];

const deviceRows: DeviceRow[] = [
  ["16384 MiB", ">=", "8 GiB", true],
  ["16384 MiB", "=", "16 GiB", true],
  ["8 GiB", "<", "16384 MiB", true],
  ["8 GB", "<", "8 GiB", true], // decimal vs binary prefixes
  ["1000 MB", "=", "1 GB", true],
  ["16 GiB", ">", "20 GHz", false], // different kinds never compare
  ["16 GiB", "!=", "20 GHz", true],
  ["1.5 GHz", ">", "1400 MHz", true],
  ["1.5GHz", "=", "1500 MHz", true],
  ["300 W", "<", "1 kW", true],
  ["2 kW", ">=", "2000 W", true],
  ["4992", ">", "4096", true], // bare numbers
  ["4992", ">", "4 GiB", false], // a unit against a bare number does not compare
  ["true", "=", "true", true],
  ["true", ">", "false", false], // bools only compare for equality
  ["Tesla T4", "regexp", "T4$", true],
  ["7.5", "version", ">= 7.0", true],
  ["1.10", "version", ">= 1.9", true], // typed values keep their text for version checks
  ["a,b", "set_contains", "b", true],
];

for (const [l, op, r, expected] of deviceRows) {
  test(`device attribute ${l} ${op} ${r} is ${String(expected)}`, (t) => {
    t.is(checkAttributeConstraint(new OperatorCache(), op, parseAttribute(l), parseAttribute(r)), expected);
  });
}

test("attributes parse into numbers with units, bools and strings", (t) => {
  t.like(parseAttribute("16384 MiB"), { kind: "number", value: 16384, unit: "MiB" });
  t.like(parseAttribute("2.5"), { kind: "number", value: 2.5, unit: "" });
  t.like(parseAttribute("TRUE"), { kind: "bool", value: true });
  t.like(parseAttribute("12 parsecs"), { kind: "string" });
  t.is(compareAttributes(parseAttribute("1 TiB"), parseAttribute("1024 GiB")), 0);
  t.is(compareAttributes(parseAttribute("a"), parseAttribute("1")), undefined);
});
