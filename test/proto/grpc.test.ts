// The generated definitions work with grpc-js end to end, over loopback, for the streaming
// kinds the contract uses.

import test from "ava";
import * as grpc from "@grpc/grpc-js";
import * as pb from "../../proto/index.js";

async function listen(server: grpc.Server): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return `127.0.0.1:${port}`;
}

test("a snapshot streams from a Raft client to a Raft server in chunks", async (t) => {
  const received: pb.InstallSnapshotRequest[] = [];
  const impl: pb.RaftServer = {
    messages: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED }),
    installSnapshot: (call, callback) => {
      call.on("data", (chunk: pb.InstallSnapshotRequest) => received.push(chunk));
      call.on("end", () => {
        const bytes = received.reduce((sum, c) => sum + c.data.length, 0);
        callback(null, { term: 3, success: received.at(-1)?.done === true, bytesReceived: bytes });
      });
    },
  };
  const server = new grpc.Server();
  server.addService(pb.RaftService, impl);
  const address = await listen(server);
  const client = new pb.RaftClient(address, grpc.credentials.createInsecure());
  t.teardown(() => {
    client.close();
    server.forceShutdown();
  });

  const response = await new Promise<pb.InstallSnapshotResponse>((resolve, reject) => {
    const stream = client.installSnapshot((err, res) => (err ? reject(err) : resolve(res)));
    const data = Buffer.from("0123456789abcdef");
    for (let offset = 0; offset < data.length; offset += 6) {
      stream.write(pb.InstallSnapshotRequest.fromPartial({
        clusterId: "c", term: 3, leaderId: "s1", lastIncludedIndex: 77, lastIncludedTerm: 2,
        membership: { voters: [{ id: "s1", address: address }] },
        offset, data: data.subarray(offset, offset + 6), done: offset + 6 >= data.length,
      }));
    }
    stream.end();
  });

  t.deepEqual(response, { term: 3, success: true, bytesReceived: 16 });
  t.deepEqual(received.map((c) => c.offset), [0, 6, 12]);
  t.is(Buffer.concat(received.map((c) => c.data)).toString(), "0123456789abcdef");
});

test("events stream from the servers to a subscriber with their payloads", async (t) => {
  const impl: pb.EventsServer = {
    subscribe: (call) => {
      const from = call.request.fromIndex;
      call.write({ index: from + 1, events: [] });
      call.write({
        index: from + 2,
        events: [{
          topic: pb.EventTopic.JOB, type: "JobRegistered", key: "web", namespace: "default", index: from + 2,
          payload: { $case: "job", job: pb.Job.fromPartial({ id: "web", type: pb.JobType.SERVICE, version: 1 }) },
        }],
      });
      call.end();
    },
  };
  const server = new grpc.Server();
  server.addService(pb.EventsService, impl);
  const address = await listen(server);
  const client = new pb.EventsClient(address, grpc.credentials.createInsecure());
  t.teardown(() => {
    client.close();
    server.forceShutdown();
  });

  const frames: pb.EventsSubscribeResponse[] = [];
  await new Promise<void>((resolve, reject) => {
    const stream = client.subscribe({ topics: [{ topic: pb.EventTopic.JOB, keys: ["web"] }], fromIndex: 10, namespace: "" });
    stream.on("data", (frame: pb.EventsSubscribeResponse) => frames.push(frame));
    stream.on("error", reject);
    stream.on("end", resolve);
  });

  t.deepEqual(frames.map((f) => f.index), [11, 12]);
  const payload = frames[1]?.events[0]?.payload;
  t.is(payload?.$case, "job");
  if (payload?.$case === "job") t.like(payload.job, { id: "web", type: pb.JobType.SERVICE, version: 1 });
});
