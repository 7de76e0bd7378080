import test from "ava";
import { identifierName, isLiteralString, parseExpression, parseHcl, variableReferences } from "../../../shared/hcl/index.js";
import { attribute, show } from "./support.js";

const parse = (src: string): string => show(parseExpression(src, "e.hcl"));

test("literals: integers, decimals, exponents, bools, null and plain strings", (t) => {
  t.is(parse("42"), "42");
  t.is(parse("3.25"), "3.25");
  t.is(parse("1e3"), "1000");
  t.is(parse("2.5E-1"), "0.25");
  t.is(parse("true"), "true");
  t.is(parse("false"), "false");
  t.is(parse("null"), "null");
  t.is(parse('"plain"'), '"plain"');
  t.is(parse("-7"), "-7");
});

test("binary operators follow HCL precedence and associate to the left", (t) => {
  t.is(parse("1 + 2 * 3"), "(+ 1 (* 2 3))");
  t.is(parse("1 - 2 - 3"), "(- (- 1 2) 3)");
  t.is(parse("a || b && c"), "(|| a (&& b c))");
  t.is(parse("a == b && c != d"), "(&& (== a b) (!= c d))");
  t.is(parse("a < b == c >= d"), "(== (< a b) (>= c d))");
  t.is(parse("a + b < c % d"), "(< (+ a b) (% c d))");
  t.is(parse("(1 + 2) * 3"), "(* (paren (+ 1 2)) 3)");
});

test("unary operators bind tighter than binary ones and apply to whole traversals", (t) => {
  t.is(parse("!a && b"), "(&& (! a) b)");
  t.is(parse("-a.b * 2"), "(* (- a.b) 2)");
  t.is(parse("1 - -1"), "(- 1 -1)");
});

test("conditionals nest to the right and sit below every binary operator", (t) => {
  t.is(parse("a ? b : c ? d : e"), "(? a b (? c d e))");
  t.is(parse("x > 1 || y ? 1 + 2 : 3"), "(? (|| (> x 1) y) (+ 1 2) 3)");
});

test("traversals take attributes, indexes and legacy numeric attributes", (t) => {
  t.is(parse("var.region"), "var.region");
  t.is(parse('env["HOME"]'), 'env["HOME"]');
  t.is(parse("a.b[0].c"), "a.b[0].c");
  t.is(parse("a.0.1"), "a[0][1]");
  t.is(parse("a[b.c]"), "a[b.c]");
  t.is(parse("f(x).y[1]"), "(rel (f x) .y[1])");
  t.is(parse("[1, 2][0]"), "(rel [1 2] [0])");
});

test("splats: full splats absorb indexes too, attribute splats only attributes", (t) => {
  t.is(parse("a[*].b[0]"), "(splat[*] a .b[0])");
  t.is(parse("a.*.b.c"), "(splat.* a .b.c)");
  t.is(parse("a.*.b[0]"), "(rel (splat.* a .b) [0])");
  t.is(parse("a[*]"), "(splat[*] a )");
});

test("function calls take any number of arguments, a trailing comma and a final expansion", (t) => {
  t.is(parse("f()"), "(f)");
  t.is(parse("max(1, 2,)"), "(max 1 2)");
  t.is(parse("max(list...)"), "(max list ...)");
  t.is(parse("join(\",\",\n  [a,\n   b])"), '(join "," [a b])');
});

test("tuples and objects: commas, newlines, trailing separators and every kind of key", (t) => {
  t.is(parse("[1, 2,]"), "[1 2]");
  t.is(parse("[\n 1,\n 2\n]"), "[1 2]");
  t.is(parse('{ a = 1, "b" = 2, c: 3 }'), '{"a"=1 "b"=2 "c"=3}');
  t.is(parse("{\n  a = 1\n  b = 2,\n}"), '{"a"=1 "b"=2}');
  t.is(parse("{ (k) = 1 }"), "{(paren k)=1}");
  t.is(parse("{}"), "{}");
});

test("for expressions in tuple and object form, with key variables, grouping and filters", (t) => {
  t.is(parse("[for x in xs : x * 2]"), "(for x in xs : (* x 2))");
  t.is(parse("[for i, x in xs : x if i > 0]"), "(for i,x in xs : x if (> i 0))");
  t.is(parse("{for k, v in m : v => k...}"), "(for k,v in m : v => k...)");
  t.is(parse("{\n  for k, v in m :\n  k => upper(v)\n  if v != \"\"\n}"), '(for k,v in m : k => (upper v) if (!= v ""))');
  t.is(parse("[for]"), "[for]");
});

test("newlines inside brackets and parentheses do not end an attribute", (t) => {
  const body = parseHcl("a = [\n  1,\n  2\n]\nb = (\n  1 +\n  2\n)\nc = 3\n", "n.hcl");
  t.is(show(attribute(body, "a").expr), "[1 2]");
  t.is(show(attribute(body, "b").expr), "(paren (+ 1 2))");
  t.is(show(attribute(body, "c").expr), "3");
});

test("helpers recognise literal strings, bare identifiers and variable references", (t) => {
  t.true(isLiteralString(parseExpression('"x"', "h")));
  t.false(isLiteralString(parseExpression('"${x}"', "h")));
  t.is(identifierName(parseExpression("string", "h")), "string");
  t.is(identifierName(parseExpression("a.b", "h")), undefined);
  const refs = variableReferences(parseExpression('[for x in var.list : "${x}-${local.y}" if attr.z]', "h"));
  t.deepEqual(refs.map((r) => show(r)), ["var.list", "local.y", "attr.z"]);
});
