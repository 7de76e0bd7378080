import test from "ava";
import { evaluate, HclError, parseHcl, stdlibFunctions, type Value } from "../../../shared/hcl/index.js";
import { attribute, errorAt, evalExpr } from "./support.js";

const vars: Record<string, Value> = {
  var: { region: "eu-west", count: 3, list: ["a", "b", "c"], nums: [3, 1, 2], on: true, nested: { deep: { x: 1 } }, nothing: null },
  local: { servers: [{ name: "s1", port: 80 }, { name: "s2", port: 81 }], labels: { app: "web", tier: "front" } },
};
const ev = (src: string): Value => evalExpr(src, vars);
const err = (src: string): string => errorAt(() => evalExpr(src, vars));

test("arithmetic follows precedence and converts numeric strings", (t) => {
  t.is(ev("1 + 2 * 3 - 4 / 2"), 5);
  t.is(ev("7 % 3"), 1);
  t.is(ev("-var.count + 1"), -2);
  t.is(ev('"5" + 1'), 6);
  t.is(ev("var.count * 1.5"), 4.5);
});

test("comparison and equality: numbers compare, values are equal only with the same type", (t) => {
  t.true(ev("var.count >= 3") as boolean);
  t.false(ev("1 > 2") as boolean);
  t.true(ev("[1, {a = 2}] == [1, {a = 2}]") as boolean);
  t.false(ev('1 == "1"') as boolean);
  t.true(ev('var.region != "us"') as boolean);
  t.true(ev("var.nothing == null") as boolean);
});

test("logic operators take bools and short-circuit", (t) => {
  t.false(ev("var.on && !var.on") as boolean);
  t.true(ev("var.on || var.missing") as boolean);
  t.false(ev("!var.on && var.missing") as boolean);
});

test("conditionals pick one branch and evaluate only that one", (t) => {
  t.is(ev('var.count > 2 ? "many" : "few"'), "many");
  t.is(ev("var.on ? 1 : var.missing"), 1);
  t.is(ev('"true" ? "from string" : "no"'), "from string");
});

test("indexing and attribute access reach into tuples and objects", (t) => {
  t.is(ev("var.list[1]"), "b");
  t.is(ev('var.list["2"]'), "c");
  t.is(ev("var.list.0"), "a");
  t.is(ev("var.nested.deep.x"), 1);
  t.is(ev('local.labels["app"]'), "web");
  t.is(ev("local.servers[1].name"), "s2");
  t.is(ev("[10, 20][var.count - 2]"), 20);
});

test("splats map over every element, wrap single values and turn null into an empty list", (t) => {
  t.deepEqual(ev("local.servers[*].name"), ["s1", "s2"]);
  t.deepEqual(ev("local.servers.*.port"), [80, 81]);
  t.deepEqual(ev("local.labels[*].app"), ["web"]);
  t.deepEqual(ev("var.nothing[*].x"), []);
});

test("for expressions build tuples and objects, filter, group, and iterate objects in key order", (t) => {
  t.deepEqual(ev("[for s in local.servers : s.port + 1000]"), [1080, 1081]);
  t.deepEqual(ev("[for i, x in var.list : \"${i}:${x}\" if i != 1]"), ["0:a", "2:c"]);
  t.deepEqual(ev("{for s in local.servers : s.name => s.port}"), { s1: 80, s2: 81 });
  t.deepEqual(ev("[for k, v in {b = 2, a = 1} : k]"), ["a", "b"]);
  t.deepEqual(ev('{for x in ["x", "yy", "z"] : length(x) => x...}'), { 1: ["x", "z"], 2: ["yy"] });
  t.deepEqual(ev("[for x in var.nums : [for y in var.nums : x * y if y < x]]"), [[3, 6], [], [2]]);
});

test("objects evaluate their keys: identifiers are names, parenthesised keys are expressions", (t) => {
  t.deepEqual(ev('{ region = 1, (var.region) = 2, "q r" = 3 }'), { region: 1, "eu-west": 2, "q r": 3 });
  t.deepEqual(ev('{ __proto__ = 1 }'), JSON.parse('{"__proto__": 1}'));
});

test("templates convert numbers and bools, printing integers without a fraction", (t) => {
  t.is(ev('"${var.count}/${2.0}/${0.1 + 0.2}/${var.on}/${-1.5}"'), "3/2/0.3/true/-1.5");
  t.is(ev('"n=${1e21}"'), "n=1000000000000000000000");
});

test("evaluation errors point at the failing sub-expression", (t) => {
  t.is(err("var.regoin"), '1:1: undefined variable "var.regoin"');
  t.is(err("1 + local.nope"), '1:5: undefined variable "local.nope"');
  t.is(err("var.nested.deep.y"), '1:1: var.nested.deep has no attribute "y"');
  t.is(err("var.list[3]"), "1:1: index 3 is out of range: var.list has 3 elements");
  t.is(err("var.list[1.5]"), "1:10: a tuple index must be a whole number, got number 1.5");
  t.is(err('local.labels["x"]'), '1:1: local.labels has no key "x"');
  t.is(err("var.list.name"), '1:1: cannot read attribute "name": var.list is a tuple; use an index like [0]');
  t.is(err("var.nothing.x"), '1:1: cannot read attribute "x" of null (var.nothing)');
  t.is(err('var.region[0]'), "1:1: cannot index var.region: it is a string");
  t.is(err('"${var.nothing}!"'), "1:4: a null value cannot be used in a string template");
  t.is(err('"${var.list}!"'), "1:4: a tuple cannot be used in a string template; convert it with jsonencode() or join()");
  t.is(err('2 * "x"'), '1:5: the right operand of "*" must be a number, got string "x"');
  t.is(err("1 / (var.count - 3)"), "1:5: division by zero");
  t.is(err('var.on && "maybe"'), '1:11: the right operand of "&&" must be a bool, got string "maybe"');
  t.is(err("var.count ? 1 : 2"), "1:1: the condition must be a bool, got number 3");
  t.is(err("[for x in var.count : x]"), "1:11: cannot iterate over a number; a tuple or an object is required");
  t.is(err("{for x in var.list : \"k\" => x}"), '1:22: duplicate key "k" in the for expression; add "..." after the value to group values by key');
  t.is(err('{ a = 1, a = 2 }'), '1:10: duplicate object key "a"');
  t.is(err("nope(1)"), '1:1: unknown function "nope"');
  t.is(err("max(var.count...)"), '1:5: the last argument of "max" is expanded with "...", so it must be a tuple, got number 3');
});

test("errors in a parsed file carry the file name and position", (t) => {
  const body = parseHcl('job "x" {\n  region = var.regin\n}\n', "job.hcl");
  const expr = attribute(body.blocks[0]?.body ?? body, "region").expr;
  const e = t.throws(() => evaluate(expr, { variables: vars, functions: {} }), { instanceOf: HclError });
  t.is(e?.message, 'job.hcl:2:12: undefined variable "var.regin"');
});

test("try and can absorb evaluation errors", (t) => {
  t.is(ev('try(var.missing, local.labels.nope, "fallback")'), "fallback");
  t.is(ev("try(var.count, 0)"), 3);
  t.true(ev("can(var.list[0])") as boolean);
  t.false(ev("can(var.list[9])") as boolean);
  t.is(err("try(var.a, var.b)"), '1:1: no argument of "try" could be evaluated; the last one failed with: undefined variable "var.b"');
});

test("injected functions are called with values and the call's range; plain Errors are wrapped", (t) => {
  const body = parseHcl('x = file("a.txt")\ny = file("missing")\n', "f.hcl");
  const functions = {
    ...stdlibFunctions(),
    file: (args: Value[]) => {
      if (args[0] !== "a.txt") throw new Error(`no such file ${String(args[0])}`);
      return "contents";
    },
  };
  t.is(evaluate(attribute(body, "x").expr, { variables: {}, functions }), "contents");
  const e = t.throws(() => evaluate(attribute(body, "y").expr, { variables: {}, functions }), { instanceOf: HclError });
  t.is(e?.message, 'f.hcl:2:5: function "file" failed: no such file missing');
});
