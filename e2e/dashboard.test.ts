// `nomadish ui` in a real terminal (tmux) against real servers: it shows the cluster, switches
// views on `:`, shows NO LEADER while there is no majority, and quits on `q`.

import test from "ava";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { repoPath } from "../test/paths.js";
import { TestCluster, waitFor } from "../test/support/cluster.js";

const run = promisify(execFile);
const session = `nomadish-ui-${process.pid}`;

async function tmux(...args: string[]): Promise<string> {
  return (await run("tmux", args)).stdout;
}

/** Polls the pane until `pattern` shows, failing with what it last showed. */
async function screenShows(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  let last = "";
  return waitFor(`the dashboard to show ${pattern}`, timeoutMs, async () => {
    last = await tmux("capture-pane", "-p", "-t", session);
    return pattern.test(last) ? last : undefined;
  }).catch((err: Error) => {
    throw new Error(`${err.message}; the screen was:\n${last}`);
  });
}

test.serial("the dashboard shows the servers, switches views, shows NO LEADER without a majority, and quits on q", async (t) => {
  const cluster = await TestCluster.start({ servers: 3 });
  t.teardown(async () => {
    await tmux("kill-session", "-t", session).catch(() => undefined);
    await cluster.stop();
  });
  await cluster.waitForLeader();
  const command = `TERM=xterm-256color LANG=C.UTF-8 NCURSES_NO_UTF8_ACS=1 ${process.execPath} ${repoPath("bin", "nomadish.js")} ui -address ${cluster.addresses.join(",")} cluster; echo "EXIT=$?"; sleep 30`;
  await tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", command);
  const first = await screenShows(/servers 3\/3[\s\S]*\sleader\s+\d+/);
  t.is((first.match(/follower/g) ?? []).length, 2);

  await tmux("send-keys", "-t", session, ":");
  await screenShows(/:/);
  await tmux("send-keys", "-t", session, "nodes", "Enter");
  await screenShows(/Nodes/);

  // Two of three servers gone: no majority, no leader.
  const [a, b] = cluster.servers;
  if (!a || !b) throw new Error("no servers");
  await cluster.kill(a);
  await cluster.kill(b);
  await tmux("send-keys", "-t", session, ":");
  await tmux("send-keys", "-t", session, "cluster", "Enter");
  await screenShows(/NO LEADER/);

  await tmux("send-keys", "-t", session, "q");
  const end = await screenShows(/EXIT=\d+/);
  t.regex(end, /EXIT=0/);
});
