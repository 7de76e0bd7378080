// The partition tests' network: hosts in their own namespaces that the test process always
// reaches, partitions that cut exactly the links between groups (both ways), healing, unique
// subnets for networks made at the same time, and clean-up of what a crashed run left behind.

import test, { type ExecutionContext } from "ava";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { promisify } from "node:util";
import { waitFor } from "../support/cluster.js";
import { NetnsNetwork, netnsUnavailableReason, removeStaleNamespaces } from "../support/netns.js";

const run = promisify(execFile);
const unavailable = await netnsUnavailableReason();
const PROBE_PORT = 7000;
/** A SYN that gets no answer in this long counts as cut; on a bridge a real answer takes about a millisecond. */
const CUT_AFTER_MS = 400;

// Runs in each namespace: answers "ping", and on "<ip>" tries a TCP connect to that ip from
// inside the namespace, answering "ok", "cut" (no answer in time) or the error.
const PROBE_AGENT = `
const net = require("node:net");
net.createServer((socket) => {
  socket.on("error", () => {});
  socket.once("data", (data) => {
    const target = data.toString().trim();
    if (target === "ping") return void socket.end("pong");
    const probe = net.connect({ host: target, port: ${PROBE_PORT} });
    probe.on("error", (e) => { clearTimeout(timer); socket.end("error " + e.code); });
    const timer = setTimeout(() => { probe.destroy(); socket.end("cut"); }, ${CUT_AFTER_MS});
    probe.once("connect", () => { clearTimeout(timer); probe.destroy(); socket.end("ok"); });
  });
}).listen(${PROBE_PORT}, process.argv[1]);
`;

/** Sends one line to the probe agent at `address` and returns its answer. */
function ask(address: string, line: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port: PROBE_PORT });
    let answer = "";
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from ${address} in ${timeoutMs} ms`)));
    socket.on("connect", () => socket.write(line));
    socket.on("data", (d: Buffer) => (answer += d.toString()));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
}

function requireNetns(t: ExecutionContext): boolean {
  if (unavailable === undefined) return true;
  t.fail(`partition tests need Linux network namespaces as root: ${unavailable}`);
  return false;
}

/** Which ordered pairs of hosts can open a TCP connection, as "a>b" strings. */
async function reachable(network: NetnsNetwork): Promise<string[]> {
  const pairs: [number, number][] = [];
  for (let a = 0; a < network.hosts; a++) for (let b = 0; b < network.hosts; b++) if (a !== b) pairs.push([a, b]);
  const answers = await Promise.all(pairs.map(async ([a, b]) => [`${a}>${b}`, await ask(network.address(a), network.address(b))] as const));
  for (const [pair, answer] of answers) if (answer !== "ok" && answer !== "cut") throw new Error(`probe ${pair}: ${answer}`);
  return answers.filter(([, answer]) => answer === "ok").map(([pair]) => pair);
}

async function hostReachesAll(network: NetnsNetwork): Promise<boolean> {
  const answers = await Promise.all(Array.from({ length: network.hosts }, (_, i) => ask(network.address(i), "ping")));
  return answers.every((a) => a === "pong");
}

async function namespaces(): Promise<string[]> {
  return (await run("ip", ["netns", "list"])).stdout.split("\n").map((l) => l.split(" ")[0] ?? "").filter((n) => n !== "");
}

async function linkExists(name: string): Promise<boolean> {
  return run("ip", ["link", "show", name]).then(() => true, () => false);
}

test("hosts reach each other and the test process; a partition cuts exactly between groups, both ways; heal restores", async (t) => {
  if (!requireNetns(t)) return;
  const created = Date.now();
  const network = await NetnsNetwork.create(3);
  const createMs = Date.now() - created;
  const agents: ChildProcess[] = [];
  t.teardown(async () => {
    for (const agent of agents) agent.kill("SIGKILL");
    await network.destroy();
  });
  for (let i = 0; i < 3; i++) agents.push(network.spawnIn(i, process.execPath, ["-e", PROBE_AGENT, network.address(i)]));
  await waitFor("the probe agents", 10_000, async () => ((await hostReachesAll(network)) ? true : undefined));

  const all = ["0>1", "0>2", "1>0", "1>2", "2>0", "2>1"];
  t.deepEqual(await reachable(network), all);

  await network.partition([[0, 1], [2]]);
  t.deepEqual(await reachable(network), ["0>1", "1>0"]);
  t.true(await hostReachesAll(network), "the test process reaches every host during a partition");

  // isolate() replaces the earlier partition.
  await network.isolate(0);
  t.deepEqual(await reachable(network), ["1>2", "2>1"]);
  t.true(await hostReachesAll(network));

  // A host named in no group is alone.
  await network.partition([[1, 2]]);
  t.deepEqual(await reachable(network), ["1>2", "2>1"]);

  await network.heal();
  t.deepEqual(await reachable(network), all);

  const names = [...network.namespaces, network.bridgeNamespace];
  for (const agent of agents) agent.kill("SIGKILL");
  await network.destroy();
  const left = await namespaces();
  t.deepEqual(names.filter((n) => left.includes(n)), [], "destroy removes every namespace");
  t.false(await linkExists(network.hostLink), "destroy removes the host's link");
  t.log(`network of 3 hosts built in ${createMs} ms`);
});

test("networks made at the same time get their own subnets, and namespaces of a dead owner are removed", async (t) => {
  if (!requireNetns(t)) return;
  // A namespace named as if a process that has since died had made it.
  const dead = spawn(process.execPath, ["-e", ""]);
  await new Promise((r) => dead.once("exit", r));
  const stale = `nomadish-${dead.pid}-dead01-br`;
  const live = `nomadish-${process.pid}-11fe01-br`;
  await run("ip", ["netns", "add", stale]);
  await run("ip", ["netns", "add", live]);
  t.teardown(async () => {
    await run("ip", ["netns", "del", stale]).catch(() => undefined);
    await run("ip", ["netns", "del", live]).catch(() => undefined);
  });

  const [a, b] = await Promise.all([NetnsNetwork.create(2), NetnsNetwork.create(2)]);
  t.teardown(() => Promise.all([a.destroy(), b.destroy()]));
  t.not(a.subnet, b.subnet);
  t.not(a.hostLink, b.hostLink);
  t.not(a.bridgeNamespace, b.bridgeNamespace);
  t.true(a.hostLink.length <= 15 && b.hostLink.length <= 15, "interface names fit Linux's 15 characters");

  const left = await namespaces();
  t.false(left.includes(stale), "the dead owner's namespace is removed");
  t.true(left.includes(live), "a live owner's namespace is kept");
  t.deepEqual(await removeStaleNamespaces(), []);
});
