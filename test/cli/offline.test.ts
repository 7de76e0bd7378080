// The job, node, eval and alloc commands where no server answers: jobspec errors stop them
// before anything is sent, an unreachable server is one clear line, and `job plan` keeps its
// own exit code (255) for errors.

import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { main } from "../../cli/main.js";
import { freePort } from "../support/cluster.js";

const dir = mkdtempSync(path.join(tmpdir(), "cli-offline-"));
writeFileSync(path.join(dir, "bad.hcl"), 'job "web" {\n  group "web" {\n    count = "many"\n    task "t" {\n      driver = "mock"\n    }\n  }\n}\n');
writeFileSync(path.join(dir, "good.hcl"), 'job "web" {\n  group "web" {\n    task "t" {\n      driver = "mock"\n    }\n  }\n}\n');

async function nomadish(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  // A port nothing listens on.
  const env = { NOMADISH_ADDR: `127.0.0.1:${await freePort()}` };
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), cwd: dir, env });
  return { code, stdout, stderr };
}

test("job run reports jobspec errors with file:line:col and exits 1 without calling a server", async (t) => {
  const run = await nomadish("job", "run", "bad.hcl");
  t.is(run.code, 1);
  t.is(run.stdout, "");
  t.is(run.stderr, 'Error: bad.hcl:3:13: job "web" > group "web" > count: expected a whole number, got "many"\n');
});

test("no reachable server is one line and exit 1", async (t) => {
  for (const args of [["job", "run", "good.hcl"], ["job", "status"], ["node", "status"], ["eval", "list"], ["alloc", "status", "abcd"]]) {
    const run = await nomadish(...args);
    t.is(run.code, 1, args.join(" "));
    t.regex(run.stderr, /^Error: no server reachable at 127\.0\.0\.1:\d+\n$/, args.join(" "));
  }
});

test("job plan exits 255 on any error, jobspec errors included", async (t) => {
  const bad = await nomadish("job", "plan", "bad.hcl");
  t.is(bad.code, 255);
  t.regex(bad.stderr, /^Error: bad\.hcl:3:13: /);
  const unreachable = await nomadish("job", "plan", "good.hcl");
  t.is(unreachable.code, 255);
  t.regex(unreachable.stderr, /^Error: no server reachable/);
});

test("wrong arguments and contradictory flags are user errors, caught before any request", async (t) => {
  const cases: [string[], string][] = [
    [["job", "run"], "Error: This command takes one argument: <path>\n"],
    [["job", "status", "a", "b"], "Error: This command takes at most one argument: [job]\n"],
    [["node", "drain", "abcd"], "Error: Either the '-enable' or '-disable' flag must be set\n"],
    [["node", "drain", "-enable", "-force", "-no-deadline", "abcd"], "Error: only one of -deadline, -force and -no-deadline may be given\n"],
    [["node", "drain", "-enable", "-deadline", "soon", "abcd"], 'Error: -deadline must be a positive duration such as "30m", not "soon"\n'],
    [["node", "eligibility", "-enable", "-disable", "abcd"], "Error: Either the '-enable' or '-disable' flag must be set\n"],
    [["eval", "list", "-status", "done"], 'Error: -status must be one of blocked, pending, complete, failed, canceled, not "done"\n'],
    [["job", "run", "-check-index", "x", "good.hcl"], 'Error: -check-index must be a whole number, not "x"\n'],
    [["alloc", "status", "a"], "Error: Identifier must contain at least two characters.\n"],
  ];
  for (const [args, stderr] of cases) {
    const run = await nomadish(...args);
    t.is(run.code, 1, args.join(" "));
    t.is(run.stderr, stderr, args.join(" "));
  }
});

test("every new group lists its commands and every command has help", async (t) => {
  const groups: Record<string, string[]> = {
    job: ["allocs", "history", "inspect", "plan", "run", "scale", "status", "stop"],
    node: ["drain", "eligibility", "status"],
    eval: ["list", "status"],
    alloc: ["restart", "status", "stop"],
  };
  for (const [group, commands] of Object.entries(groups)) {
    const help = await nomadish(group, "-h");
    t.is(help.code, 0);
    for (const command of commands) {
      t.regex(help.stdout, new RegExp(`\n {4}${command} {2,}\\S`), `${group} ${command}`);
      const own = await nomadish(group, command, "-h");
      t.is(own.code, 0);
      t.regex(own.stdout, new RegExp(`^Usage: nomadish ${group} ${command} \\[options\\]`), `${group} ${command}`);
      t.regex(own.stdout, /-address <host:port,…>/);
    }
  }
});

test("every command accepts -no-color, as in Nomad", async (t) => {
  const { code, stdout } = await nomadish("version", "-no-color");
  t.is(code, 0);
  t.regex(stdout, /nomadish v/);
});
