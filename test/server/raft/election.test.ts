// Leader election (§5.2), randomized timeouts, pre-vote (dissertation §9.6), leader stickiness
// and check-quorum (§6.2, §4.2.3).

import test from "ava";
import { MemoryStorage, RaftError, RaftNode } from "../../../server/raft/core/index.js";
import { Cluster, membershipOf } from "./support/cluster.js";
import { RecordingLogger } from "./support/logger.js";
import { fixedRng, Prng } from "./support/prng.js";
import { testOptions } from "./support/server.js";

function role(c: Cluster, id: string): string {
  return c.raft(id).status().role;
}

function term(c: Cluster, id: string): number {
  return c.raft(id).status().term;
}

test("a single voter elects itself when its election timeout passes and commits its first entry", (t) => {
  const c = new Cluster(["a"]);
  c.tick(18);
  t.is(role(c, "a"), "follower");
  c.tick(1); // timeout is 19 ticks with the fixed rng
  t.is(role(c, "a"), "leader");
  t.is(term(c, "a"), 1);
  c.stabilize();
  t.is(c.raft("a").status().commit, 1, "the leader's noop is committed once persisted");
  t.deepEqual(c.propose("a", "x"), { ok: true, index: 2, term: 1 });
  c.stabilize();
  t.deepEqual(c.values("a"), ["x"]);
});

test("the first server to time out wins; the others follow it in its term", (t) => {
  const c = new Cluster(["a", "b", "c"], { rng: (id) => fixedRng(id === "b" ? 0 : 0.999) });
  c.run(10); // b's timeout is 10 ticks, the others' 19
  t.is(role(c, "b"), "leader");
  for (const id of ["a", "c"]) {
    t.is(role(c, id), "follower");
    t.is(c.raft(id).status().leader, "b");
    t.is(term(c, id), 1);
  }
  c.run(30);
  t.is(role(c, "b"), "leader", "heartbeats keep the followers from campaigning");
  t.is(term(c, "b"), 1);
});

test("election timeouts are randomized in [electionTicks, 2·electionTicks)", (t) => {
  const seen = new Set<number>();
  for (let seed = 1; seed <= 200; seed++) {
    const storage = new MemoryStorage({ membership: membershipOf(["a", "b", "c"]) });
    const node = new RaftNode({ ...testOptions, id: "a", applied: 0 }, { storage, rng: new Prng(seed) });
    let ticks = 0;
    while (node.status().role === "follower" && ticks < 100) {
      node.tick();
      ticks++;
    }
    seen.add(ticks);
  }
  t.is(Math.min(...seen), testOptions.electionTicks);
  t.is(Math.max(...seen), 2 * testOptions.electionTicks - 1);
  t.is(seen.size, testOptions.electionTicks, "every timeout in the range occurs");
});

test("a candidate wins only with a majority: one vote out of three is not enough", (t) => {
  const c = new Cluster(["a", "b", "c"], { preVote: false });
  c.isolate("a");
  c.raft("a").campaign();
  c.stabilize();
  t.is(role(c, "a"), "candidate");
  t.is(term(c, "a"), 1);
  c.heal();
  c.stabilize();
  t.is(role(c, "a"), "candidate", "votes sent into the partition are lost");
  c.raft("a").campaign();
  c.stabilize();
  t.is(role(c, "a"), "leader");
  t.is(term(c, "a"), 2);
});

test("a server grants one vote per term, and the vote is synced before the answer goes out", (t) => {
  const c = new Cluster(["a", "b", "c"], { preVote: false, checkQuorum: false });
  const vote = (from: string) => ({ type: "vote" as const, from, to: "c", term: 1, lastLogIndex: 0, lastLogTerm: 0, preVote: false, transfer: false });
  c.raft("c").step(vote("a"));
  const first = c.raft("c").ready();
  t.true(first.mustSync);
  t.deepEqual(first.hardState, { term: 1, vote: "a", commit: 0 });
  t.like(first.messages[0], { type: "voteResponse", to: "a", granted: true, term: 1 });
  c.raft("c").advance(first);
  c.raft("c").step(vote("b"));
  const second = c.raft("c").ready();
  t.like(second.messages[0], { type: "voteResponse", to: "b", granted: false });
  t.is(second.hardState, undefined);
  c.raft("c").step(vote("a"));
  t.like(c.raft("c").ready().messages[0], { type: "voteResponse", to: "a", granted: true }, "a repeated request from the same candidate is granted again");
});

test("a candidate whose log is less up to date than the voter's is refused (§5.4.1)", (t) => {
  const c = new Cluster(["a", "b", "c"], { preVote: false, checkQuorum: false });
  c.elect("a");
  c.propose("a", "x");
  c.stabilize();
  c.isolate("b");
  c.propose("a", "y");
  c.stabilize();
  c.crash("a");
  c.heal();
  t.is(c.get("b").disk.lastIndex(), 2);
  t.is(c.get("c").disk.lastIndex(), 3);
  c.raft("b").campaign();
  c.stabilize();
  t.not(role(c, "b"), "leader", "c refuses b, whose log lacks y");
  c.raft("c").campaign();
  c.stabilize();
  t.is(role(c, "c"), "leader", "b votes for c, whose log is longer");
  c.stabilize();
  t.deepEqual(c.values("b"), ["x", "y"]);
});

test("pre-vote: a partitioned server does not raise its term, so it does not disrupt the leader when it returns", (t) => {
  const c = new Cluster(["a", "b", "c"], { preVote: true });
  c.elect("a");
  c.isolate("c");
  c.run(100);
  t.is(role(c, "c"), "pre-candidate");
  t.is(term(c, "c"), 1, "pre-votes never bump the term");
  c.heal();
  c.run(5);
  t.is(role(c, "a"), "leader");
  t.is(term(c, "a"), 1);
  t.is(c.raft("c").status().leader, "a");
});

test("without pre-vote, a partitioned server's term grows and deposes the leader when it returns", (t) => {
  const c = new Cluster(["a", "b", "c"], { preVote: false, checkQuorum: false });
  c.elect("a");
  c.isolate("c");
  c.run(100);
  t.true(term(c, "c") > 3);
  c.heal();
  c.run(60);
  t.true(term(c, "a") > 1, "the returning server's higher term forced a new election");
});

test("leader stickiness: a follower that heard from its leader recently ignores vote requests", (t) => {
  const c = new Cluster(["a", "b", "c"], { preVote: true, checkQuorum: true });
  c.elect("a");
  const request = { type: "vote" as const, from: "c", to: "b", term: 5, lastLogIndex: 10, lastLogTerm: 5, preVote: false, transfer: false };
  c.raft("b").step(request);
  t.is(term(c, "b"), 1, "the higher term is not adopted");
  t.deepEqual(c.raft("b").ready().messages, [], "no answer at all");
  c.raft("b").step({ ...request, preVote: true });
  t.deepEqual(c.raft("b").ready().messages, []);
  c.tick(testOptions.electionTicks, ["b"]);
  c.raft("b").step({ ...request, preVote: true });
  t.like(c.raft("b").ready().messages[0], { type: "voteResponse", granted: true, preVote: true, term: 5 }, "after an election timeout without the leader, it answers");
  t.is(term(c, "b"), 1);
});

test("check-quorum: a leader that hears from no majority for an election timeout steps down", (t) => {
  const c = new Cluster(["a", "b", "c"], { checkQuorum: true });
  c.elect("a");
  c.isolate("a");
  for (let i = 0; i < 2 * testOptions.electionTicks; i++) {
    c.tick(1, ["a"]);
    c.stabilize();
  }
  t.is(role(c, "a"), "follower");
  t.is(term(c, "a"), 1, "stepping down does not change the term");
  t.true(c.logger.warnings().some((w) => w.includes("no word from a quorum")));
});

test("check-quorum: a leader that hears from a majority stays leader", (t) => {
  const c = new Cluster(["a", "b", "c", "d", "e"], { checkQuorum: true });
  c.elect("a");
  c.crash("d");
  c.crash("e");
  c.run(5 * testOptions.electionTicks);
  t.is(role(c, "a"), "leader");
});

test("without check-quorum an isolated leader keeps believing it leads", (t) => {
  const c = new Cluster(["a", "b", "c"], { checkQuorum: false, preVote: false });
  c.elect("a");
  c.isolate("a");
  c.run(5 * testOptions.electionTicks);
  t.is(role(c, "a"), "leader");
});

test("election safety: over many random elections no term ever has two leaders", (t) => {
  const leaders = new Map<number, string>();
  for (let seed = 1; seed <= 40; seed++) {
    const rng = new Prng(seed);
    const c = new Cluster(["a", "b", "c", "d", "e"], { preVote: seed % 2 === 0, rng: () => rng.fork() });
    leaders.clear();
    for (let round = 0; round < 60; round++) {
      const id = rng.pick(c.ids());
      if (rng.chance(0.3)) c.raft(id).campaign();
      if (rng.chance(0.1)) c.isolate(rng.pick(c.ids()));
      if (rng.chance(0.2)) c.heal();
      c.drop = rng.chance(0.3) ? () => rng.chance(0.3) : undefined;
      c.tick(rng.between(1, 12));
      c.stabilize();
      for (const s of c.servers.values()) {
        const st = s.raft.status();
        if (st.role !== "leader") continue;
        const known = leaders.get(st.term);
        t.true(known === undefined || known === s.id, `seed ${seed}: ${known ?? ""} and ${s.id} both led term ${st.term}`);
        leaders.set(st.term, s.id);
      }
    }
  }
});

test("a server that is not a voter never campaigns", (t) => {
  const storage = new MemoryStorage({ membership: membershipOf(["a", "b", "c"]) });
  const logger = new RecordingLogger();
  const node = new RaftNode({ ...testOptions, id: "z", applied: 0 }, { storage, rng: fixedRng(0), logger });
  for (let i = 0; i < 100; i++) node.tick();
  node.campaign();
  t.is(node.status().role, "follower");
  t.is(node.status().term, 0);
  t.false(node.hasReady());
});

test("options that cannot work are refused when the node is built", (t) => {
  const storage = new MemoryStorage();
  const build = (changes: Partial<typeof testOptions>) => () => new RaftNode({ ...testOptions, ...changes, id: "a", applied: 0 }, { storage, rng: fixedRng(0) });
  t.throws(build({ electionTicks: 1, heartbeatTicks: 1 }), { instanceOf: RaftError });
  t.throws(build({ heartbeatTicks: 0 }), { instanceOf: RaftError });
  t.throws(build({ maxInflightAppends: 0 }), { instanceOf: RaftError });
  t.notThrows(build({}));
});
