import test from "ava";
import { parseEnvFile, renderTemplate } from "../../../client/taskrunner/index.js";

test("plain text passes through and env reads the task's environment", (t) => {
  t.is(renderTemplate('port={{ env "PORT" }}\n{{/* note */}}x{{ "lit" }}', { env: { PORT: "8080" } }), "port=8080\nxlit");
});

test("trim markers eat the whitespace beside them", (t) => {
  t.is(renderTemplate('a  {{- env "X" -}}  \n b', { env: { X: "1" } }), "a1b");
});

test("custom delimiters are honoured", (t) => {
  t.is(renderTemplate('[[ env "X" ]] {{ not an action }}', { env: { X: "y" }, leftDelim: "[[", rightDelim: "]]" }), "y {{ not an action }}");
});

test("a missing variable renders empty unless error_on_missing_key is set", (t) => {
  t.is(renderTemplate('[{{ env "NOPE" }}]', { env: {} }), "[]");
  t.throws(() => renderTemplate('\n{{ env "NOPE" }}', { env: {}, errMissingKey: true }), { message: 'line 2: environment variable "NOPE" is not set' });
});

test("unsupported actions and unclosed actions are errors with a line number", (t) => {
  t.throws(() => renderTemplate('{{ key "a/b" }}', { env: {} }), { message: /^line 1: unsupported template action \{\{ key "a\/b" \}\}/ });
  t.throws(() => renderTemplate("x\n{{ env", { env: {} }), { message: 'line 2: unclosed action (no "}}")' });
});

test("env files: KEY=value lines, comments, export and quotes", (t) => {
  t.deepEqual(parseEnvFile('# c\nA=1\nexport B="two words"\n\nC=\'x=y\'\nbad line\n'), { A: "1", B: "two words", C: "x=y" });
});
