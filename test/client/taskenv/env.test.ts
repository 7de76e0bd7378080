import path from "node:path";
import test from "ava";
import { buildTaskEnv, cpusetList, interpolateDeep, lookupIn, taskDirsAsSeenBy } from "../../../client/taskenv/index.js";
import { allocFor, mockTask, testNode } from "../taskrunner/fixtures.js";

const dirs = { allocDir: "/alloc", taskDir: "/local", secretsDir: "/secrets" };

function envFor(overrides: Parameters<typeof mockTask>[2] = {}, templateEnv?: Record<string, string>) {
  const task = mockTask("api", {}, { meta: { owner: "task-team", tier: "gold" }, ...overrides });
  const alloc = allocFor([task], {
    job: { meta: { owner: "job-team", "build-id": "42" }, region: "europe", namespace: "prod" },
    group: { meta: { tier: "silver", zone: "a" } },
    alloc: {
      id: "0a1b2c3d-1111-2222-3333-444455556666",
      namespace: "prod",
      allocatedResources: {
        tasks: { api: { cpuMhz: 1200, reservedCores: [0, 1, 2, 5], memoryMb: 512, memoryMaxMb: 1024, devices: [] } },
        diskMb: 300,
        ports: [
          { label: "http", value: 23456, to: 8080, hostIp: "10.0.0.7" },
          { label: "admin", value: 9000, to: 0, hostIp: "10.0.0.7" },
        ],
      },
    },
  });
  return buildTaskEnv({ alloc, task, node: testNode, region: "europe", dirs, ...(templateEnv ? { templateEnv } : {}) });
}

test("the task gets Nomad's NOMAD_* variables for its allocation, job, group, node and resources", (t) => {
  t.like(envFor().env, {
    NOMAD_ALLOC_ID: "0a1b2c3d-1111-2222-3333-444455556666",
    NOMAD_SHORT_ALLOC_ID: "0a1b2c3d",
    NOMAD_ALLOC_NAME: "web.web[3]",
    NOMAD_ALLOC_INDEX: "3",
    NOMAD_JOB_ID: "web",
    NOMAD_JOB_NAME: "web",
    NOMAD_GROUP_NAME: "web",
    NOMAD_TASK_NAME: "api",
    NOMAD_NAMESPACE: "prod",
    NOMAD_REGION: "europe",
    NOMAD_DC: "dc2",
    NOMAD_CPU_LIMIT: "1200",
    NOMAD_CPU_CORES: "0-2,5",
    NOMAD_MEMORY_LIMIT: "512",
    NOMAD_MEMORY_MAX_LIMIT: "1024",
    NOMAD_ALLOC_DIR: "/alloc",
    NOMAD_TASK_DIR: "/local",
    NOMAD_SECRETS_DIR: "/secrets",
  });
});

test("ports: the task binds NOMAD_PORT (the mapped port when `to` is set); the host side is in NOMAD_HOST_*", (t) => {
  t.like(envFor().env, {
    NOMAD_PORT_http: "8080",
    NOMAD_IP_http: "10.0.0.7",
    NOMAD_ADDR_http: "10.0.0.7:23456",
    NOMAD_HOST_PORT_http: "23456",
    NOMAD_HOST_IP_http: "10.0.0.7",
    NOMAD_HOST_ADDR_http: "10.0.0.7:23456",
    NOMAD_PORT_admin: "9000",
    NOMAD_ADDR_admin: "10.0.0.7:9000",
  });
});

test("meta from job, group and task is merged (task wins) and exposed as written and upper-cased", (t) => {
  t.like(envFor().env, {
    NOMAD_META_owner: "task-team", NOMAD_META_OWNER: "task-team",
    NOMAD_META_tier: "gold", NOMAD_META_zone: "a", NOMAD_META_ZONE: "a", "NOMAD_META_BUILD-ID": "42",
  });
});

test("optional variables are absent when there is nothing to say", (t) => {
  const task = mockTask("plain");
  const env = buildTaskEnv({ alloc: allocFor([task]), task, node: testNode, region: "global", dirs }).env;
  t.false("NOMAD_CPU_CORES" in env);
  t.false("NOMAD_MEMORY_MAX_LIMIT" in env);
});

test("env values interpolate node attributes, node meta, node identity and NOMAD_* variables", (t) => {
  const env = envFor({
    env: {
      ARCH: "${attr.cpu.arch}",
      RACK: "${meta.rack}",
      INDEX: "${NOMAD_ALLOC_INDEX}",
      WHO: "${node.unique.name}/${node.unique.id}/${node.datacenter}/${node.class}/${node.region}/${node.pool}",
      SPACED: "${ attr.kernel.name }",
      UNKNOWN: "${attr.nope} and ${whatever.thing}",
    },
  }).env;
  t.like(env, {
    ARCH: "arm64", RACK: "r7", INDEX: "3", WHO: "client-1/node-1/dc2/gpu/europe/edge", SPACED: "linux",
    UNKNOWN: "${attr.nope} and ${whatever.thing}",
  });
});

test("the env block overrides NOMAD_* variables, and template env overrides the env block", (t) => {
  const env = envFor({ env: { NOMAD_DC: "mine", FROM_TEMPLATE: "env block" } }, { FROM_TEMPLATE: "template" }).env;
  t.is(env["NOMAD_DC"], "mine");
  t.is(env["FROM_TEMPLATE"], "template");
});

test("driver config is interpolated deeply, strings only; ${env.X} reads the task's environment", (t) => {
  const taskEnv = envFor({ env: { IMAGE_TAG: "v2" } });
  const config = {
    image: "app:${env.IMAGE_TAG}",
    args: ["--index", "${NOMAD_ALLOC_INDEX}", "--arch=${attr.cpu.arch}", 7, true],
    ports: ["http"],
    nested: { deep: [{ key: '${env["IMAGE_TAG"]}-${meta.rack}' }], count: 3, none: null },
    "${NOMAD_TASK_NAME}": "keys are kept",
  };
  t.deepEqual(taskEnv.interpolateDeep(config), {
    image: "app:v2",
    args: ["--index", "3", "--arch=arm64", 7, true],
    ports: ["http"],
    nested: { deep: [{ key: "v2-r7" }], count: 3, none: null },
    "${NOMAD_TASK_NAME}": "keys are kept",
  });
  t.is(taskEnv.interpolate("${NOMAD_TASK_NAME}"), "api");
});

test("interpolateDeep leaves values without references untouched", (t) => {
  const lookup = lookupIn({}, {});
  t.deepEqual(interpolateDeep({ a: "$x {y}", b: "${}" }, lookup), { a: "$x {y}", b: "${}" });
});

test("an isolated task sees /alloc, /local and /secrets; an unisolated one sees host paths", (t) => {
  t.deepEqual(taskDirsAsSeenBy("chroot", "/data/alloc/a1/alloc", "/data/alloc/a1/web"), dirs);
  t.deepEqual(taskDirsAsSeenBy("none", "/data/alloc/a1/alloc", "/data/alloc/a1/web"), {
    allocDir: "/data/alloc/a1/alloc", taskDir: path.join("/data/alloc/a1/web", "local"), secretsDir: path.join("/data/alloc/a1/web", "secrets"),
  });
});

test("cpuset list notation", (t) => {
  t.is(cpusetList([]), "");
  t.is(cpusetList([3]), "3");
  t.is(cpusetList([5, 0, 1, 2, 2, 7, 8]), "0-2,5,7-8");
});
