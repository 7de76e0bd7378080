// PutMany and the batching writer against a real 3-server cluster: concurrent writes leave in few
// calls, each write keeps its own outcome, and the server bounds what one call may carry.

import test from "ava";
import * as grpc from "@grpc/grpc-js";
import * as pb from "../../../proto/index.js";
import { VariableBatchWriter } from "../../../shared/api/batching-writer.js";
import { TestCluster } from "../../support/cluster.js";
import { missing, writeRequest } from "../../support/writes.js";

let cluster: TestCluster;

test.before(async () => {
  cluster = await TestCluster.start({ servers: 3 });
  await cluster.waitForLeader();
});

test.after.always(async () => {
  await cluster?.stop();
});

test.serial("concurrent writes through a follower travel in far fewer calls, and every one is applied once", async (t) => {
  const leader = await cluster.waitForLeader();
  const follower = cluster.addresses.find((a) => a !== leader.address) as string;
  const client = cluster.client([follower]);
  const writer = new VariableBatchWriter(client);
  const keys = Array.from({ length: 300 }, (_, i) => `batched/${i}`);
  const responses = await Promise.all(keys.map((key) => writer.put(writeRequest(key))));
  t.true(writer.calls < keys.length / 10, `${writer.calls} calls for ${keys.length} writes`);
  t.is(new Set(responses.map((r) => r.variable?.modifyIndex)).size, keys.length, "each write is its own entry");
  t.deepEqual(responses.map((r) => r.variable?.path), keys);
  t.deepEqual(await missing(cluster.client(), keys), []);
});

test.serial("a bad put and a check-and-set conflict fail alone; the puts beside them are applied", async (t) => {
  const client = cluster.client();
  const writer = new VariableBatchWriter(client);
  const first = await writer.put(writeRequest("cas/a"));
  const [good, bad, conflict] = await Promise.allSettled([
    writer.put(writeRequest("mixed/good")),
    writer.put(writeRequest("/not a path")),
    writer.put({ ...writeRequest("cas/a"), checkIndex: 1 }),
  ]);
  t.is(good.status, "fulfilled");
  t.is(bad.status, "rejected");
  t.regex(bad.status === "rejected" ? String(bad.reason.message) : "", /invalid variable path "\/not a path"/);
  t.is(conflict.status, "fulfilled");
  if (conflict.status === "fulfilled") {
    t.true(conflict.value.conflict);
    t.is(conflict.value.variable?.modifyIndex, first.variable?.modifyIndex);
  }
  t.deepEqual(await missing(client, ["mixed/good"]), []);
});

test.serial("a call with more than 1,024 puts is refused whole and applies nothing", async (t) => {
  const client = cluster.client();
  const puts = Array.from({ length: 1025 }, (_, i) => writeRequest(`too-many/${i}`));
  const err = await t.throwsAsync(client.callAt(0, pb.VariablesService.putMany, { puts }));
  t.is((err as unknown as grpc.ServiceError).code, grpc.status.INVALID_ARGUMENT);
  t.regex(err?.message ?? "", /at most 1024 puts per call, not 1025/);
  t.is((await missing(client, ["too-many/0", "too-many/1024"])).length, 2);
});
