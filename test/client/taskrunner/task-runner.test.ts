import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { TaskEventType } from "../../../client/taskrunner/index.js";
import { eventTypes, eventually, fastPolicy, lastEvent, mockTask, taskHarness } from "./fixtures.js";

// ---------------------------------------------------------------------------------------------
// Running to the end

test("a batch task that exits 0 is dead and not failed, with Nomad's events in order", async (t) => {
  const h = await taskHarness(t, mockTask("once", { run_for: "10ms", stdout_string: "hello\n" }), { job: { type: "batch" } });
  const final = await h.runner.run();
  t.is(final.state, "dead");
  t.false(final.failed);
  t.is(final.restarts, 0);
  t.deepEqual(eventTypes(final), ["Received", "Task Setup", "Started", "Terminated"]);
  t.is(lastEvent(final)?.message, "Exit Code: 0");
  t.true(final.startedAtMs > 0 && final.finishedAtMs >= final.startedAtMs);
  t.is(await readFile(path.join(h.allocDir.logsDir, "once.stdout.0"), "utf8"), "hello\n");
  t.deepEqual(h.savedHandles.map((x) => x === undefined ? "cleared" : "saved"), ["saved", "cleared"]);
});

test("the task's directory holds local/, secrets/ and tmp/, beside the shared alloc/ with logs/", async (t) => {
  const h = await taskHarness(t, mockTask("dirs", { run_for: "1ms" }), { job: { type: "batch" } });
  await h.runner.run();
  for (const dir of ["dirs/local", "dirs/secrets", "dirs/tmp", "alloc/logs", "alloc/data", "alloc/tmp"]) {
    t.true((await stat(path.join(h.allocDir.root, dir))).isDirectory(), dir);
  }
});

test("an OOM-killed task says so in its Terminated event", async (t) => {
  const h = await taskHarness(t, mockTask("hog", { run_for: "5ms", exit_code: 137, exit_signal: 9, oom_killed: true }, {
    restartPolicy: fastPolicy({ attempts: 0 }),
  }));
  const final = await h.runner.run();
  const terminated = final.events.find((e) => e.type === "Terminated");
  t.is(terminated?.message, "Exit Code: 137, Signal: 9, OOM Killed");
  t.is(terminated?.details["oom_killed"], "true");
  t.is(terminated?.exitCode, 137);
});

// ---------------------------------------------------------------------------------------------
// Restart policy

test("mode fail: a crashing task restarts `attempts` times, then fails with Not Restarting", async (t) => {
  const h = await taskHarness(t, mockTask("crash", { run_for: "5ms", exit_code: 1 }, {
    restartPolicy: fastPolicy({ attempts: 2, delayMs: 10, intervalMs: 60_000, mode: "fail" }),
  }));
  const final = await h.runner.run();
  t.is(final.state, "dead");
  t.true(final.failed);
  t.is(final.restarts, 2);
  t.is(h.driver.startsOf("crash").length, 3);
  const last = lastEvent(final);
  t.is(last?.type, "Not Restarting");
  t.is(last?.message, 'Exceeded allowed attempts 2 in interval 1m and mode is "fail"');
  t.true(last?.failsTask);
  const restarting = final.events.find((e) => e.type === "Restarting");
  t.is(restarting?.message, "Task restarting in 10ms");
  t.is(restarting?.details["restart_reason"], "Restart within policy");
});

test("a service task that exits 0 is restarted too: it is meant to run forever", async (t) => {
  const h = await taskHarness(t, mockTask("web", { run_for: "5ms" }, { restartPolicy: fastPolicy({ attempts: 1, delayMs: 5 }) }));
  const final = await h.runner.run();
  t.is(final.restarts, 1);
  t.true(final.failed);
});

test("failures spread wider than the interval never use up the attempts", async (t) => {
  const h = await taskHarness(t, mockTask("flaky", { run_for: "60ms", exit_code: 1 }, {
    restartPolicy: fastPolicy({ attempts: 1, intervalMs: 40, delayMs: 5, mode: "fail" }),
  }));
  void h.runner.run();
  await eventually("three restarts", () => (h.states.at(-1)?.restarts ?? 0) >= 3);
  t.false(h.states.at(-1)?.failed);
  await h.runner.kill();
});

test("mode delay: beyond the attempts the task waits for the interval to end, then starts a fresh interval", async (t) => {
  const intervalMs = 400;
  const began = Date.now();
  const h = await taskHarness(t, mockTask("delayed", { run_for: "5ms", exit_code: 1 }, {
    restartPolicy: fastPolicy({ attempts: 1, intervalMs, delayMs: 5, mode: "delay" }),
  }));
  void h.runner.run();
  await eventually("a delayed restart", () => h.states.some((s) => lastEvent(s)?.details["restart_reason"]?.startsWith("Exceeded") === true));
  const delayed = h.states.map(lastEvent).find((e) => e?.details["restart_reason"]?.startsWith("Exceeded"));
  t.is(delayed?.type, "Restarting");
  t.regex(delayed?.message ?? "", /^Exceeded allowed attempts, applying a delay - Task restarting in \d+ms$/);
  const delayMs = Number(delayed?.details["start_delay"]);
  // The rest of the interval, which began when the runner was made.
  t.true(delayMs > 0 && delayMs <= intervalMs, `delay ${delayMs}`);
  // After the wait the task runs again (never failed) and the count starts over.
  await eventually("the third start", () => h.driver.startsOf("delayed").length >= 3);
  t.true(Date.now() - began >= intervalMs - 20);
  t.false(h.states.at(-1)?.failed);
  await h.runner.kill();
});

test("a start error that may pass is retried under the restart policy", async (t) => {
  const h = await taskHarness(t, mockTask("wobbly", { start_error: "daemon busy", start_error_recoverable: true }, {
    restartPolicy: fastPolicy({ attempts: 1, delayMs: 5 }),
  }));
  const final = await h.runner.run();
  t.deepEqual(eventTypes(final).filter((e) => e !== "Received" && e !== "Task Setup"), ["Driver Failure", "Restarting", "Driver Failure", "Not Restarting"]);
  t.false(final.events.find((e) => e.type === "Driver Failure")?.failsTask);
  t.is(final.restarts, 1);
});

test("a driver slow to start the task is noted with a Driver event", async (t) => {
  const h = await taskHarness(t, mockTask("slow", { start_block_for: "60ms", run_for: "1ms" }), { job: { type: "batch" }, slowStartNoticeMs: 10 });
  const final = await h.runner.run();
  t.deepEqual(eventTypes(final), ["Received", "Task Setup", "Driver", "Started", "Terminated"]);
  t.is(final.events[2]?.message, 'Still starting the task with driver "mock"');
});

// ---------------------------------------------------------------------------------------------
// Problems the user must fix fail the task at once

test("a TaskConfigError fails the task at once with a Driver Failure carrying its message", async (t) => {
  const h = await taskHarness(t, mockTask("bad", { start_error: 'image "nope:1" not found' }));
  const final = await h.runner.run();
  t.is(final.state, "dead");
  t.true(final.failed);
  t.is(final.restarts, 0);
  const last = lastEvent(final);
  t.is(last?.type, "Driver Failure");
  t.is(last?.message, 'image "nope:1" not found');
  t.true(last?.failsTask);
  t.false(eventTypes(final).includes("Restarting"));
});

test("a driver config the driver rejects fails the task without starting it", async (t) => {
  const h = await taskHarness(t, mockTask("typo", { run_fro: "1s" }));
  const final = await h.runner.run();
  t.true(final.failed);
  t.is(lastEvent(final)?.type, "Driver Failure");
  t.regex(lastEvent(final)?.message ?? "", /unknown option "run_fro" for the mock driver/);
  t.is(h.driver.started.length, 0);
});

test("a task whose driver the node lacks fails with a Driver Failure", async (t) => {
  const h = await taskHarness(t, mockTask("gpu", {}, { driver: "docker" }), { driver: null });
  const final = await h.runner.run();
  t.true(final.failed);
  t.is(lastEvent(final)?.message, 'driver "docker" is not available on this node');
});

// ---------------------------------------------------------------------------------------------
// Kill and restart on request

test("kill stops a running task: Killing, Terminated, Killed; dead but not failed", async (t) => {
  const h = await taskHarness(t, mockTask("svc", {}, { killTimeoutMs: 2_000, killSignal: "SIGINT" }));
  void h.runner.run();
  await eventually("running", () => h.runner.state.state === "running");
  const final = await h.runner.kill();
  t.is(final.state, "dead");
  t.false(final.failed);
  t.deepEqual(eventTypes(final).slice(-3), ["Killing", "Terminated", "Killed"]);
  t.is(final.events.find((e) => e.type === "Killing")?.message, "Sent interrupt. Waiting 2s before force killing");
  t.is(final.events.find((e) => e.type === "Terminated")?.signal, 2);
  t.is(h.savedHandles.at(-1), undefined);
  t.is(h.runner.handle, undefined);
});

test("shutdown_delay is waited out before the task is signalled", async (t) => {
  const h = await taskHarness(t, mockTask("svc", {}, { shutdownDelayMs: 60 }));
  void h.runner.run();
  await eventually("running", () => h.runner.state.state === "running");
  const began = Date.now();
  const final = await h.runner.kill();
  t.true(Date.now() - began >= 55);
  t.deepEqual(eventTypes(final).slice(-4), [TaskEventType.ShutdownDelay, "Killing", "Terminated", "Killed"]);
});

test("a kill while the task waits to restart ends it without another start", async (t) => {
  const h = await taskHarness(t, mockTask("crash", { run_for: "5ms", exit_code: 1 }, { restartPolicy: fastPolicy({ delayMs: 10_000 }) }));
  void h.runner.run();
  await eventually("the restart wait", () => lastEvent(h.runner.state)?.type === "Restarting");
  const final = await h.runner.kill();
  t.is(lastEvent(final)?.type, "Killed");
  t.false(final.failed);
  t.is(h.driver.started.length, 1);
});

test("kill before run: the task is dead without ever starting", async (t) => {
  const h = await taskHarness(t, mockTask("never"));
  const final = await h.runner.kill({ type: TaskEventType.SiblingFailed, message: 'Task\'s sibling "x" failed' });
  t.is(final.state, "dead");
  t.deepEqual(eventTypes(final), ["Received", "Sibling Task Failed"]);
  t.is((await h.runner.run()).state, "dead");
  t.is(h.driver.started.length, 0);
});

test("a user's restart counts as a restart but uses none of the policy's attempts", async (t) => {
  const h = await taskHarness(t, mockTask("svc", {}, { restartPolicy: fastPolicy({ attempts: 0 }) }));
  void h.runner.run();
  await eventually("running", () => h.runner.state.state === "running");
  await h.runner.restart();
  await eventually("running again", () => h.driver.started.length === 2 && h.runner.state.state === "running");
  const state = h.runner.state;
  t.is(state.restarts, 1);
  t.false(state.failed);
  t.deepEqual(eventTypes(state).slice(-4), ["Restart Signaled", "Terminated", "Restarting", "Started"]);
  t.is(state.events.find((e) => e.type === "Restarting")?.details["restart_reason"], "User requested restart");
});

test("restarting a dead task is refused", async (t) => {
  const h = await taskHarness(t, mockTask("done", { run_for: "1ms" }), { job: { type: "batch" } });
  await h.runner.run();
  await t.throwsAsync(() => h.runner.restart(), { message: 'task "done" is not running' });
});

test("a task keeps only its last 10 events", async (t) => {
  const h = await taskHarness(t, mockTask("crash", { run_for: "1ms", exit_code: 1 }, { restartPolicy: fastPolicy({ attempts: 5, delayMs: 1 }) }));
  const final = await h.runner.run();
  t.is(final.events.length, 10);
  t.is(final.restarts, 5);
  t.is(lastEvent(final)?.type, "Not Restarting");
});

// ---------------------------------------------------------------------------------------------
// Environment, config and templates reach the driver

test("the driver gets the task's environment, interpolated config, resources and log paths", async (t) => {
  const h = await taskHarness(t, mockTask("api", { run_for: "1ms" }, {
    env: { ARCH: "${attr.cpu.arch}", WHERE: "${meta.rack}-${NOMAD_ALLOC_INDEX}" },
    killSignal: "SIGQUIT",
  }), {
    job: { type: "batch" },
    alloc: {
      allocatedResources: {
        tasks: { api: { cpuMhz: 750, reservedCores: [], memoryMb: 512, memoryMaxMb: 1024, devices: [] } },
        diskMb: 300,
        ports: [{ label: "http", value: 23456, to: 8080, hostIp: "10.1.2.3" }],
      },
    },
  });
  await h.runner.run();
  const config = h.driver.started[0];
  t.truthy(config);
  if (!config) return;
  t.like(config.env, {
    ARCH: "arm64", WHERE: "r7-3", NOMAD_PORT_http: "8080", NOMAD_HOST_PORT_http: "23456", NOMAD_ADDR_http: "10.1.2.3:23456",
    NOMAD_TASK_NAME: "api", NOMAD_REGION: "europe", NOMAD_DC: "dc2", NOMAD_CPU_LIMIT: "750", NOMAD_MEMORY_LIMIT: "512",
  });
  // The mock driver does not isolate the filesystem: the task sees host paths.
  t.is(config.env["NOMAD_TASK_DIR"], path.join(h.allocDir.root, "api", "local"));
  t.deepEqual(config.resources, { cpuMhz: 750, cores: 0, memoryMb: 512, memoryMaxMb: 1024 });
  t.deepEqual(config.ports, [{ label: "http", value: 23456, to: 8080, hostIp: "10.1.2.3" }]);
  t.is(config.stdoutPath, path.join(h.allocDir.logsDir, "api.stdout.0"));
  t.is(config.stderrPath, path.join(h.allocDir.logsDir, "api.stderr.0"));
  t.is(config.killSignal, "SIGQUIT");
  t.is(config.taskDir, path.join(h.allocDir.root, "api"));
  t.is(config.allocDir, path.join(h.allocDir.root, "alloc"));
});

test("templates are rendered into the task directory with their mode, and env templates feed the environment", async (t) => {
  const template = {
    sourcePath: "", changeMode: "restart" as const, changeSignal: "", splayMs: 0, leftDelim: "", rightDelim: "",
    vaultGraceMs: 0, errMissingKey: false, envvars: false, perms: "",
  };
  const h = await taskHarness(t, mockTask("app", { run_for: "1ms" }, {
    env: { GREETING: "hi" },
    templates: [
      { ...template, destPath: "local/app.conf", perms: "600", embeddedTmpl: 'name = {{ env "NOMAD_TASK_NAME" }}\ngreeting = {{ env "GREETING" }}\nplain text\n' },
      { ...template, destPath: "${NOMAD_SECRETS_DIR}/vars.env", envvars: true, embeddedTmpl: "DB_HOST=db.{{ env \"NOMAD_DC\" }}\n" },
    ],
  }), { job: { type: "batch" } });
  const final = await h.runner.run();
  const conf = path.join(h.allocDir.root, "app", "local", "app.conf");
  t.is(await readFile(conf, "utf8"), "name = app\ngreeting = hi\nplain text\n");
  t.is((await stat(conf)).mode & 0o777, 0o600);
  t.is(h.driver.started[0]?.env["DB_HOST"], "db.dc2");
  const rendered = final.events.find((e) => e.type === "Template Rendered");
  t.is(rendered?.message, `Rendered local/app.conf, secrets/vars.env`);
});

test("a template this client cannot render fails the task with a Setup Failure", async (t) => {
  const h = await taskHarness(t, mockTask("app", {}, {
    templates: [{
      sourcePath: "", destPath: "local/x", embeddedTmpl: '{{ range service "db" }}{{ end }}', changeMode: "noop", changeSignal: "",
      splayMs: 0, perms: "", leftDelim: "", rightDelim: "", envvars: false, vaultGraceMs: 0, errMissingKey: false,
    }],
  }));
  const final = await h.runner.run();
  t.true(final.failed);
  t.is(lastEvent(final)?.type, "Setup Failure");
  t.regex(lastEvent(final)?.message ?? "", /unsupported template action \{\{ range service "db" \}\}/);
  t.is(h.driver.started.length, 0);
});

test("a template may not write outside the allocation directory", async (t) => {
  const h = await taskHarness(t, mockTask("app", {}, {
    templates: [{
      sourcePath: "", destPath: "../../../etc/evil", embeddedTmpl: "x", changeMode: "noop", changeSignal: "",
      splayMs: 0, perms: "", leftDelim: "", rightDelim: "", envvars: false, vaultGraceMs: 0, errMissingKey: false,
    }],
  }));
  const final = await h.runner.run();
  t.is(lastEvent(final)?.type, "Setup Failure");
  t.regex(lastEvent(final)?.message ?? "", /outside the allocation directory/);
});
