// The architecture's import rules (DESIGN.md §2) are enforced by lint, not by convention.

import test from "ava";
import { ESLint } from "eslint";
import { repoPath, repoRoot } from "../paths.js";

const eslint = new ESLint({ cwd: repoRoot });

async function lint(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: repoPath(file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

test("server and client may not import each other", async (t) => {
  t.deepEqual(await lint("server/agent.ts", 'import { x } from "../client/agent.js";\nexport { x };\n'), [
    "nomadish/layer-imports: server/ may not import from client/ (allowed: shared, proto; see DESIGN.md §2)",
  ]);
  t.deepEqual(await lint("client/agent.ts", 'export * from "../server/agent.js";\n'), [
    "nomadish/layer-imports: client/ may not import from server/ (allowed: shared, proto; see DESIGN.md §2)",
  ]);
});

test("shared may import only proto, and proto nothing", async (t) => {
  t.is((await lint("shared/x/a.ts", 'import { y } from "../../cli/main.js";\nexport { y };\n')).length, 1);
  t.deepEqual(await lint("shared/x/a.ts", 'import { y } from "../../proto/index.js";\nexport { y };\n'), []);
  t.is((await lint("proto/a.ts", 'import { y } from "../shared/errors.js";\nexport { y };\n')).length, 1);
});

test("the cli reaches servers only through shared and proto", async (t) => {
  t.deepEqual(await lint("cli/a.ts", 'import { y } from "../shared/errors.js";\nexport { y };\n'), []);
  t.is((await lint("cli/a.ts", 'import { y } from "../server/agent.js";\nexport { y };\n')).length, 1);
});

test("pure cores read no clock, no randomness and do no I/O", async (t) => {
  const messages = await lint("server/raft/core/node.ts",
    'import { readFileSync } from "node:fs";\nexport const a = Date.now() + Math.random();\nsetTimeout(() => readFileSync("x"), 1);\n');
  t.is(messages.length, 4);
  t.true(messages.some((m) => m.startsWith("no-restricted-imports")));
  t.true(messages.some((m) => m.includes("injected clock")));
  t.true(messages.some((m) => m.includes("injected rng")));
  t.true(messages.some((m) => m.startsWith("no-restricted-globals")));
  const scheduler = await lint("server/scheduler/rank.ts", "export const now = Date.now();\n");
  t.is(scheduler.length, 1);
  t.regex(scheduler[0] ?? "", /^no-restricted-properties: .*injected clock/);
});

test("console output is for the cli, tests and benchmarks only", async (t) => {
  t.deepEqual(await lint("shared/a.ts", 'console.log("x");\n'), ["no-restricted-syntax: use the structured logger (console is for cli/, tests and benchmarks)"]);
  t.deepEqual(await lint("cli/a.ts", 'console.log("x");\n'), []);
});
