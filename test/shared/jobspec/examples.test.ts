import test from "ava";
import { readdirSync } from "node:fs";
import { loadJobspec } from "../../../shared/jobspec/index.js";
import { repoPath } from "../../paths.js";

const jobspecs = readdirSync(repoPath("jobspecs")).filter((f) => f.endsWith(".hcl"));

test("the project ships the example jobspecs the docs and tests rely on", (t) => {
  t.deepEqual(jobspecs.sort(), ["batch.hcl", "exec.hcl", "gpu.hcl", "mixed-hardware.hcl", "system.hcl", "web.hcl"]);
});

for (const file of jobspecs) {
  test(`jobspecs/${file} is a valid jobspec`, (t) => {
    const job = loadJobspec(repoPath("jobspecs", file));
    t.true(job.taskGroups.length > 0);
  });
}

test("web.hcl runs three busybox httpd servers with a dynamic port mapped to 8080", (t) => {
  const job = loadJobspec(repoPath("jobspecs", "web.hcl"));
  const [group] = job.taskGroups;
  t.is(group?.count, 3);
  t.deepEqual(group?.networks[0]?.dynamicPorts, [{ label: "http", value: 0, to: 8080, hostNetwork: "default" }]);
  const task = group?.tasks[0];
  t.is(task?.driver, "docker");
  t.is(task?.config["image"], "busybox:1.36");
  t.deepEqual(task?.config["ports"], ["http"]);
  t.regex(String((task?.config["args"] as string[])[1]), /httpd -f -p 8080/);
  // The node name is a runtime interpolation, left for the client to fill in.
  t.regex(String((task?.config["args"] as string[])[1]), /\$\{node\.unique\.name\}/);
});

test("mixed-hardware.hcl constrains arch, memory and meta.class, with an affinity and a spread", (t) => {
  const job = loadJobspec(repoPath("jobspecs", "mixed-hardware.hcl"));
  const api = job.taskGroups.find((g) => g.name === "api");
  t.deepEqual(api?.constraints.map((c) => c.attribute), ["${attr.cpu.arch}", "${attr.memory.totalbytes}", "${meta.class}"]);
  t.deepEqual(api?.constraints[1], { attribute: "${attr.memory.totalbytes}", operator: ">=", value: "1073741824" });
  t.is(api?.affinities[0]?.weight, 60);
  t.is(api?.spreads[0]?.attribute, "${node.datacenter}");
  const edge = job.taskGroups.find((g) => g.name === "edge-cache");
  t.deepEqual(edge?.constraints[0], { attribute: "${attr.cpu.arch}", operator: "=", value: "arm64" });
});

test("gpu.hcl asks for one nvidia/gpu with a memory constraint and a model affinity", (t) => {
  const job = loadJobspec(repoPath("jobspecs", "gpu.hcl"));
  const device = job.taskGroups[0]?.tasks[0]?.resources.devices[0];
  t.is(device?.name, "nvidia/gpu");
  t.is(device?.count, 1);
  t.deepEqual(device?.constraints, [{ attribute: "${device.attr.memory}", operator: ">=", value: "8 GiB" }]);
  t.is(device?.affinities[0]?.operator, "regexp");
});

test("batch.hcl and system.hcl get their job types' defaults", (t) => {
  const batch = loadJobspec(repoPath("jobspecs", "batch.hcl"));
  t.is(batch.type, "batch");
  t.deepEqual(batch.taskGroups[0]?.restartPolicy, { attempts: 3, intervalMs: 86_400_000, delayMs: 15_000, mode: "fail", renderTemplates: false });
  t.is(batch.taskGroups[0]?.reschedulePolicy?.attempts, 1);
  t.is(batch.taskGroups[0]?.update, undefined);
  const system = loadJobspec(repoPath("jobspecs", "system.hcl"));
  t.is(system.type, "system");
  t.is(system.taskGroups[0]?.reschedulePolicy, undefined);
  t.is(system.taskGroups[0]?.count, 1);
});
