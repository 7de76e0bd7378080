// The partition nemesis against three real servers under writes: it partitions and heals on
// schedule, forces elections when it cuts the leader off, ends with the network whole, and the
// cluster then agrees on one log holding every acknowledged write.

import test from "ava";
import { performance } from "node:perf_hooks";
import { waitFor } from "../support/cluster.js";
import { NetnsCluster, netnsUnavailableReason } from "../support/netns.js";
import { PartitionNemesis, type NemesisRandom } from "../support/partition-nemesis.js";
import { missing, put } from "../support/writes.js";

const unavailable = await netnsUnavailableReason();

const random: NemesisRandom = {
  int: (n) => Math.floor(Math.random() * n),
  between: (min, max) => min + Math.random() * (max - min),
};

test("the nemesis cuts the leader off again and again, leaves the network healed, and no acknowledged write is lost", async (t) => {
  if (unavailable !== undefined) {
    t.fail(`partition tests need Linux network namespaces as root: ${unavailable}`);
    return;
  }
  t.timeout(90_000);
  const cluster = await NetnsCluster.start({ servers: 3, flags: ["-raft-multiplier", "2"] });
  t.teardown(() => cluster.stop());
  const first = await cluster.waitForLeader();
  const startTerm = (await cluster.self(first))?.raft?.term ?? 0;

  const nemesis = new PartitionNemesis(cluster, {
    random, now: () => performance.now(), kinds: ["isolate-leader"], partitionMs: [1200, 1500], healedMs: [300, 500],
  });
  const client = cluster.client(cluster.addresses, 3000);
  const acked = new Set<string>();
  let writing = true;
  let n = 0;
  const writers = Array.from({ length: 2 }, async (_, w) => {
    while (writing) {
      const key = `w${w}/k${n++}`;
      try {
        await put(client, key);
        acked.add(key);
      } catch {
        // Refused or outcome unknown: only acknowledged writes must survive.
      }
    }
  });

  nemesis.start();
  // Two whole partitions, each healed on schedule (stop() would cut a running one short).
  await waitFor("two partitions healed", 20_000, async () => (nemesis.events.filter((e) => e.action === "heal").length >= 2 ? true : undefined));
  await nemesis.stop();
  writing = false;
  await Promise.all(writers);

  const actions = nemesis.events.map((e) => e.action);
  t.true(actions.every((a, i) => a === (i % 2 === 0 ? "partition" : "heal")), `partitions and heals alternate: ${nemesis.summary()}`);
  t.is(actions.at(-1), "heal");
  for (const event of nemesis.events.filter((e) => e.action === "partition")) {
    t.is(event.groups.length, 2);
    t.is(event.groups[0]?.length, 1, "one server cut off from the other two");
  }

  const rafts = await cluster.waitForAgreement(20_000);
  t.true((rafts[0]?.term ?? 0) >= startTerm + 2, `each leader cut off forced an election (term ${startTerm} → ${rafts[0]?.term})`);
  t.true(acked.size > 0);
  for (const server of cluster.servers) t.deepEqual(await missing(cluster.client([server.address]), acked, true), [], `server${server.index} has every acknowledged write`);
  t.log(`${acked.size} writes acknowledged; term ${startTerm} → ${rafts[0]?.term}; ${nemesis.summary()}`);
});
