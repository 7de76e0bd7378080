// Jobspec features: variables from every source, locals, functions, runtime interpolation and
// Nomad's canonical defaults.

import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadJobspec, parseJobspec } from "../../../shared/jobspec/index.js";

const minimal = `job "api" {
  group "api" {
    task "api" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
`;

test("an unadorned job gets Nomad's defaults", (t) => {
  const job = parseJobspec(minimal, "api.hcl");
  t.like(job, { id: "api", name: "api", namespace: "default", region: "global", type: "service", priority: 50, nodePool: "default", allAtOnce: false });
  t.deepEqual(job.datacenters, ["*"]);
  const group = job.taskGroups[0];
  t.is(group?.count, 1);
  t.deepEqual(group?.restartPolicy, { attempts: 2, intervalMs: 1_800_000, delayMs: 15_000, mode: "fail", renderTemplates: false });
  t.deepEqual(group?.reschedulePolicy, { attempts: 0, intervalMs: 0, delayMs: 30_000, delayFunction: "exponential", maxDelayMs: 3_600_000, unlimited: true });
  t.like(group?.update, { maxParallel: 1, staggerMs: 30_000, healthCheck: "checks", minHealthyTimeMs: 10_000 });
  t.deepEqual(group?.ephemeralDisk, { sizeMb: 300, sticky: false, migrate: false });
  const task = group?.tasks[0];
  t.like(task?.resources, { cpuMhz: 100, memoryMb: 300 });
  t.is(task?.killTimeoutMs, 5000);
  t.deepEqual(task?.logConfig, { maxFiles: 10, maxFileSizeMb: 10, disabled: false });
});

test("job update merges into groups and a group's own fields win", (t) => {
  const job = parseJobspec(`job "api" {
  update {
    max_parallel = 2
    canary       = 1
  }
  group "a" {
    update {
      canary = 3
    }
    task "t" {
      driver = "exec"
      config { command = "/bin/true" }
      restart {
        attempts = 5
      }
    }
    restart {
      delay = "1s"
    }
  }
}
`, "api.hcl");
  t.like(job.taskGroups[0]?.update, { maxParallel: 2, canary: 3, staggerMs: 30_000 });
  t.like(job.update, { maxParallel: 2, canary: 1 });
  t.like(job.taskGroups[0]?.restartPolicy, { attempts: 2, delayMs: 1000 });
  t.like(job.taskGroups[0]?.tasks[0]?.restartPolicy, { attempts: 5, delayMs: 1000, intervalMs: 1_800_000 });
});

test("variables come from defaults, NOMAD_VAR_*, var files and -var, later sources winning", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "jobspec-"));
  const spec = path.join(dir, "job.hcl");
  writeFileSync(spec, `variable "image" {
  type    = string
  default = "busybox:1.35"
}
variable "count" {
  type    = number
  default = 1
}
variable "dcs" {
  type    = list(string)
  default = ["dc1"]
}
variable "tag" {
  default = "none"
}
job "web" {
  datacenters = var.dcs
  group "web" {
    count = var.count
    task "server" {
      driver = "docker"
      config {
        image = var.image
        args  = ["\${var.tag}"]
      }
    }
  }
}
`);
  const varFile = path.join(dir, "prod.vars.hcl");
  writeFileSync(varFile, `count = 4\ndcs = ["east", "west"]\n`);
  const job = loadJobspec(spec, {
    env: { NOMAD_VAR_image: "busybox:1.36", NOMAD_VAR_count: "2", NOMAD_VAR_unrelated: "x" },
    varFiles: [varFile],
    vars: ["count=5", "tag=v2"],
  });
  t.is(job.taskGroups[0]?.tasks[0]?.config["image"], "busybox:1.36");
  t.is(job.taskGroups[0]?.count, 5);
  t.deepEqual(job.datacenters, ["east", "west"]);
  t.deepEqual(job.taskGroups[0]?.tasks[0]?.config["args"], ["v2"]);
});

test("locals may refer to variables and to each other in any order", (t) => {
  const job = parseJobspec(`variable "env" {
  default = "prod"
}
locals {
  full = "\${local.prefix}-\${var.env}"
  prefix = upper("web")
}
job "web" {
  meta {
    name = local.full
  }
  group "web" {
    task "t" {
      driver = "exec"
      config { command = "/bin/true" }
    }
  }
}
`, "web.hcl");
  t.deepEqual(job.meta, { name: "WEB-prod" });
});

test("functions real jobspecs use are evaluated at parse time", (t) => {
  const job = parseJobspec(`locals {
  parts = ["a", "b"]
}
job "web" {
  meta {
    f = format("%s-%03d", "web", 7)
    j = join(",", concat(local.parts, ["c"]))
    c = coalesce("", "fallback")
    l = lower("ABC")
  }
  group "web" {
    task "t" {
      driver = "exec"
      config { command = "/bin/true" }
    }
  }
}
`, "web.hcl");
  t.deepEqual(job.meta, { f: "web-007", j: "a,b,c", c: "fallback", l: "abc" });
});

test("file() reads relative to the jobspec", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "jobspec-"));
  writeFileSync(path.join(dir, "script.sh"), "echo hi\n");
  writeFileSync(path.join(dir, "job.hcl"), `job "web" {
  group "web" {
    task "t" {
      driver = "exec"
      config { command = "/bin/sh" }
      template {
        data        = file("script.sh")
        destination = "local/script.sh"
      }
    }
  }
}
`);
  const job = loadJobspec(path.join(dir, "job.hcl"));
  t.is(job.taskGroups[0]?.tasks[0]?.templates[0]?.embeddedTmpl, "echo hi\n");
});

test("runtime interpolations are kept for the client, in strings and as bare references", (t) => {
  const job = parseJobspec(`job "web" {
  constraint {
    attribute = attr.kernel.name
    value     = "linux"
  }
  group "web" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/echo"
        args    = ["\${NOMAD_ALLOC_ID}", "\${meta.rack}-\${node.unique.name}", "\${env["HOME"]}"]
      }
    }
  }
}
`, "web.hcl");
  t.deepEqual(job.constraints[0], { attribute: "${attr.kernel.name}", operator: "=", value: "linux" });
  t.deepEqual(job.taskGroups[0]?.tasks[0]?.config["args"], ["${NOMAD_ALLOC_ID}", "${meta.rack}-${node.unique.name}", '${env["HOME"]}']);
});

test("constraint shorthands become operators", (t) => {
  const job = parseJobspec(`job "web" {
  constraint {
    distinct_hosts = true
  }
  constraint {
    attribute = "\${attr.nomad.version}"
    version   = ">= 1.2"
  }
  constraint {
    distinct_property = "\${meta.rack}"
    value             = "2"
  }
  group "web" {
    task "t" {
      driver = "exec"
      config { command = "/bin/true" }
    }
  }
}
`, "web.hcl");
  t.deepEqual(job.constraints, [
    { attribute: "", operator: "distinct_hosts", value: "" },
    { attribute: "${attr.nomad.version}", operator: "version", value: ">= 1.2" },
    { attribute: "${meta.rack}", operator: "distinct_property", value: "2" },
  ]);
});

test("unnamed services get Nomad's job-group-task names", (t) => {
  const job = parseJobspec(`job "shop" {
  group "api" {
    network {
      port "http" {}
    }
    service {
      port = "http"
    }
    task "server" {
      driver = "exec"
      config { command = "/bin/true" }
      service {
        name = "\${TASK}-metrics"
      }
    }
  }
}
`, "shop.hcl");
  t.is(job.taskGroups[0]?.services[0]?.name, "shop-api");
  t.is(job.taskGroups[0]?.tasks[0]?.services[0]?.name, "server-metrics");
});
