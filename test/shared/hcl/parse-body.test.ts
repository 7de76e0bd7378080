import test from "ava";
import { formatRange, parseHcl, sourceText, type Range } from "../../../shared/hcl/index.js";
import { attribute } from "./support.js";

const at = (r: Range): string => `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;

const jobspec = `# a job
job "web" {
  datacenters = ["dc1"]   // trailing comment
  /* block
     comment */
  group "api" {
    count = 2
    network {
      port "http" {}
      port "grpc" { static = 9090 }
    }
  }
  type = "service"
}
`;

test("attributes and blocks keep source order, labels and nesting", (t) => {
  const body = parseHcl(jobspec, "web.hcl");
  t.is(body.attributes.length, 0);
  const job = body.blocks[0];
  t.truthy(job);
  if (!job) return;
  t.is(job.type, "job");
  t.deepEqual(job.labels, ["web"]);
  t.deepEqual(job.body.attributes.map((a) => a.name), ["datacenters", "type"]);
  const group = job.body.blocks[0];
  t.is(group?.type, "group");
  t.deepEqual(group?.labels, ["api"]);
  const ports = group?.body.blocks[0]?.body.blocks ?? [];
  t.deepEqual(ports.map((p) => [p.type, p.labels[0], p.body.attributes.map((a) => a.name)]), [
    ["port", "http", []],
    ["port", "grpc", ["static"]],
  ]);
});

test("every attribute and block records where its name, labels and whole extent are", (t) => {
  const body = parseHcl(jobspec, "web.hcl");
  const job = body.blocks[0];
  if (!job) return t.fail();
  t.is(at(job.typeRange), "2:1-2:4");
  t.is(at(job.labelRanges[0] as Range), "2:5-2:10");
  t.is(at(job.range), "2:1-14:2");
  const dc = attribute(job.body, "datacenters");
  t.is(at(dc.nameRange), "3:3-3:14");
  t.is(at(dc.range), "3:3-3:24");
  t.is(at(dc.expr.range), "3:17-3:24");
  t.is(formatRange(dc.range), "web.hcl:3:3");
  const count = attribute(job.body.blocks[0]?.body ?? body, "count");
  t.is(at(count.nameRange), "7:5-7:10");
});

test("sourceText recovers the original text of any node without being given the source", (t) => {
  const body = parseHcl('x = upper( "a" )  # note\n', "s.hcl");
  const x = attribute(body, "x");
  t.is(sourceText(x.expr.range), 'upper( "a" )');
  t.is(sourceText(x.range), 'x = upper( "a" )');
  const handMade: Range = { filename: "h", start: { line: 1, column: 2, offset: 1 }, end: { line: 1, column: 4, offset: 3 } };
  t.is(sourceText(handMade, "abcdef"), "bc");
  t.throws(() => sourceText(handMade));
});

test("ranges look like plain filename/start/end objects to JSON and to deep equality", (t) => {
  const x = attribute(parseHcl("x = 1\n", "s.hcl"), "x");
  const plain = { filename: "s.hcl", start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 2, offset: 1 } };
  t.deepEqual(x.nameRange, plain);
  t.deepEqual(JSON.parse(JSON.stringify(x.nameRange)), plain);
});

test("one-line blocks, empty blocks, identifier labels and a missing final newline are accepted", (t) => {
  const body = parseHcl('a { b = 1 }\nc ident "q" {}\nd {\n}\ne = 5', "f.hcl");
  t.deepEqual(body.blocks.map((b) => [b.type, b.labels, b.body.attributes.length]), [
    ["a", [], 1],
    ["c", ["ident", "q"], 0],
    ["d", [], 0],
  ]);
  t.deepEqual(body.attributes.map((a) => a.name), ["e"]);
});

test("identifiers may contain dashes, and CRLF line endings and a byte-order mark are tolerated", (t) => {
  const body = parseHcl("\uFEFFmax-parallel = 1\r\nnext_one = 2\r\n", "crlf.hcl");
  t.deepEqual(body.attributes.map((a) => a.name), ["max-parallel", "next_one"]);
  t.is(attribute(body, "next_one").nameRange.start.line, 2);
});

test("columns count characters, so a surrogate pair advances the column by one", (t) => {
  const err = t.throws(() => parseHcl('a = "😀😀" @', "u.hcl"));
  t.is(err?.message, 'u.hcl:1:10: invalid character "@"');
  const x = attribute(parseHcl('x = "😀"\ny = 1', "u.hcl"), "x");
  t.is(x.expr.range.end.column, 8);
  t.is(x.expr.range.end.offset, 8);
});

test("an empty file or one with only comments has an empty body", (t) => {
  t.deepEqual(parseHcl("", "e.hcl").attributes, []);
  const body = parseHcl("# nothing\n// here\n/* at all */", "e.hcl");
  t.is(body.blocks.length + body.attributes.length, 0);
});
