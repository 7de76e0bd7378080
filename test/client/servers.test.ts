import * as grpc from "@grpc/grpc-js";
import test from "ava";
import * as pb from "../../proto/index.js";
import { ServerPool } from "../../client/servers.js";

/** A server that answers heartbeats naming `leader` as the leader, and counts them. */
async function fakeServer(t: { teardown(fn: () => void): void }) {
  const state = { heartbeats: 0, leader: "", address: "", server: new grpc.Server() };
  state.server.addService(pb.ClientNodeService, {
    register: (_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED }),
    heartbeat: (_call, cb) => {
      state.heartbeats++;
      cb(null, { heartbeatTtlMs: 1000, servers: [], leaderAddress: state.leader, index: 1 });
    },
    watchAllocations: (call) => call.end(),
    updateAllocations: (_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED }),
    reportAllocations: (call) => call.end(),
    getAllocations: (_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED }),
  } satisfies pb.ClientNodeServer);
  const port = await new Promise<number>((resolve, reject) =>
    state.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  state.address = `127.0.0.1:${port}`;
  t.teardown(() => state.server.forceShutdown());
  return state;
}

const heartbeat = { nodeId: "n1", secretId: "s", status: pb.NodeStatus.READY };

test("calls for the leader go to the leader the servers named, and to the others when it does not answer", async (t) => {
  const a = await fakeServer(t);
  const b = await fakeServer(t);
  a.leader = b.address;
  b.leader = b.address;
  const pool = new ServerPool([a.address, b.address]);
  t.teardown(() => pool.close());

  const first = await pool.callLeader(pb.ClientNodeService.heartbeat, heartbeat);
  t.is(a.heartbeats, 1, "no leader known yet: the preferred server");
  pool.learnLeader(first.leaderAddress);
  t.is(pool.leaderAddress, b.address);
  await pool.callLeader(pb.ClientNodeService.heartbeat, heartbeat);
  await pool.callLeader(pb.ClientNodeService.heartbeat, heartbeat);
  t.deepEqual([a.heartbeats, b.heartbeats], [1, 2]);
  t.is(pool.current, a.address, "the watch's server does not move with the leader");

  b.server.forceShutdown();
  await pool.callLeader(pb.ClientNodeService.heartbeat, heartbeat);
  t.is(a.heartbeats, 2);
  t.is(pool.leaderAddress, undefined, "a leader that does not answer is forgotten");
  pool.learnLeader("");
  t.is(pool.leaderAddress, undefined);
});
