// `nomadish ui` in a real terminal (tmux) against a real 3-server cluster and one real client:
// it shows the jobs, nodes and servers (switching views with `:`), shows NO LEADER when the
// leader's process is SIGKILLed and then the new leader with the failover time, shows the
// allocation of a job run meanwhile and its live logs, and quits with exit code 0 on `q`.

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

/** The status bar (last line of the pane). */
async function footerShows(pattern: RegExp): Promise<void> {
  await waitFor(`the status bar to show ${pattern}`, 5_000, async () => {
    const lines = (await tmux("capture-pane", "-p", "-t", session)).trimEnd().split("\n");
    return pattern.test(lines.at(-1) ?? "") ? true : undefined;
  });
}

/** `:view` + enter, typing only once the prompt is visible. */
async function switchTo(view: string): Promise<void> {
  await tmux("send-keys", "-t", session, ":");
  await footerShows(/^:$/);
  await tmux("send-keys", "-t", session, "-l", view);
  await footerShows(new RegExp(`^:${view}$`));
  await tmux("send-keys", "-t", session, "Enter");
}

test.serial("the dashboard follows a real cluster through a leader failover and a new job, and quits on q", async (t) => {
  // Raft timeouts scaled by 4 (elections after 600-1200 ms, near Nomad's 1 s default): at the
  // LAN default of 150-300 ms an election can finish between two 250 ms polls and the NO LEADER
  // state would be over before the screen could show it.
  const cluster = await TestCluster.start({ servers: 3, flags: ["-raft-multiplier", "4"] });
  t.teardown(async () => {
    await tmux("kill-session", "-t", session).catch(() => undefined);
    await cluster.stop();
  });
  const leader = await cluster.waitForLeader();
  cluster.startClient("c1");
  await cluster.waitForNodes(["c1"], 30_000);
  const addresses = cluster.addresses.join(",");

  const command = `TERM=xterm-256color LANG=C.UTF-8 NCURSES_NO_UTF8_ACS=1 ${process.execPath} ${repoPath("bin", "nomadish.js")} ui -address ${addresses}; echo "EXIT=$?"; sleep 30`;
  await tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", command);

  // Jobs: the cluster has none yet.
  await screenShows(/^Jobs$[\s\S]*No jobs/m);
  // Nodes: the real client, ready and eligible.
  await switchTo("nodes");
  await screenShows(/^Nodes$[\s\S]*c1\s+ready\s+eligible/m);
  // Cluster: three servers, one leader.
  await switchTo("cluster");
  const servers = await screenShows(/servers 3\/3[\s\S]*Leader: [\s\S]*\sleader\s+\d+/);
  t.is((servers.match(/\sfollower\s/g) ?? []).length, 2);

  // SIGKILL the leader: NO LEADER while the others elect, then the new leader and the failover time.
  await cluster.kill(leader);
  const election = await screenShows(/NO LEADER/);
  t.regex(election, /NO LEADER \d/);
  const after = await screenShows(/Leader: \S+.*\n\s*Last failover took \d+ ms/, 20_000);
  t.notRegex(after, /NO LEADER/);
  t.regex(after, new RegExp(`${leader.address.replace(/\./g, "\\.")}\\s+unreachable`));
  t.regex(after, /servers 2\/3/);

  // A job run meanwhile: its allocation shows in the job view.
  const res = await run(process.execPath, [repoPath("bin", "nomadish.js"), "job", "run", "-detach", repoPath("jobspecs", "exec.hcl")], {
    env: { ...process.env, NOMADISH_ADDR: addresses, NO_COLOR: "1" },
  });
  t.regex(res.stdout, /Evaluation ID/i);
  await switchTo("jobs");
  await screenShows(/^ticker\s+service\s+50/m);
  await tmux("send-keys", "-t", session, "Enter");
  await screenShows(/Job ticker/);
  const job = await screenShows(/Allocations \(1\)[\s\S]*\n[0-9a-f]{8}\s+c1\s+ticker\s+0\s+run\s+running/, 30_000);
  t.regex(job, /ticker\s+1\s+1/);

  // Its live logs, streamed from the client: the ticker's first line.
  await tmux("send-keys", "-t", session, "Enter");
  await screenShows(/Allocation [0-9a-f]{8}[\s\S]*loop\s+running/);
  await tmux("send-keys", "-t", session, "l");
  await screenShows(/Logs of loop \(allocation [0-9a-f]{8}\)[\s\S]*following[\s\S]*^tick 1$/m);
  await tmux("send-keys", "-t", session, "Escape");
  await screenShows(/Recent Events/);

  await tmux("send-keys", "-t", session, "q");
  const end = await screenShows(/EXIT=\d+/);
  t.regex(end, /EXIT=0/);
});
