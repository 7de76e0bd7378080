// The partition faults against three real servers: each cuts a minority off, the majority side
// has (or elects) the leader and takes writes, and after each heal the cluster agrees on one log
// holding every acknowledged write.

import test from "ava";
import { NetnsCluster, netnsUnavailableReason } from "../support/netns.js";
import { partitionFaults, type NemesisRandom } from "../support/partition-nemesis.js";
import { missing, put } from "../support/writes.js";

const unavailable = await netnsUnavailableReason();

const random: NemesisRandom = { int: (n) => Math.floor(Math.random() * n) };

test("each partition fault cuts off a minority, the majority keeps a leader and takes writes, and healing loses nothing", async (t) => {
  if (unavailable !== undefined) {
    t.fail(`partition tests need Linux network namespaces as root: ${unavailable}`);
    return;
  }
  t.timeout(90_000);
  const cluster = await NetnsCluster.start({ servers: 3, flags: ["-raft-multiplier", "2"] });
  t.teardown(() => cluster.stop());
  await cluster.waitForLeader();
  const acked: string[] = [];
  const faults = partitionFaults(cluster, random);
  t.deepEqual([...faults.keys()], ["isolate-random", "split-minority"]);

  for (const fault of faults.values()) {
    await fault.start();
    const [minority, majority] = fault.groups;
    t.is(minority?.length, 1, `${fault.name}: one of three servers cut off (${fault.target})`);
    t.is(majority?.length, 2);
    t.regex(fault.target ?? "", /^[\d.]+:\d+ \| [\d.]+:\d+,[\d.]+:\d+$/);

    const leader = await cluster.waitForLeader(10_000, minority);
    t.true(majority?.includes(leader), `${fault.name}: the leader is on the majority side`);
    const client = cluster.client((majority ?? []).map((s) => s.address));
    for (let i = 0; i < 5; i++) {
      const key = `${fault.name}/${i}`;
      await put(client, key);
      acked.push(key);
    }

    await fault.stop();
    await cluster.waitForAgreement(20_000);
  }
  for (const server of cluster.servers) t.deepEqual(await missing(cluster.client([server.address]), acked, true), [], `server${server.index} has every acknowledged write`);
});
