// The nomadish binary, run as a user would: exit codes, help, and one clear line per error.

import test from "ava";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { repoPath } from "../paths.js";
import { nomadishProcess } from "../support/cli-process.js";

function nomadish(args: string[], cwd = repoPath()): Promise<{ code: number; stdout: string; stderr: string }> {
  return nomadishProcess(args, undefined, { NO_COLOR: "1" }, cwd);
}

test("version prints the package version", async (t) => {
  const { code, stdout } = await nomadish(["version"]);
  const manifest = JSON.parse(readFileSync(repoPath("package.json"), "utf8")) as { version: string };
  t.is(code, 0);
  t.true(stdout.startsWith(`nomadish v${manifest.version}\n`));
  t.is((await nomadish(["-version"])).stdout, stdout);
});

test("-h lists the command tree and exits 0", async (t) => {
  const { code, stdout } = await nomadish(["-h"]);
  t.is(code, 0);
  t.regex(stdout, /^Usage: nomadish \[-version\] \[-help\] <command> \[args\]/);
  t.regex(stdout, /\n {4}job {4,}Interact with jobs\n/);
  t.regex(stdout, /\n {4}version {4,}Print the nomadish version\n/);
});

test("a group's -h lists its subcommands; a command's -h shows usage and flags", async (t) => {
  const group = await nomadish(["job", "-h"]);
  t.is(group.code, 0);
  t.regex(group.stdout, /Usage: nomadish job <subcommand>/);
  t.regex(group.stdout, /\n {4}init {4,}Create an example job specification\n/);
  t.regex(group.stdout, /\n {4}validate {4,}Check a job specification/);
  const command = await nomadish(["job", "validate", "-h"]);
  t.is(command.code, 0);
  t.regex(command.stdout, /^Usage: nomadish job validate \[options\] <path>/);
  t.regex(command.stdout, /-var <key=value>/);
  t.regex(command.stdout, /-var-file <path>/);
});

test("an unknown command or flag exits 1 with a hint, no stack", async (t) => {
  const command = await nomadish(["jbo"]);
  t.is(command.code, 1);
  t.regex(command.stderr, /^Unknown command "jbo" \(did you mean "job"\?\)/);
  const flag = await nomadish(["job", "validate", "-bogus", "x.hcl"]);
  t.is(flag.code, 1);
  t.is(flag.stderr, 'Error: flag provided but not defined: -bogus (see "nomadish job validate -h")\n');
});

test("job validate accepts every shipped jobspec", async (t) => {
  for (const file of ["web.hcl", "exec.hcl", "batch.hcl", "system.hcl", "mixed-hardware.hcl", "gpu.hcl"]) {
    const { code, stdout } = await nomadish(["job", "validate", `jobspecs/${file}`]);
    t.is(code, 0, file);
    t.is(stdout, "Job validation successful\n");
  }
});

test("job validate reports every problem with file:line:col and exits 1", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "cli-"));
  writeFileSync(path.join(dir, "bad.hcl"), `job "web" {
  group "web" {
    count = -1
    task "server" {
      driver = "docker"
      config {
        image = "busybox:1.36"
      }
      resources {
        memory = "lots"
      }
    }
  }
}
`);
  const { code, stdout, stderr } = await nomadish(["job", "validate", "bad.hcl"], dir);
  t.is(code, 1);
  t.is(stdout, "");
  t.is(stderr, `Error: 2 problems:
  * bad.hcl:3:13: job "web" > group "web" > count: count must be 0 or more
  * bad.hcl:10:18: job "web" > group "web" > task "server" > resources > memory: expected a whole number, got "lots"
`);
});

test("job validate takes -var and -var-file", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "cli-"));
  writeFileSync(path.join(dir, "job.hcl"), `variable "image" {
  type = string
}
variable "n" {
  type = number
}
job "web" {
  group "web" {
    count = var.n
    task "server" {
      driver = "docker"
      config {
        image = var.image
      }
    }
  }
}
`);
  writeFileSync(path.join(dir, "vars.hcl"), "n = 2\n");
  t.is((await nomadish(["job", "validate", "-var", "image=busybox:1.36", "-var-file", "vars.hcl", "job.hcl"], dir)).code, 0);
  t.is((await nomadish(["job", "validate", "-var=image=busybox:1.36", "-var=n=3", "job.hcl"], dir)).code, 0);
  const missing = await nomadish(["job", "validate", "job.hcl"], dir);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /job\.hcl:1:1: variable "image": no value given/);
});

test("job validate on a missing file is one clear line", async (t) => {
  const { code, stderr } = await nomadish(["job", "validate", "nope.hcl"]);
  t.is(code, 1);
  t.regex(stderr, /^Error: cannot read jobspec .*nope\.hcl: no such file\n$/);
});

test("job init writes a valid example and refuses to overwrite it", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "cli-"));
  const first = await nomadish(["job", "init"], dir);
  t.is(first.code, 0);
  t.is(first.stdout, "Example job file written to example.nomad.hcl\n");
  t.is((await nomadish(["job", "validate", "example.nomad.hcl"], dir)).code, 0);
  const again = await nomadish(["job", "init"], dir);
  t.is(again.code, 1);
  t.is(again.stderr, "Error: Job 'example.nomad.hcl' already exists\n");
  t.is((await nomadish(["job", "init", "-short", "short.hcl"], dir)).code, 0);
  t.is((await nomadish(["job", "validate", "short.hcl"], dir)).code, 0);
});
