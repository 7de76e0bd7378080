// Three servers, each on its own network host (Linux network namespaces), split by network
// partitions: a leader cut off from the others cannot commit and steps down while the majority
// elects a new leader and goes on; a follower cut off changes nothing for the others. After
// healing, every server has the same log and the same state, with every acknowledged write and
// none of the refused ones.

import test, { type ExecutionContext } from "ava";
import * as pb from "../proto/index.js";
import type { ApiClient } from "../shared/api/client.js";
import { waitFor, type ServerProcess } from "../test/support/cluster.js";
import { NetnsCluster, netnsUnavailableReason } from "../test/support/netns.js";
import { put } from "../test/support/writes.js";
import { nomadishProcess, type CliRun } from "../test/support/cli-process.js";

const unavailable = await netnsUnavailableReason();

/**
 * Starts a cluster of three on its own network, or fails the test saying why it cannot. Raft
 * timeouts are doubled (elections after 300–600 ms) so that a loaded machine, where the two tests
 * and other test files run side by side, does not cause elections the tests say must not happen.
 */
async function startCluster(t: ExecutionContext): Promise<NetnsCluster | undefined> {
  if (unavailable !== undefined) {
    t.fail(`partition tests need Linux network namespaces as root: ${unavailable}`);
    return undefined;
  }
  const started = Date.now();
  const cluster = await NetnsCluster.start({ servers: 3, flags: ["-raft-multiplier", "2"] });
  t.teardown(() => cluster.stop());
  await cluster.waitForLeader();
  t.log(`cluster of 3 on ${cluster.network.hostAddress.replace(/\.1$/, ".0/24")} up with a leader in ${Date.now() - started} ms`);
  return cluster;
}

function nomadish(args: string[], address: string): Promise<CliRun> {
  return nomadishProcess(args, address);
}

async function writeAll(client: ApiClient, keys: string[], acked: Set<string>): Promise<void> {
  for (const key of keys) {
    await put(client, key);
    acked.add(key);
  }
}

const keys = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}/${i}`);

const staleOptions: pb.QueryOptions = { minIndex: 0, maxWaitMs: 0, stale: true, namespace: "", region: "" };

/** Every variable a server holds, read from its own state (stale read): path → the whole variable. */
async function localVariables(cluster: NetnsCluster, server: ServerProcess): Promise<Map<string, pb.Variable | undefined>> {
  const client = cluster.client([server.address]);
  const { variables } = await client.call(pb.VariablesService.list, { prefix: "", options: staleOptions }, "read");
  const result = new Map<string, pb.Variable | undefined>();
  for (const { path } of variables) {
    const { variable } = await client.call(pb.VariablesService.get, { path, options: staleOptions }, "read");
    result.set(path, variable);
  }
  client.close();
  return result;
}

/** All servers hold exactly the acknowledged writes, each identical everywhere. */
async function assertSameState(t: ExecutionContext, cluster: NetnsCluster, acked: Set<string>, refused: string[]): Promise<void> {
  const states = await Promise.all(cluster.servers.map((s) => localVariables(cluster, s)));
  const expected = [...acked].sort();
  for (const [i, state] of states.entries()) {
    t.deepEqual([...state.keys()].sort(), expected, `server${i} holds exactly the acknowledged writes`);
    for (const key of refused) t.false(state.has(key), `server${i} has the refused write ${key}`);
  }
  const [reference] = states;
  for (const key of expected) {
    const versions = states.map((s) => s.get(key));
    t.true(versions.every((v) => v !== undefined && v.items["v"] !== undefined), `${key} has its content everywhere`);
    for (const version of versions.slice(1)) t.deepEqual(version, reference?.get(key), `${key} is identical on every server`);
  }
}

test("a leader cut off from the others refuses writes, the majority elects a new leader and goes on, and after healing no server diverges", async (t) => {
  t.timeout(120_000);
  const testStarted = Date.now();
  const cluster = await startCluster(t);
  if (!cluster) return;
  const oldLeader = await cluster.waitForLeader();
  const majority = cluster.servers.filter((s) => s !== oldLeader);
  const acked = new Set<string>();
  await writeAll(cluster.client(), keys("before", 20), acked);

  await cluster.isolate(oldLeader);
  const isolatedAt = Date.now();

  // Sent at once, while the old leader may still believe it leads: it can append the write but
  // never commit it, so the write must fail (its outcome unknown at worst), never be acknowledged.
  const early = put(cluster.client([oldLeader.address], 30_000), "refused/early").then(
    () => ({ acknowledged: true, error: "", ms: Date.now() - isolatedAt }),
    (err: Error) => ({ acknowledged: false, error: err.message, ms: Date.now() - isolatedAt }),
  );

  // The majority elects a new leader among themselves.
  const newLeader = await cluster.waitForLeader(10_000, oldLeader);
  const electionMs = Date.now() - isolatedAt;
  t.not(newLeader, oldLeader);
  const newTerm = (await cluster.self(newLeader))?.raft?.term ?? 0;

  // Check-quorum: without a majority the old leader steps down and knows of no leader.
  await waitFor("the isolated leader to step down", 5000, async () => {
    const raft = (await cluster.self(oldLeader))?.raft;
    return raft && raft.state !== pb.RaftState.LEADER && raft.leaderId === "" ? true : undefined;
  });
  const stepDownMs = Date.now() - isolatedAt;

  // Now a write through the CLI to it alone is refused with a clear error once the server has
  // waited its 5 s for a leader (plus the CLI's own start-up, slow on a loaded machine).
  const refusedByCli = nomadish(["var", "put", "refused/cli", "v=1"], oldLeader.address);

  // Meanwhile the majority accepts writes.
  const duringStarted = Date.now();
  await writeAll(cluster.client(majority.map((s) => s.address)), keys("during", 20), acked);
  const duringMs = Date.now() - duringStarted;

  const cli = await refusedByCli;
  t.is(cli.code, 1, cli.stdout);
  t.regex(cli.stderr, /no cluster leader/);
  t.true(cli.ms < 15_000, `the CLI was refused after ${cli.ms} ms`);
  const earlyResult = await early;
  t.false(earlyResult.acknowledged, "a write to the isolated leader was acknowledged");
  // The server itself answers within its request timeout (10 s), well before the client's deadline.
  t.true(earlyResult.ms < 15_000, `the early write failed after ${earlyResult.ms} ms`);
  t.regex(earlyResult.error, /outcome is unknown|not the leader|no cluster leader|did not answer in time/);

  // Heal: the old leader hears the new term, follows, and catches up without disturbing anyone.
  await cluster.heal();
  const healedAt = Date.now();
  const target = (await cluster.self(newLeader))?.raft?.commitIndex ?? 0;
  const newLeaderId = (await cluster.self(newLeader))?.member?.id ?? "";
  await waitFor("the old leader to follow the new one and catch up", 20_000, async () => {
    const raft = (await cluster.self(oldLeader))?.raft;
    return raft && raft.state === pb.RaftState.FOLLOWER && raft.leaderId === newLeaderId && raft.appliedIndex >= target ? true : undefined;
  });
  const catchUpMs = Date.now() - healedAt;
  await writeAll(cluster.client(), keys("after", 5), acked);
  const rafts = await cluster.waitForAgreement(10_000);
  t.true(rafts.every((r) => r.term === newTerm && r.leaderId === newLeaderId), "healing caused no election");

  await assertSameState(t, cluster, acked, ["refused/early", "refused/cli"]);
  t.log(`isolate → new leader ${electionMs} ms; old leader stepped down by ${stepDownMs} ms; 20 writes on the majority ${duringMs} ms`);
  t.log(`refused: CLI write after ${cli.ms} ms (${cli.stderr.trim()}); early write after ${earlyResult.ms} ms (${earlyResult.error})`);
  t.log(`heal → old leader caught up ${catchUpMs} ms; applied index ${rafts[0]?.appliedIndex} term ${rafts[0]?.term} on all three; test ${Date.now() - testStarted} ms`);
});

test("a follower cut off from the others changes nothing: the leader keeps its majority without an election, and the follower catches up after healing", async (t) => {
  t.timeout(120_000);
  const testStarted = Date.now();
  const cluster = await startCluster(t);
  if (!cluster) return;
  const leader = await cluster.waitForLeader();
  const follower = cluster.servers.find((s) => s !== leader) ?? leader;
  const acked = new Set<string>();
  await writeAll(cluster.client(), keys("before", 20), acked);
  const before = (await cluster.self(leader))?.raft;
  const leaderId = before?.leaderId ?? "";

  await cluster.isolate(follower);
  const isolatedAt = Date.now();
  await writeAll(cluster.client([leader.address]), keys("during", 20), acked);
  const duringMs = Date.now() - isolatedAt;

  // Several of the follower's election timeouts pass: its pre-votes fail, so it gives up on the
  // old leader but never raises the term that would later depose it.
  await waitFor("the follower to give up on the leader", 10_000, async () => {
    const raft = (await cluster.self(follower))?.raft;
    return raft && raft.leaderId === "" && raft.lastContactMs >= 1000 ? true : undefined;
  });
  // Knowing no leader, the cut-off follower refuses a write sent to it alone.
  const cli = await nomadish(["var", "put", "refused/follower", "v=1"], follower.address);
  t.is(cli.code, 1, cli.stdout);
  t.regex(cli.stderr, /no cluster leader/);
  t.true(cli.ms < 15_000, `the CLI was refused after ${cli.ms} ms`);
  t.is((await cluster.self(follower))?.raft?.term, before?.term, "the isolated follower did not raise its term");
  t.is((await cluster.waitForLeader(5000, follower)).address, leader.address);

  await cluster.heal();
  const healedAt = Date.now();
  const target = (await cluster.self(leader))?.raft?.commitIndex ?? 0;
  await waitFor("the follower to catch up", 20_000, async () => {
    const raft = (await cluster.self(follower))?.raft;
    return raft && raft.leaderId === leaderId && raft.appliedIndex >= target ? true : undefined;
  });
  const catchUpMs = Date.now() - healedAt;
  const rafts = await cluster.waitForAgreement(10_000);
  t.true(rafts.every((r) => r.term === before?.term && r.leaderId === leaderId), "no election at any point");

  await assertSameState(t, cluster, acked, ["refused/follower"]);
  t.log(`20 writes with a follower cut off ${duringMs} ms; CLI write to it refused after ${cli.ms} ms (${cli.stderr.trim()})`);
  t.log(`heal → follower caught up ${catchUpMs} ms; applied index ${rafts[0]?.appliedIndex} term ${rafts[0]?.term} on all three; test ${Date.now() - testStarted} ms`);
});
