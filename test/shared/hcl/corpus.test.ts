import test from "ava";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { evaluate, parseHcl, stdlibFunctions, type Body } from "../../../shared/hcl/index.js";

// The compiled test lives in dist/test/shared/hcl/; the corpus sits next to the repository.
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const corpusDir = path.join(repoRoot, "..", "shared", "nomad-jobspecs");

function corpusFiles(): Array<{ name: string; source: string }> {
  if (!existsSync(corpusDir)) return [];
  return readdirSync(corpusDir)
    .filter((name) => name.endsWith(".hcl") || name.endsWith(".nomad"))
    .map((name) => ({ name, source: readFileSync(path.join(corpusDir, name), "utf8") }));
}

function* allBodies(body: Body): Generator<Body> {
  yield body;
  for (const block of body.blocks) yield* allBodies(block.body);
}

test("every jobspec in the corpus parses without a syntax error", (t) => {
  const files = corpusFiles();
  if (files.length === 0) return t.pass();
  const failures: string[] = [];
  for (const { name, source } of files) {
    try {
      parseHcl(source, name);
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  t.deepEqual(failures, []);
});

test("every attribute in the corpus evaluates, keeping runtime references and heredoc text", (t) => {
  const files = corpusFiles();
  if (files.length === 0) return t.pass();
  const ctx = { variables: {}, functions: stdlibFunctions() };
  const failures: string[] = [];
  let evaluated = 0;
  for (const { name, source } of files) {
    for (const body of allBodies(parseHcl(source, name))) {
      for (const attr of body.attributes) {
        try {
          evaluate(attr.expr, ctx);
          evaluated++;
        } catch (err) {
          failures.push(err instanceof Error ? err.message : String(err));
        }
      }
    }
  }
  t.deepEqual(failures, []);
  t.true(evaluated > 0);
});
