import test from "ava";
import { HclError, parseExpression, parseHcl } from "../../../shared/hcl/index.js";
import { errorAt } from "./support.js";

test("errors read file:line:col: detail and carry the range and detail separately", (t) => {
  const err = t.throws(() => parseHcl('job "x" {\n  a = 1 @\n}\n', "web.hcl"), { instanceOf: HclError });
  t.is(err?.message, 'web.hcl:2:9: invalid character "@"');
  t.is(err?.detail, 'invalid character "@"');
  t.is(err?.range.filename, "web.hcl");
  t.is(err?.range.start.line, 2);
});

const cases: Array<[title: string, source: string, expected: string]> = [
  ["unclosed block at the end of the file", 'job "x" {\n  group "g" {\n    count = 1\n  ', '4:3: expected "}" to close the block "group" opened at line 2'],
  ["stray closer inside a block", 'job "x" {\n  a = 1\n  ]\n}', '3:3: expected "}" to close the block "job" opened at line 1'],
  ["unterminated string", 'a = 1\nb = "abc\nc = 2', "2:5: unterminated string: missing the closing quote"],
  ["unterminated string at the end of the file", 'a = "abc', "1:5: unterminated string: missing the closing quote"],
  ["unterminated heredoc", 'x {\n  data = <<EOT\nhello\n', '2:10: unterminated heredoc: no closing "EOT" line'],
  ["heredoc marker followed by text", "a = <<EOF x\nEOF\n", '1:5: invalid heredoc: the line must end right after "<<EOF"'],
  ["attribute without a name", "a = 1\n  = 2\n", '2:3: unexpected "=" — an attribute needs a name'],
  ["invalid character", "a = 1 # ok\nb = $x\n", '2:5: invalid character "$"'],
  ["control character", "a = \u0007", "1:5: invalid character U+0007"],
  ["duplicate attribute", "a = 1\nb = 2\n  a = 3\n", '3:3: attribute "a" is already set at line 1; each attribute may be set only once'],
  ["two attributes on one line", "a = 1 b = 2\n", '1:7: expected a newline after the value of "a", found "b"'],
  ["text after a block", "a {\n} b = 1\n", '2:3: expected a newline after the block "a", found "b"'],
  ["missing value", "a =\nb = 2\n", "1:4: expected an expression, found a newline"],
  ["closing brace with no open block", "a = 1\n}\n", '2:1: unexpected "}" — there is no open block to close'],
  ["block without a body", 'job "x"\n', '1:8: expected "{" to open the block "job", found a newline'],
  ["bare word", "job\n", '1:4: expected "=" or "{" after "job", found a newline'],
  ["string at the start of an item", '"job" {}\n', "1:1: expected an attribute name or a block type, found a string"],
  ["interpolated label", 'job "${x}" {}\n', '1:5: block labels must be plain strings, without "${…}" or "%{…}"'],
  ["unclosed tuple", "a = [1, 2\n", '2:1: expected "]" to close the tuple opened at line 1'],
  ["unclosed tuple after a trailing comma", "a = [1,\n", '2:1: expected "]" to close the tuple opened at line 1'],
  ["missing comma in tuple", "a = [1 2]\n", '1:8: expected "," or "]" after a tuple element, found the number 2'],
  ["unclosed object", "a = {\n  b = 1\n", '3:1: expected "}" to close the object opened at line 1'],
  ["two object items on one line", "a = { b = 1 c = 2 }\n", '1:13: expected a newline or "," after the object item, found "c"'],
  ["object item without a separator", "a = { b 1 }\n", '1:9: expected "=" or ":" after the object key, found the number 1'],
  ["unclosed call", "a = max(1,\n  2\n", '3:1: expected ")" to close the call to "max" opened at line 1'],
  ["unclosed parenthesis", "a = (1 + 2\n", '2:1: expected ")" to close the "(" opened at line 1'],
  ["unclosed index", "a = b[1\n", '2:1: expected "]" to close the index opened at line 1'],
  ["missing colon in conditional", "a = x ? 1 2\n", '1:11: expected ":" between the two results of the conditional, found the number 2'],
  ["malformed for expression", "a = [for x y : x]\n", '1:12: expected "in" after the iteration variables, found "y"'],
  ["for object without an arrow", "a = {for k, v in m : k v}\n", '1:24: expected "=>" between the key and the value of the for expression, found "v"'],
  ["dot without a name", "a = b.\n", '1:7: expected an attribute name after ".", found a newline'],
  ["unclosed interpolation", 'a = "x ${y"\n', '1:11: expected "}" to close the interpolation opened at line 1, found a string'],
  ["unknown directive", 'a = "%{ when x }"\n', '1:9: expected a template directive: "if", "else", "endif", "for" or "endfor", found "when"'],
  ["if without endif", 'a = "%{ if x }y"\n', '1:6: "%{ if }" is never closed: expected "%{ endif }" before the end of the template'],
  ["endfor without for", 'a = "x%{ endfor }"\n', '1:7: unexpected "%{ endfor }" without a matching "%{ for }"'],
  ["else inside for", 'a = "%{ for x in y }%{ else }%{ endfor }"\n', '1:21: unexpected "%{ else }" without a matching "%{ if }"'],
  ["bad escape", 'a = "x\\qy"\n', '1:7: invalid escape sequence "\\q": use \\n, \\r, \\t, \\", \\\\, \\uNNNN or \\UNNNNNNNN'],
  ["bad unicode escape", 'a = "\\u12G4"\n', '1:6: invalid unicode escape "\\u12G4": expected 4 hex digits naming a character'],
  ["unterminated block comment", "a = 1\n/* open\n", '2:1: unterminated comment: no closing "*/"'],
  ["heredoc without a marker name", "a = <<\nx\n", '1:5: invalid heredoc: expected a marker name after "<<", like <<EOF'],
];

for (const [title, source, expected] of cases) {
  test(`syntax error: ${title}`, (t) => {
    t.is(errorAt(() => parseHcl(source, "e.hcl")), expected);
  });
}

test("parseExpression rejects trailing input and reports where it starts", (t) => {
  t.is(errorAt(() => parseExpression("1 + 2 3", "v")), "1:7: expected the end of the expression, found the number 3");
  t.is(errorAt(() => parseExpression("", "v")), "1:1: expected an expression, found the end of the file");
  t.notThrows(() => parseExpression("\n [1,\n 2]\n", "v"));
});
