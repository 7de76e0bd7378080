// The safety properties of Figure 3 driven by hand: the Figure 8 scenario (§5.4.2), leader
// completeness and state machine safety under crashes and partitions.

import test from "ava";
import type { Entry } from "../../../server/raft/core/index.js";
import { Cluster } from "./support/cluster.js";
import { entryKey } from "./support/machine.js";
import { Prng } from "./support/prng.js";
import type { Server } from "./support/server.js";

function terms(s: Server): number[] {
  const out: number[] = [];
  for (let i = s.disk.firstIndex(); i <= s.disk.lastIndex(); i++) out.push(s.disk.term(i) ?? -1);
  return out;
}

function campaignUntilLeader(c: Cluster, id: string, attempts = 4): boolean {
  for (let i = 0; i < attempts; i++) {
    c.raft(id).campaign();
    c.stabilize();
    if (c.raft(id).status().role === "leader") return true;
  }
  return false;
}

/**
 * Figure 8 up to (c): S1 leads term 3 and has replicated index 2 (from term 1) to S2 and S3, a
 * majority, while its own entry of term 3 (index 3) has reached nobody. S5 holds index 2 from
 * term 2. Indexes are shifted by one against the paper because index 1 is the first leader's noop.
 */
function figure8(): Cluster {
  const ids = ["s1", "s2", "s3", "s4", "s5"];
  const c = new Cluster(ids, { preVote: false, checkQuorum: false, maxAppendBytes: 0 });
  c.elect("s1");
  // (a) S1 (term 1) replicates A at index 2 to S2 only.
  c.cutLinks("s1", ["s3", "s4", "s5"]);
  c.propose("s1", "A");
  c.stabilize();
  // (b) S1 crashes; S5 is elected in term 2 by S3, S4 and itself and appends index 2, which reaches nobody.
  c.crash("s1");
  c.heal();
  c.drop = (m) => m.from === "s5" && m.type === "append";
  if (!campaignUntilLeader(c, "s5")) throw new Error("s5 was not elected");
  c.crash("s5");
  // (c) S1 restarts and is elected in term 3; index 2 reaches S3, but index 3 (term 3) reaches no one.
  c.restart("s1");
  c.drop = (m) => m.from === "s1" && m.type === "append" && m.entries.some((e) => e.index >= 3);
  c.cutLinks("s1", ["s4"]);
  if (!campaignUntilLeader(c, "s1")) throw new Error("s1 was not elected");
  c.run(2);
  return c;
}

test("Figure 8: an entry from an earlier term on a majority is not committed by counting replicas", (t) => {
  const c = figure8();
  const s1 = c.get("s1");
  t.deepEqual(terms(s1), [1, 1, 3]);
  t.deepEqual(terms(c.get("s2")), [1, 1]);
  t.deepEqual(terms(c.get("s3")), [1, 1]);
  t.like(s1.raft.status().progress, { s2: { match: 2 }, s3: { match: 2 } });
  t.is(s1.raft.status().commit, 1, "index 2 is on S1, S2 and S3 but is of term 1, not the current term 3");
  for (const id of ["s1", "s2", "s3", "s4"]) t.deepEqual(c.values(id), [], id);
});

test("Figure 8 (d): that entry can still be overwritten by a leader with a later last term", (t) => {
  const c = figure8();
  c.crash("s1");
  c.drop = undefined;
  c.heal();
  c.restart("s5");
  t.true(campaignUntilLeader(c, "s5"), "S2, S3 and S4 vote for S5: its last term (2) beats their 1");
  c.stabilize();
  for (const id of ["s2", "s3", "s4", "s5"]) {
    const ts = terms(c.get(id));
    t.is(ts[1], 2, `${id}'s index 2 now holds S5's entry of term 2`);
    t.deepEqual(c.values(id), [], "A was never applied anywhere");
  }
});

test("Figure 8 (e): once an entry of the current term is on a majority, the earlier one is committed with it", (t) => {
  const c = figure8();
  c.drop = undefined;
  c.run(2);
  const s1 = c.get("s1");
  t.is(s1.raft.status().commit, 3, "index 3 (term 3) on S1, S2, S3 commits index 2 as well");
  t.deepEqual(c.values("s1"), ["A"]);
  c.crash("s1");
  c.heal();
  c.restart("s5");
  t.false(campaignUntilLeader(c, "s5"), "S2 and S3 refuse S5: their last term (3) beats its 2");
  t.true(campaignUntilLeader(c, "s2"));
  c.run(2);
  for (const id of ["s2", "s3", "s4", "s5"]) t.deepEqual(c.values(id), ["A"], id);
});

test("leader completeness and state machine safety hold through random crashes, partitions and elections", (t) => {
  let leaders = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const rng = new Prng(seed);
    const applied = new Map<number, string>();
    const violations: string[] = [];
    const c = new Cluster(["a", "b", "c", "d", "e"], {
      preVote: rng.chance(0.5),
      checkQuorum: rng.chance(0.5),
      rng: () => rng.fork(),
      observer: {
        applied: (s: Server, e: Entry) => {
          const key = entryKey(e);
          const known = applied.get(e.index);
          if (known !== undefined && known !== key) violations.push(`${s.id} applied ${key} at ${e.index}, another ${known}`);
          applied.set(e.index, key);
        },
      },
    });
    const checkedLeaders = new Set<string>();
    for (let round = 0; round < 80; round++) {
      const id = rng.pick(c.ids());
      const r = rng.next();
      if (r < 0.1) c.crash(id);
      else if (r < 0.3) c.restart(id);
      else if (r < 0.4) c.isolate(id);
      else if (r < 0.5) c.heal();
      else if (c.get(id).up) c.propose(id, `v${round}`);
      c.tick(rng.between(1, 6));
      c.stabilize();
      for (const s of c.servers.values()) {
        const st = s.up ? s.raft.status() : undefined;
        if (st?.role !== "leader" || checkedLeaders.has(`${s.id}/${st.term}`)) continue;
        checkedLeaders.add(`${s.id}/${st.term}`);
        for (const [index, key] of applied) {
          const term = Number(key.split(":")[0]);
          if (index >= s.disk.firstIndex() && s.disk.term(index) !== term) violations.push(`leader ${s.id} of term ${st.term} lacks committed entry ${index}`);
        }
      }
    }
    t.deepEqual(violations, [], `seed ${seed}`);
    leaders += checkedLeaders.size;
  }
  t.true(leaders > 90, `${leaders} leader terms were exercised`);
});
