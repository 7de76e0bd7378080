// Headless render tests: the real blessed screen on fake terminal streams, every view drawn from
// a fixture model at 80x24 and 200x60, the screenshot's text asserted; then the keys.

import test from "ava";
import { setTimeout as sleep } from "node:timers/promises";
import { DashboardApp, type DashboardActions } from "../../../cli/dashboard/app.js";
import type { DashboardModel } from "../../../cli/dashboard/model.js";
import { LIST_VIEWS, type ListView } from "../../../cli/dashboard/views.js";
import { fakeTerminal, fixtureModel, leaderlessModel, screenText, T0, type FakeTerminal } from "./fixtures.js";

interface Harness {
  app: DashboardApp;
  term: FakeTerminal;
  quits: number;
  text(): string;
  /** Types keys and waits for blessed to read them. */
  type(...keys: string[]): Promise<void>;
}

function open(model: DashboardModel, columns: number, rows: number, opts: { readOnly?: boolean; actions?: DashboardActions } = {}): Harness {
  const term = fakeTerminal(columns, rows);
  const harness: Harness = {
    term, quits: 0,
    app: new DashboardApp(model, {
      input: term.input, output: term.output, readOnly: opts.readOnly ?? false, now: () => T0,
      ...(opts.actions ? { actions: opts.actions } : {}), onQuit: () => harness.quits++,
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
  const actions: DashboardActions = { stopJob: (id) => (stopped.push(id), Promise.resolve(`job "${id}" stopped`)) };
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

test("redraws are capped at about 10 a second", async (t) => {
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
