import test from "ava";
import { evaluate, parseExpression, parseHcl, sourceText, stdlibFunctions } from "../../../shared/hcl/index.js";
import { attribute, evalAttribute, evalExpr, show } from "./support.js";

test("quoted strings decode every escape sequence", (t) => {
  t.is(evalExpr(String.raw`"a\nb\rc\td\"e\\f"`), 'a\nb\rc\td"e\\f');
  t.is(evalExpr(String.raw`"\u00e9\U0001F600"`), "é😀");
  t.is(evalExpr('"$${literal} %%{also} $ % $x"'), "${literal} %{also} $ % $x");
});

test("interpolations are parsed as expressions inside the string", (t) => {
  t.is(show(parseExpression('"a-${b.c}-d"', "t")), '(tpl "a-" ${b.c} "-d")');
  t.is(show(parseExpression('"${ "inner ${x}" }"', "t")), '(tpl ${(tpl "inner " ${x})})');
  t.is(evalExpr('"n=${1 + 2}, ok=${true}, half=${0.5}"'), "n=3, ok=true, half=0.5");
});

test("a string that is only one interpolation keeps the type of its value", (t) => {
  t.is(evalExpr('"${var.n}"', { var: { n: 3 } }), 3);
  t.deepEqual(evalExpr('"${var.l}"', { var: { l: [1] } }), [1]);
  t.is(evalExpr('"${var.n}x"', { var: { n: 3 } }), "3x");
});

test("if and for directives render conditionally and repeatedly", (t) => {
  const vars = { var: { on: true, xs: ["a", "b"], m: { k1: 1, k2: 2 } } };
  t.is(evalExpr('"%{ if var.on }yes%{ else }no%{ endif }"', vars), "yes");
  t.is(evalExpr('"%{ if !var.on }yes%{ endif }"', vars), "");
  t.is(evalExpr('"%{ for x in var.xs }<${x}>%{ endfor }"', vars), "<a><b>");
  t.is(evalExpr('"%{ for k, v in var.m }${k}=${v};%{ endfor }"', vars), "k1=1;k2=2;");
});

test("strip markers remove whitespace and newlines next to the directive or interpolation", (t) => {
  t.is(evalExpr('"a  ${~ "b" ~}  c"'), "abc");
  const src = 'x = <<EOT\n%{ for s in ["a", "b"] ~}\n- ${s}\n%{ endfor ~}\nend\nEOT\n';
  t.is(evalAttribute(src, "x"), "- a\n- b\nend\n");
});

test("heredocs keep their lines as written, with the final newline", (t) => {
  t.is(evalAttribute("x = <<EOT\nline 1\n  line 2\nEOT\n", "x"), "line 1\n  line 2\n");
  t.is(evalAttribute("x = <<EOT\nEOT\n", "x"), "");
  t.is(evalAttribute("x = <<EOT\nno escapes \\n here ${1 + 1}\nEOT\n", "x"), "no escapes \\n here 2\n");
});

test("<<- heredocs strip the smallest common indentation and allow an indented closing marker", (t) => {
  const src = 'job {\n  x = <<-EOT\n      first\n        second\n\n      ${"third"}\n    EOT\n}\n';
  const job = parseHcl(src, "h.hcl").blocks[0];
  if (!job) return t.fail();
  const x = attribute(job.body, "x");
  t.is(evaluate(x.expr, { variables: {}, functions: stdlibFunctions() }), "first\n  second\n\nthird\n");
  t.true(sourceText(x.expr.range).endsWith("\n    EOT"));
});

test("a line starting with an interpolation counts as unindented in a <<- heredoc", (t) => {
  t.is(evalAttribute("x = <<-EOT\n    a\n${1}\n    EOT\n", "x"), "    a\n1\n");
});

test("an indented closing marker also ends a plain << heredoc", (t) => {
  t.is(evalAttribute("x = <<EOF\n  keep\n  EOF\ny = 2\n", "x"), "  keep\n");
});

test("Go templates in heredocs survive byte for byte", (t) => {
  const data = '{{ range service "redis" }}\nREDIS={{ .Address }}:{{ .Port }}\n{{ end }}\n{{- with secret "kv/x" -}}{{ .Data.pw }}{{- end }}\n';
  t.is(evalAttribute(`data = <<EOH\n${data}EOH\n`, "data"), data);
});

test("heredocs work as function arguments and tuple elements", (t) => {
  t.deepEqual(evalAttribute('x = [<<A\none\nA\n, trimspace(<<B\n  two\nB\n)]\n', "x"), ["one\n", "two"]);
});
