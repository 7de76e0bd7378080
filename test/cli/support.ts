// Running CLI commands in-process, as a user would type them, in a scratch folder of their own.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { main } from "../../cli/main.js";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export class CliWorkspace {
  readonly dir: string;

  /** `addresses` is read at each run: the cluster may start after the workspace is made. */
  constructor(prefix: string, private readonly addresses: () => readonly string[]) {
    this.dir = mkdtempSync(path.join(tmpdir(), prefix));
  }

  /** Runs `nomadish <args>` with NOMADISH_ADDR set to the cluster; captures output and exit code. */
  async run(...args: string[]): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const env = { NOMADISH_ADDR: this.addresses().join(",") };
    const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), cwd: this.dir, env });
    return { code, stdout, stderr };
  }

  /** A jobspec in the folder: `count` mock tasks of 500 MHz / 256 MB, plus any extra HCL. */
  jobspec(id: string, count: number, extra = ""): string {
    const file = `${id}.hcl`;
    writeFileSync(path.join(this.dir, file), `job "${id}" {
  datacenters = ["*"]
${extra}
  group "app" {
    count = ${count}
    task "server" {
      driver = "mock"
      resources {
        cpu    = 500
        memory = 256
      }
    }
  }
}
`);
    return file;
  }
}
