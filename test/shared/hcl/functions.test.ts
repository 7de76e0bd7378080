import test from "ava";
import { stdlibFunctions, type Value } from "../../../shared/hcl/index.js";
import { errorAt, evalExpr } from "./support.js";

const results: Record<string, Array<[expr: string, expected: Value]>> = {
  numeric: [
    ["abs(-3.5)", 3.5],
    ["ceil(1.2)", 2],
    ["floor(-1.2)", -2],
    ["max(3, 9, 1)", 9],
    ["min(3, 9, 1)", 1],
    ["max([4, 7]...)", 7],
    ['parseint("ff", 16)', 255],
    ['parseint("-101", 2)', -5],
    ['parseint("Zz", 62)', 61 * 62 + 35],
    ["pow(2, 10)", 1024],
    ["signum(-4)", -1],
    ["signum(0)", 0],
  ],
  strings: [
    ['chomp("line\\r\\n\\n")', "line"],
    ['indent(2, "a\\nb\\n")', "a\n  b\n  "],
    ['join("-", ["a", "b"], ["c"])', "a-b-c"],
    ['join(",", [1, true])', "1,true"],
    ['lower("ÀBC")', "àbc"],
    ['upper("straße")', "STRASSE"],
    ['title("hello big-world foo_bar")', "Hello Big-World Foo_bar"],
    ['trimspace("  \\t x y \\n")', "x y"],
    ['trim("?!hello?!", "!?")', "hello"],
    ['trimprefix("helloworld", "hello")', "world"],
    ['trimprefix("helloworld", "x")', "helloworld"],
    ['trimsuffix("helloworld", "world")', "hello"],
    ['replace("a.b.c", ".", "-")', "a-b-c"],
    ['replace("2024-05-06", "/(\\\\d+)-(\\\\d+)-(\\\\d+)/", "$3/$2/$${1}")', "06/05/2024"],
    ['replace("a$b", "$", "$$")', "a$$b"],
    ['split(",", "a,b,,c")', ["a", "b", "", "c"]],
    ['split(",", "")', [""]],
    ['strrev("héllo😀")', "😀olléh"],
    ['substr("hello world", 1, 4)', "ello"],
    ['substr("hello world", -5, -1)', "world"],
    ['substr("héllo", 1, 2)', "él"],
    ['regex("[a-z]+", "123abc456")', "abc"],
    ['regex("(\\\\d+)-(\\\\d+)", "v10-20")', ["10", "20"]],
    ['regex("(?P<major>\\\\d+)\\\\.(?P<minor>\\\\d+)", "1.42")', { major: "1", minor: "42" }],
    ['regex("(?i)ABC", "xabcx")', "abc"],
    ['regexall("\\\\d", "a1b2c3")', ["1", "2", "3"]],
    ['regexall("(\\\\w)=(\\\\d)", "a=1 b=2")', [["a", "1"], ["b", "2"]]],
    ['startswith("nomad", "no")', true],
    ['endswith("nomad", "ad")', true],
    ['strcontains("nomad", "mad")', true],
  ],
  format: [
    ['format("%s-%d", "web", 3)', "web-3"],
    ['format("%5s|%-5s|", "ab", "cd")', "   ab|cd   |"],
    ['format("%05d|%+d|%x|%X|%o|%b", 42, 5, 255, 255, 8, 5)', "00042|+5|ff|FF|10|101"],
    ['format("%f|%.2f|%8.3f|%e", 3.14159, 3.14159, 2.5, 1234.5)', "3.141590|3.14|   2.500|1.234500e+03"],
    ['format("%g|%g|%.3g", 0.5, 1e7, 1234.5)', "0.5|1e+07|1.23e+03"],
    ['format("%v|%v|%v|%v", "s", 1.5, true, null)', "s|1.5|true|null"],
    ['format("%v", [1, {a = "b"}])', '[1,{"a":"b"}]'],
    ['format("%q|%t|%%|%.3s", "hi", true, "abcdef")', '"hi"|true|%|abc'],
    ['format("%[2]s %[1]s", "world", "hello")', "hello world"],
    ['format("no verbs")', "no verbs"],
    ['formatlist("%s=%d", ["a", "b"], [1, 2])', ["a=1", "b=2"]],
    ['formatlist("%s.%s", "host", ["a", "b"])', ["host.a", "host.b"]],
  ],
  collections: [
    ['coalesce(null, "", "x", "y")', "x"],
    ['coalescelist([], ["a"], ["b"])', ["a"]],
    ['compact(["a", "", null, "b"])', ["a", "b"]],
    ['concat([1], [2, 3], [])', [1, 2, 3]],
    ['contains(["a", {b = 1}], {b = 1})', true],
    ['contains(["a"], "b")', false],
    ["distinct([1, 2, 1, [3], [3]])", [1, 2, [3]]],
    ['element(["a", "b", "c"], 4)', "b"],
    ["flatten([[1, [2]], [], 3])", [1, 2, 3]],
    ['index(["a", "b"], "b")', 1],
    ["keys({b = 1, a = 2})", ["a", "b"]],
    ["values({b = 1, a = 2})", [2, 1]],
    ['length("héllo")', 5],
    ["length([1, 2])", 2],
    ["length({a = 1})", 1],
    ['lookup({a = 1}, "a")', 1],
    ['lookup({a = 1}, "b", "dflt")', "dflt"],
    ["merge({a = 1, b = 2}, null, {b = 3})", { a: 1, b: 3 }],
    ["range(3)", [0, 1, 2]],
    ["range(1, 4)", [1, 2, 3]],
    ["range(10, 0, -4)", [10, 6, 2]],
    ["range(3, 1)", [3, 2]],
    ["reverse([1, 2, 3])", [3, 2, 1]],
    ['setunion(["a", "b"], ["b", "c"])', ["a", "b", "c"]],
    ['slice(["a", "b", "c", "d"], 1, 3)', ["b", "c"]],
    ['sort(["b", "a", "C"])', ["C", "a", "b"]],
    ['zipmap(["a", "b"], [1, 2])', { a: 1, b: 2 }],
  ],
  conversion: [
    ["tostring(12)", "12"],
    ["tostring(null)", null],
    ['tonumber("4.5")', 4.5],
    ['tobool("true")', true],
    ["tolist([1, 2])", [1, 2]],
    ['toset(["b", "a", "b"])', ["a", "b"]],
    ['tomap({a = "1"})', { a: "1" }],
  ],
  encoding: [
    ['jsonencode({b = [1, true, null], a = "<x & y>"})', '{"a":"\\u003cx \\u0026 y\\u003e","b":[1,true,null]}'],
    ['jsondecode("{\\"a\\": [1, 2.5, \\"x\\"]}")', { a: [1, 2.5, "x"] }],
    ['base64encode("héllo")', "aMOpbGxv"],
    ['base64decode("aMOpbGxv")', "héllo"],
    ['urlencode("a b&c=d/é*")', "a+b%26c%3Dd%2F%C3%A9%2A"],
  ],
};

for (const [group, cases] of Object.entries(results)) {
  test(`${group} functions compute HCL's results`, (t) => {
    for (const [expr, expected] of cases) t.deepEqual(evalExpr(expr), expected, expr);
  });
}

test("every function of the library is covered above", (t) => {
  const tested = new Set(Object.values(results).flatMap((cases) => cases.map(([expr]) => /^\w+/.exec(expr)?.[0])));
  t.deepEqual(Object.keys(stdlibFunctions()).filter((name) => !tested.has(name)), []);
});

const errors: Array<[expr: string, expected: string]> = [
  ["upper()", '1:1: function "upper" expects 1 argument, got 0'],
  ['upper("a", "b")', '1:1: function "upper" expects 1 argument, got 2'],
  ["max()", '1:1: function "max" expects at least 1 argument, got 0'],
  ["range()", '1:1: function "range" expects 1 to 3 arguments, got 0'],
  ['join(",", "x")', '1:1: function "join": argument 2 must be a list, got string "x"'],
  ['join(",", [null])', '1:1: function "join": argument 2 must be a list of strings, but it contains null'],
  ['abs("x")', '1:1: function "abs": argument 1 must be a number, got string "x"'],
  ["upper([1])", '1:1: function "upper": argument 1 must be a string, got tuple'],
  ['keys(["a"])', '1:1: function "keys": argument 1 must be a map or object, got tuple'],
  ['element([], 0)', '1:1: function "element": cannot take an element of an empty list'],
  ['index(["a"], "z")', '1:1: function "index": the list does not contain string "z"'],
  ['lookup({}, "k")', '1:1: function "lookup": the map has no key "k" and no default was given'],
  ["slice([1, 2], 1, 5)", '1:1: function "slice": the range 1..5 is not within the list of 2 elements'],
  ['zipmap(["a"], [])', '1:1: function "zipmap": there are 1 keys but 0 values'],
  ["range(0, 2000)", '1:1: function "range": the result would have more than 1024 elements'],
  ['coalesce(null, "")', '1:1: function "coalesce": all arguments are null or empty strings'],
  ['regex("x", "abc")', '1:1: function "regex": the pattern "x" does not match "abc"'],
  ['parseint("12", 1)', '1:1: function "parseint": the base must be between 2 and 62, got 1'],
  ['parseint("19", 8)', '1:1: function "parseint": cannot parse "19" as a base-8 integer'],
  ['format("%d", 1.5)', '1:1: function "format": "%d" needs a whole number, got number 1.5'],
  ['format("%s %s", "a")', '1:1: function "format": not enough arguments for "%s": it needs argument 2, but only 1 were given'],
  ['format("%s", "a", "b")', '1:1: function "format": too many arguments: the format string uses 1, but 2 were given'],
  ['format("%y", 1)', '1:1: function "format": unsupported verb "%y"; use one of %v %s %q %t %d %b %o %x %X %e %f %g'],
  ['formatlist("%s%s", ["a"], ["b", "c"])', '1:1: function "formatlist": argument 3 has 2 elements, but an earlier list has 1; all lists must have the same length'],
  ['tonumber("abc")', '1:1: function "tonumber": cannot convert string "abc" to a number'],
  ["tostring([1])", '1:1: function "tostring": cannot convert tuple to a string'],
  ['base64decode("!!")', '1:1: function "base64decode": the argument is not valid base64'],
  ['base64decode("/w==")', '1:1: function "base64decode": the decoded bytes are not valid UTF-8'],
  ['length(1)', '1:1: function "length": argument 1 must be a string, list or map, got number 1'],
];

test("bad arguments fail naming the function and what it expected", (t) => {
  for (const [expr, expected] of errors) t.is(errorAt(() => evalExpr(expr)), expected, expr);
});

test("errors from the JavaScript engine keep its explanation after HCL's own", (t) => {
  t.regex(errorAt(() => evalExpr('regex("(", "abc")')), /^1:1: function "regex": invalid regular expression "\(": .+/);
  t.regex(errorAt(() => evalExpr('jsondecode("{")')), /^1:1: function "jsondecode": invalid JSON: .+/);
});

test("function errors point at the call, wherever it is in the expression", (t) => {
  t.is(errorAt(() => evalExpr('[1, upper([])]')), '1:5: function "upper": argument 1 must be a string, got tuple');
});
