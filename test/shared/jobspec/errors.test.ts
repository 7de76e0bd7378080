// Broken jobspecs: each problem names file:line:col and the field path, all at once, and parsing
// never half-succeeds.

import test from "ava";
import { parseJobspec } from "../../../shared/jobspec/index.js";
import { UserError } from "../../../shared/errors.js";

function problems(source: string, vars: string[] = []): readonly string[] {
  try {
    parseJobspec(source, "web.hcl", { vars });
  } catch (err) {
    if (err instanceof UserError) return err.problems;
    throw err;
  }
  throw new Error("expected the jobspec to be rejected");
}

const job = (task: string, group = "") => `job "web" {
  group "web" {
${group}
    task "server" {
${task}
    }
  }
}
`;

const dockerTask = `      driver = "docker"
      config {
        image = "busybox:1.36"
      }
`;

test("a missing closing brace is a syntax error with file:line:col", (t) => {
  const [problem, ...rest] = problems(`job "web" {\n  group "web" {\n    count = 1\n`);
  t.is(rest.length, 0);
  t.regex(problem ?? "", /^web\.hcl:\d+:\d+: /);
});

test("an unknown block names its position, its path and the likely intended block", (t) => {
  const result = problems(job(dockerTask + `      resorces {\n        cpu = 100\n      }\n`));
  t.deepEqual(result, ['web.hcl:9:7: job "web" > group "web" > task "server": unknown block "resorces" (did you mean "resources"?)']);
});

test("count = -1 is rejected at the count attribute", (t) => {
  t.deepEqual(problems(job(dockerTask, "    count = -1")), ['web.hcl:3:13: job "web" > group "web" > count: count must be 0 or more']);
});

test("an unknown driver is rejected and the known drivers are listed", (t) => {
  const result = problems(job(`      driver = "dokker"\n`));
  t.is(result.length, 1);
  t.regex(result[0] ?? "", /^web\.hcl:5:16: job "web" > group "web" > task "server" > driver: unknown driver "dokker" \(this cluster runs docker, exec, raw_exec, mock\)$/);
});

test('memory = "lots" names the field path and what was expected', (t) => {
  const result = problems(job(dockerTask + `      resources {\n        memory = "lots"\n      }\n`));
  t.deepEqual(result, ['web.hcl:10:18: job "web" > group "web" > task "server" > resources > memory: expected a whole number, got "lots"']);
});

test("a duplicate task name points at the second definition", (t) => {
  const source = `job "web" {\n  group "web" {\n    task "a" {\n${dockerTask}    }\n    task "a" {\n${dockerTask}    }\n  }\n}\n`;
  t.deepEqual(problems(source), ['web.hcl:9:5: job "web" > group "web" > task "a": task "a" is defined twice in this group']);
});

test("an undefined variable names the reference's position", (t) => {
  const result = problems(job(`      driver = var.driver\n${dockerTask.replace(/.*driver.*\n/, "")}`));
  t.is(result.length, 1);
  t.regex(result[0] ?? "", /^web\.hcl:5:16: job "web" > group "web" > task "server" > driver: .*var\.driver/);
});

test("all problems of one file are reported together, in source order", (t) => {
  const source = `job "web" {
  priority = 500
  group "web" {
    count = -1
    task "server" {
      driver = "dokker"
      resources {
        memory = "lots"
        cpu = 0
      }
    }
  }
}
`;
  const result = problems(source);
  t.is(result.length, 5);
  t.deepEqual(result.map((p) => p.split(": ")[0]), ["web.hcl:2:14", "web.hcl:4:13", "web.hcl:6:16", "web.hcl:8:18", "web.hcl:9:15"]);
});

test("a missing required variable says how to give it", (t) => {
  const result = problems(`variable "image" {\n  type = string\n}\n${job(`      driver = "docker"\n      config {\n        image = var.image\n      }\n`)}`);
  t.deepEqual(result, ['web.hcl:1:1: variable "image": no value given: pass -var image=…, a -var-file, or set NOMAD_VAR_image']);
});

test("a -var of the wrong type and an undeclared -var are both reported", (t) => {
  const source = `variable "n" {\n  type = number\n}\n${job(dockerTask, "    count = var.n")}`;
  const result = problems(source, ["n=many", "m=1"]);
  t.is(result.length, 2);
  t.true(result.some((p) => /-var n: variable "n": expected number, got "many"/.test(p)));
  t.true(result.some((p) => /-var m sets variable "m", which the jobspec does not declare/.test(p)));
});

test("semantic problems that cross fields still get the nearest position", (t) => {
  const result = problems(job(dockerTask + `      resources {\n        memory = 256\n        memory_max = 128\n      }\n`));
  t.deepEqual(result, ['web.hcl:11:22: job "web" > group "web" > task "server" > resources > memory_max: memory_max must be at least memory']);
});

test("a user error message lists every problem on its own line", (t) => {
  const error = t.throws(() => parseJobspec(job(`      driver = "nope"\n`, "    count = -2"), "web.hcl"), { instanceOf: UserError });
  t.regex(error?.message ?? "", /^2 problems:\n {2}\* web\.hcl:3:13: .*count must be 0 or more\n {2}\* web\.hcl:5:16: .*unknown driver "nope"/);
});
