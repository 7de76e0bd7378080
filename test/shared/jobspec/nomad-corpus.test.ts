// Compatibility with real Nomad jobspecs (read from beside the project, never copied into it).

import test from "ava";
import { readdirSync } from "node:fs";
import path from "node:path";
import { loadJobspec } from "../../../shared/jobspec/index.js";
import type { Job } from "../../../shared/model/index.js";
import { hasNomadCorpus, nomadCorpus } from "../../paths.js";

/** Input variables some corpus files declare without defaults. */
const VARS: Record<string, string[]> = {
  "nomad__e2e__jobsubmissions__input__xyz.hcl": ["X=hello", "Y=42", "Z=true"],
};

const files = hasNomadCorpus ? readdirSync(nomadCorpus).filter((f) => f !== "SOURCES.txt").sort() : [];

function load(name: string): Job {
  return loadJobspec(path.join(nomadCorpus, name), { vars: VARS[name] ?? [] });
}

test("every jobspec of the Nomad corpus parses and validates", (t) => {
  if (!hasNomadCorpus) {
    t.pass("corpus not present on this machine");
    return;
  }
  t.true(files.length >= 20);
  for (const file of files) {
    t.notThrows(() => load(file), file);
  }
});

const corpusTest = hasNomadCorpus ? test : test.skip; // the corpus lives outside the repository

corpusTest("Nomad's example job: update, migrate, restart, service, disk and resources", (t) => {
  const job = load("nomad__command__asset__example.nomad.hcl");
  t.is(job.id, "example");
  t.is(job.type, "service");
  t.deepEqual(job.datacenters, ["*"]);
  const [group] = job.taskGroups;
  t.is(group?.name, "cache");
  t.is(group?.count, 1);
  t.deepEqual(group?.update, {
    staggerMs: 30_000, maxParallel: 1, healthCheck: "checks", minHealthyTimeMs: 10_000, healthyDeadlineMs: 180_000,
    progressDeadlineMs: 600_000, autoRevert: false, autoPromote: false, canary: 0,
  });
  t.deepEqual(group?.migrate, { maxParallel: 1, healthCheck: "checks", minHealthyTimeMs: 10_000, healthyDeadlineMs: 300_000 });
  t.deepEqual(group?.restartPolicy, { attempts: 2, intervalMs: 1_800_000, delayMs: 15_000, mode: "fail", renderTemplates: false });
  t.deepEqual(group?.ephemeralDisk, { sizeMb: 300, sticky: false, migrate: false });
  t.deepEqual(group?.networks[0]?.dynamicPorts, [{ label: "db", value: 0, to: 6379, hostNetwork: "default" }]);
  const [service] = group?.services ?? [];
  t.is(service?.name, "redis-cache");
  t.is(service?.provider, "nomad");
  t.is(service?.portLabel, "db");
  t.deepEqual(service?.tags, ["global", "cache"]);
  const task = group?.tasks[0];
  t.is(task?.name, "redis");
  t.is(task?.shutdownDelayMs, 10_000);
  t.is(task?.resources.cpuMhz, 500);
  t.is(task?.resources.memoryMb, 256);
  t.is(task?.config["auth_soft_fail"], true);
  t.deepEqual(task?.identities, [{ env: true, file: true }]);
  // The task inherits the group's restart policy.
  t.deepEqual(task?.restartPolicy, group?.restartPolicy);
});

corpusTest("canary auto-revert job: group update over defaults, restart and unlimited reschedule", (t) => {
  const job = load("nomad__e2e__rescheduling__input__rescheduling_canary_autorevert.nomad");
  t.deepEqual(job.datacenters, ["dc1", "dc2"]);
  t.deepEqual(job.constraints, [{ attribute: "${attr.kernel.name}", operator: "=", value: "linux" }]);
  const group = job.taskGroups[0];
  t.is(group?.count, 3);
  t.like(group?.update, { canary: 3, maxParallel: 1, minHealthyTimeMs: 1000, autoRevert: true, healthyDeadlineMs: 2000, progressDeadlineMs: 5000, staggerMs: 30_000 });
  t.deepEqual(group?.restartPolicy, { attempts: 0, intervalMs: 1_800_000, delayMs: 15_000, mode: "fail", renderTemplates: false });
  t.deepEqual(group?.reschedulePolicy, { attempts: 0, intervalMs: 0, delayMs: 30_000, delayFunction: "exponential", maxDelayMs: 3_600_000, unlimited: true });
  // No resources block: Nomad's task defaults.
  t.is(group?.tasks[0]?.resources.cpuMhz, 100);
  t.is(group?.tasks[0]?.resources.memoryMb, 300);
});

corpusTest("service check job: an http check and a runtime port interpolation kept for the client", (t) => {
  const job = load("nomad__e2e__servicediscovery__input__checks_happy.nomad");
  const group = job.taskGroups[0];
  t.is(group?.count, 1);
  t.deepEqual(group?.networks[0]?.dynamicPorts.map((p) => p.label), ["http"]);
  const check = group?.services[0]?.checks[0];
  t.like(check, { name: "http-server-check", type: "http", path: "/", intervalMs: 2000, timeoutMs: 1000 });
  t.deepEqual(group?.tasks[0]?.config["args"], ["-m", "http.server", "${NOMAD_PORT_http}"]);
});

corpusTest("getting-started web job: a static port and a template rendered to env", (t) => {
  const job = load("learn-nomad-getting-started__jobs__pytechco-web.nomad.hcl");
  const group = job.taskGroups[0];
  t.deepEqual(group?.networks[0]?.reservedPorts, [{ label: "web", value: 5000, to: 0, hostNetwork: "default" }]);
  const template = group?.tasks[0]?.templates[0];
  t.is(template?.destPath, "local/env.txt");
  t.true(template?.envvars);
  t.is(template?.changeMode, "restart");
  t.is(template?.splayMs, 5000);
  // Go template text survives byte for byte.
  t.true(template?.embeddedTmpl.startsWith('{{ range nomadService "redis-svc" }}\nREDIS_HOST={{ .Address }}\n'));
});

corpusTest("lifecycle job: prestart, sidecar and poststop tasks with heredoc templates", (t) => {
  const job = load("nomad__e2e__lifecycle__inputs__service.nomad");
  const tasks = job.taskGroups[0]?.tasks ?? [];
  t.deepEqual(tasks.map((task) => [task.name, task.lifecycle?.hook ?? "main", task.lifecycle?.sidecar ?? false]).slice(0, 3),
    [["init", "prestart", false], ["sidecar", "prestart", true], ["main", "main", false]]);
  const init = tasks[0];
  t.true(init?.templates[0]?.embeddedTmpl.includes("touch ${NOMAD_ALLOC_DIR}/init-ran\n"));
  t.is(init?.templates[0]?.destPath, "local/prestart.sh");
  t.deepEqual(init?.resources, { cpuMhz: 64, cores: 0, memoryMb: 64, memoryMaxMb: 0, diskMb: 0, networks: [], devices: [] });
});

corpusTest("variables job: -var values of each declared type are interpolated", (t) => {
  const job = load("nomad__e2e__jobsubmissions__input__xyz.hcl");
  t.is(job.type, "batch");
  t.deepEqual(job.taskGroups[0]?.tasks[0]?.config["args"], ["X hello, Y 42, Z true"]);
  t.deepEqual(job.taskGroups[0]?.tasks[0]?.resources.cpuMhz, 10);
});

corpusTest("periodic and parameterized batch jobs keep their schedule and payload rules", (t) => {
  const periodic = load("nomad__e2e__periodic__input__simple.nomad");
  t.true(periodic.periodic?.enabled);
  t.true(periodic.periodic?.specs.length === 1);
  t.is(periodic.periodic?.timeZone, "UTC");
  const parameterized = load("nomad__e2e__parameterized__input__simple.nomad");
  t.truthy(parameterized.parameterized);
});

corpusTest("GPU demo job: a device request with affinity, services with checks, artifacts", (t) => {
  const job = load("nomad__terraform__examples__tensorrt__tensorrt-demo.nomad");
  const devices = job.taskGroups.flatMap((g) => g.tasks.flatMap((task) => task.resources.devices));
  t.is(devices[0]?.name, "nvidia/gpu");
  t.true((devices[0]?.count ?? 0) >= 1);
  const services = job.taskGroups.flatMap((g) => g.tasks.flatMap((task) => task.services));
  t.true(services.length > 0);
  t.true(services.every((s) => s.checks.length === 0 || s.checks.every((c) => c.intervalMs >= 1000)));
  const artifacts = job.taskGroups.flatMap((g) => g.tasks.flatMap((task) => task.artifacts));
  t.true(artifacts.length > 0);
  t.true(artifacts.every((a) => a.source !== ""));
});
