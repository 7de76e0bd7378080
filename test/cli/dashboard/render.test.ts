// Headless render tests: the real blessed screen on fake terminal streams, every view drawn from
// a fixture model at 80x24 and 200x60, the screenshot's text asserted; then the keys.

import test from "ava";
import { setTimeout as sleep } from "node:timers/promises";
import { DashboardApp, type DashboardActions } from "../../../cli/dashboard/app.js";
import type { LogHandlers, LogSource } from "../../../cli/dashboard/logs.js";
import type { DashboardModel } from "../../../cli/dashboard/model.js";
import { LIST_VIEWS, type ListView } from "../../../cli/dashboard/views.js";
import { group, job, task } from "../../support/model.js";
import { stub } from "../fixtures.js";
import { fakeTerminal, fixtureModel, leaderlessModel, screenText, T0, type FakeTerminal } from "./fixtures.js";

interface Harness {
  app: DashboardApp;
  term: FakeTerminal;
  quits: number;
  /** Everything written to the terminal. */
  written(): string;
  text(): string;
  /** Types keys and waits for blessed to read them. */
  type(...keys: string[]): Promise<void>;
}

interface OpenOptions {
  readOnly?: boolean;
  actions?: DashboardActions;
  logSource?: LogSource;
  color?: boolean;
}

function open(model: DashboardModel, columns: number, rows: number, opts: OpenOptions = {}): Harness {
  const term = fakeTerminal(columns, rows);
  const chunks: string[] = [];
  term.output.on("data", (chunk: Buffer) => chunks.push(chunk.toString("utf8")));
  const harness: Harness = {
    term, quits: 0,
    written: () => chunks.join(""),
    app: new DashboardApp(model, {
      input: term.input, output: term.output, readOnly: opts.readOnly ?? false, now: () => T0,
      ...(opts.actions ? { actions: opts.actions } : {}), ...(opts.logSource ? { logSource: opts.logSource } : {}),
      ...(opts.color === undefined ? {} : { color: opts.color }), onQuit: () => harness.quits++,
    }),
    text: () => screenText(harness.app.screen.screenshot() as unknown as string),
    type: async (...keys) => {
      for (const key of keys) {
        term.input.write(key);
        await sleep(5);
      }
    },
  };
  return harness;
}

const SIZES = [[80, 24], [200, 60]] as const;

const EXPECTED: Record<ListView, RegExp[]> = {
  jobs: [/^Jobs$/m, /ID\s+Type\s+Priority\s+Status/, /web\s+service\s+50\s+running\s+web 2\/3/, /report\s+batch/],
  nodes: [/^Nodes$/m, /node-1\s+ready\s+eligible/, /node-2\s+ready\s+ineligible/, /\[#+\s+\]\s+25%/],
  cluster: [/Leader: server-1 \(127\.0\.0\.1:4647\), term 3/, /server-2\s+127\.0\.0\.1:4648\s+follower\s+3\s+117/, /server-3/],
  evals: [/^Evaluations$/m, /e2222222\s+report\s+blocked\s+job-register\s+report: 2 unplaced/],
  events: [/^Events$/m, /JobRegistered\s+web/],
};

for (const [columns, rows] of SIZES) {
  for (const view of LIST_VIEWS) {
    test(`the ${view} view renders at ${columns}x${rows}`, (t) => {
      const h = open(fixtureModel(), columns, rows);
      try {
        h.app.show(view);
        const text = h.text();
        t.is(text.split("\n").length, rows);
        t.regex(text.split("\n")[0] ?? "", /^nomadish \| cluster c1a5e3d0 \| leader server-1 term 3 \| servers 3\/3/);
        for (const pattern of EXPECTED[view]) t.regex(text, pattern);
        t.true(text.split("\n").every((line) => line.length <= columns));
      } finally {
        h.app.destroy();
      }
    });
  }

  test(`the cluster view shows NO LEADER at ${columns}x${rows}`, (t) => {
    const h = open(leaderlessModel(T0), columns, rows);
    try {
      h.app.show("cluster");
      const text = h.text();
      t.regex(text, /NO LEADER 1\.3s \(election in progress, term 4\)/);
      t.regex(text.split("\n")[0] ?? "", /NO LEADER 1\.3s/);
      t.regex(text, /server-1\s+127\.0\.0\.1:4647\s+unreachable/);
    } finally {
      h.app.destroy();
    }
  });
}

test("the header shows STALE when no server answered for over 2 s", (t) => {
  const model = fixtureModel(T0 - 10_000);
  const h = open(model, 80, 24);
  try {
    h.app.render();
    t.regex(h.text().split("\n")[0] ?? "", /STALE/);
  } finally {
    h.app.destroy();
  }
});

test("j and enter drill from jobs to a job to an allocation; esc goes back", async (t) => {
  const h = open(fixtureModel(), 80, 24);
  try {
    h.app.render();
    await h.type("j", "\r");
    t.deepEqual(h.app.route, { view: "job", jobId: "web" });
    t.regex(h.text(), /Job web/);
    t.regex(h.text(), /Allocations \(3\)/);
    await h.type("\x1b[B", "\r");
    t.deepEqual(h.app.route, { view: "alloc", allocId: "a2222222-0000-0000-0000-000000000000" });
    t.regex(h.text(), /Allocation a2222222/);
    t.regex(h.text(), /server\s+running/);
    await h.type("\x1b");
    t.deepEqual(h.app.route, { view: "job", jobId: "web" });
    await h.type("k", "\x1b");
    t.deepEqual(h.app.route, { view: "jobs" });
  } finally {
    h.app.destroy();
  }
});

test(": switches views and / filters the list", async (t) => {
  const h = open(fixtureModel(), 80, 24);
  try {
    h.app.render();
    await h.type(":");
    t.regex(h.text().split("\n").at(-1) ?? "", /^:$/);
    await h.type("n", "o", "d", "e", "s", "\r");
    t.deepEqual(h.app.route, { view: "nodes" });
    t.regex(h.text(), /^Nodes$/m);
    await h.type("/", "g", "p", "u", "\r");
    t.is(h.app.filter, "gpu");
    t.regex(h.text(), /Nodes  \[filter: gpu\]/);
    t.regex(h.text(), /node-2/);
    t.notRegex(h.text(), /node-1\s+ready/);
    await h.type("\x1b");
    t.is(h.app.filter, "");
    await h.type(":", "x", "y", "z", "\r");
    t.regex(h.text().split("\n").at(-1) ?? "", /unknown view "xyz"/);
  } finally {
    h.app.destroy();
  }
});

test("? opens the help overlay and any key closes it", async (t) => {
  const h = open(fixtureModel(), 80, 24);
  try {
    h.app.render();
    await h.type("?");
    t.regex(h.text(), /switch view \(:jobs :nodes :cluster :evals :events\)/);
    await h.type("x");
    t.notRegex(h.text(), /switch view/);
  } finally {
    h.app.destroy();
  }
});

test("s asks before stopping a job, and -read-only refuses", async (t) => {
  const stopped: string[] = [];
  const actions: DashboardActions = { ...recorder().actions, stopJob: (id) => (stopped.push(id), Promise.resolve(`job "${id}" stopped`)) };
  const h = open(fixtureModel(), 80, 24, { actions });
  try {
    h.app.render();
    await h.type("j", "s");
    t.regex(h.text().split("\n").at(-1) ?? "", /Stop job "web"\? \(y\/n\)/);
    await h.type("n");
    t.deepEqual(stopped, []);
    await h.type("s", "y");
    t.deepEqual(stopped, ["web"]);
    await sleep(150);
    t.regex(h.text().split("\n").at(-1) ?? "", /job "web" stopped/);
  } finally {
    h.app.destroy();
  }
  const ro = open(fixtureModel(), 80, 24, { readOnly: true, actions });
  try {
    ro.app.render();
    await ro.type("s");
    t.regex(ro.text().split("\n").at(-1) ?? "", /read-only: actions are disabled/);
    t.deepEqual(stopped, ["web"]);
  } finally {
    ro.app.destroy();
  }
});

test("q and ctrl-c quit and restore the terminal", async (t) => {
  for (const key of ["q", "\x03"]) {
    const h = open(fixtureModel(), 80, 24);
    h.app.render();
    t.true((h.term.input as unknown as { isRaw: boolean }).isRaw);
    await h.type(key);
    t.is(h.quits, 1);
    t.false((h.term.input as unknown as { isRaw: boolean }).isRaw, "raw mode is switched off again");
  }
});

test.serial("redraws are capped at about 10 a second", async (t) => {
  const h = open(fixtureModel(), 80, 24);
  try {
    let renders = 0;
    h.app.screen.on("render", () => renders++);
    const end = Date.now() + 500;
    while (Date.now() < end) {
      h.app.requestRender();
      await sleep(1);
    }
    t.true(renders >= 3 && renders <= 7, `${renders} renders in 500 ms`);
  } finally {
    h.app.destroy();
  }
});

test("a resize redraws at the new size", (t) => {
  const h = open(fixtureModel(), 80, 24);
  try {
    h.app.render();
    Object.assign(h.term.output, { columns: 120, rows: 30 });
    h.term.output.emit("resize");
    h.app.render();
    t.is(h.text().split("\n").length, 30);
  } finally {
    h.app.destroy();
  }
});

/** Actions that record their calls (name and arguments) and resolve to a status line. */
function recorder(): { actions: DashboardActions; calls: string[] } {
  const calls: string[] = [];
  const record = (...call: unknown[]) => {
    calls.push(call.map(String).join(" "));
    return Promise.resolve(`done: ${call.map(String).join(" ")}`);
  };
  return {
    calls,
    actions: {
      stopJob: (id) => record("stopJob", id),
      stopAlloc: (id) => record("stopAlloc", id),
      restartAlloc: (id) => record("restartAlloc", id),
      setDrain: (id, enable) => record("setDrain", id, enable),
      setEligibility: (id, eligible) => record("setEligibility", id, eligible),
      transferLeadership: () => record("transferLeadership"),
    },
  };
}

const footer = (h: Harness) => h.text().split("\n").at(-1) ?? "";
const A2 = "a2222222-0000-0000-0000-000000000000";

test("allocation stop and restart ask first and send the request for that allocation", async (t) => {
  const { actions, calls } = recorder();
  const h = open(fixtureModel(), 80, 24, { actions });
  try {
    h.app.stack.push({ view: "alloc", allocId: A2 });
    h.app.render();
    await h.type("s");
    t.regex(footer(h), /Stop allocation a2222222\? \(y\/n\)/);
    await h.type("n");
    t.deepEqual(calls, []);
    t.regex(footer(h), /cancelled/);
    await h.type("s", "y");
    await h.type("r");
    t.regex(footer(h), /Restart allocation a2222222\? \(y\/n\)/);
    await h.type("y");
    t.deepEqual(calls, [`stopAlloc ${A2}`, `restartAlloc ${A2}`]);
    await sleep(120);
    t.regex(footer(h), /done: restartAlloc/);
  } finally {
    h.app.destroy();
  }
});

test("drain and eligibility toggle from the nodes view, each after a confirm", async (t) => {
  const { actions, calls } = recorder();
  const model = fixtureModel();
  const h = open(model, 80, 24, { actions });
  try {
    h.app.show("nodes");
    await h.type("d");
    t.regex(footer(h), /Drain node node-1 \(deadline 1h\)\? \(y\/n\)/);
    await h.type("y");
    await h.type("j", "e");
    t.regex(footer(h), /Mark node node-2 eligible\? \(y\/n\)/, "node-2 is ineligible, so e makes it eligible");
    await h.type("y");
    const node1 = model.nodes.get("node-1");
    if (node1) model.nodes.set("node-1", { ...node1, drainStrategy: { deadlineMs: 3_600_000, ignoreSystemJobs: false, startedAtMs: T0, forceDeadlineMs: T0 + 3_600_000 } });
    await h.type("k", "d");
    t.regex(footer(h), /Cancel the drain of node node-1\? \(y\/n\)/);
    await h.type("y");
    await h.type("e");
    t.regex(footer(h), /Mark node node-1 ineligible\?/);
    await h.type("Y");
    t.deepEqual(calls, ["setDrain node-1 true", "setEligibility node-2 true", "setDrain node-1 false", "setEligibility node-1 false"]);
  } finally {
    h.app.destroy();
  }
});

test("transfer leadership asks first from the cluster view; -read-only disables every action", async (t) => {
  const { actions, calls } = recorder();
  const h = open(fixtureModel(), 80, 24, { actions });
  try {
    h.app.show("cluster");
    await h.type("t");
    t.regex(footer(h), /Transfer leadership to another server\? \(y\/n\)/);
    await h.type("y");
    t.deepEqual(calls, ["transferLeadership"]);
  } finally {
    h.app.destroy();
  }
  const ro = open(fixtureModel(), 80, 24, { actions, readOnly: true });
  try {
    for (const [view, key] of [["cluster", "t"], ["nodes", "d"], ["nodes", "e"]] as const) {
      ro.app.show(view);
      await ro.type(key);
      t.regex(footer(ro), /read-only: actions are disabled/);
    }
    ro.app.stack.push({ view: "alloc", allocId: A2 });
    for (const key of ["s", "r"]) {
      await ro.type(key);
      t.regex(footer(ro), /read-only: actions are disabled/);
    }
    await ro.type("y");
    t.deepEqual(calls, ["transferLeadership"]);
  } finally {
    ro.app.destroy();
  }
});

/** A log source the test writes to, recording what was opened and cancelled. */
function fakeLogs(): { source: LogSource; opened: string[]; cancelled: string[]; handlers(): LogHandlers } {
  const opened: string[] = [];
  const cancelled: string[] = [];
  let current: LogHandlers | undefined;
  return {
    opened, cancelled,
    handlers: () => {
      if (!current) throw new Error("no stream open");
      return current;
    },
    source: {
      open(allocId, taskName, handlers) {
        const name = `${allocId.slice(0, 8)}/${taskName}`;
        opened.push(name);
        current = handlers;
        return () => cancelled.push(name);
      },
    },
  };
}

test("l opens the task's logs, following; scrolling up pauses, G resumes, esc cancels the stream", async (t) => {
  const logs = fakeLogs();
  const h = open(fixtureModel(), 80, 24, { logSource: logs.source });
  try {
    h.app.stack.push({ view: "alloc", allocId: A2 });
    h.app.render();
    await h.type("l");
    t.deepEqual(h.app.route, { view: "logs", allocId: A2, task: "server" });
    t.deepEqual(logs.opened, ["a2222222/server"]);
    const out = logs.handlers();
    for (let i = 1; i <= 40; i++) out.data(new TextEncoder().encode(`tick ${i}\n`));
    h.app.render();
    let text = h.text();
    t.regex(text, /Logs of server \(allocation a2222222\)/);
    t.regex(text, /40 lines, following/);
    t.regex(text, /^tick 40$/m);
    t.notRegex(text, /^tick 1$/m);
    await h.type("k", "k");
    out.data(new TextEncoder().encode("tick 41\n"));
    h.app.render();
    text = h.text();
    t.regex(text, /paused, 1 new lines \(G follows\)/);
    t.regex(text, /^tick 38$/m);
    t.notRegex(text, /^tick 4[01]$/m, "a paused view does not move");
    await h.type("G");
    text = h.text();
    t.regex(text, /following/);
    t.regex(text, /^tick 41$/m);
    out.end("connection lost");
    h.app.render();
    t.regex(h.text(), /stream ended: connection lost/);
    await h.type("\x1b");
    t.deepEqual(h.app.route, { view: "alloc", allocId: A2 });
    t.deepEqual(logs.cancelled, ["a2222222/server"]);
  } finally {
    h.app.destroy();
  }
});

test("an allocation with several tasks opens a task picker first; quitting cancels the stream", async (t) => {
  const model = fixtureModel();
  model.jobs.set("multi", job("multi", { taskGroups: [group("app", 1, { tasks: [task("api"), task("sidecar")] })] }));
  const id = "b1111111-0000-0000-0000-000000000000";
  model.allocations.set(id, stub(id, { jobId: "multi", taskGroup: "app", name: "multi.app[0]", nodeId: "node-1", nodeName: "node-1", taskStates: {} }));
  const logs = fakeLogs();
  const h = open(model, 80, 24, { logSource: logs.source });
  try {
    h.app.stack.push({ view: "alloc", allocId: id });
    h.app.render();
    await h.type("l");
    t.deepEqual(h.app.route, { view: "tasks", allocId: id });
    t.regex(h.text(), /pick a task/);
    t.regex(h.text(), /^api\s/m);
    t.regex(h.text(), /^sidecar\s/m);
    await h.type("j", "\r");
    t.deepEqual(h.app.route, { view: "logs", allocId: id, task: "sidecar" });
    t.deepEqual(logs.opened, ["b1111111/sidecar"]);
    t.regex(h.text(), /\(no output yet\)/);
    await h.type("q");
    t.deepEqual(logs.cancelled, ["b1111111/sidecar"]);
  } finally {
    h.app.destroy();
  }
});

/** Waits (up to 2 s) for blessed to flush output matching `pattern` to the fake terminal. */
async function written(h: Harness, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!pattern.test(h.written()) && Date.now() < deadline) await sleep(5);
}

const COLOR_SGR = /\x1b\[[0-9;]*(?:3[0-7]|4[0-7]|9[0-7]|10[0-7]|38;5;\d+|48;5;\d+)[;m]/;

test("colour: status words and the header are coloured by default, and never with colour off", async (t) => {
  const coloured = open(fixtureModel(), 80, 24, { color: true });
  try {
    coloured.app.show("nodes");
    await written(coloured, COLOR_SGR);
    t.regex(coloured.written(), COLOR_SGR);
  } finally {
    coloured.app.destroy();
  }
  for (const model of [fixtureModel(), leaderlessModel()]) {
    const plain = open(model, 80, 24, { color: false });
    try {
      for (const view of [...LIST_VIEWS, "nodes" as const]) plain.app.show(view);
      await written(plain, /Nodes/);
      t.notRegex(plain.written(), COLOR_SGR);
      t.regex(plain.text(), /ready\s+eligible/);
    } finally {
      plain.app.destroy();
    }
  }
});
