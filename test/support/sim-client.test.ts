import * as grpc from "@grpc/grpc-js";
import test, { type ExecutionContext } from "ava";
import * as pb from "../../proto/index.js";
import { computeNodeClass } from "../../server/scheduler/class.js";
import type { Allocation } from "../../shared/model/index.js";
import {
  allocClientUpdateFromWire, allocClientUpdateToWire, allocToWire, nodeFromWire, nodeToWire,
} from "../../shared/wire/index.js";
import { allocation } from "../shared/wire/fixtures.js";
import { waitFor } from "./cluster.js";
import { SimFleet, decodeWatchFrame, type SimFleetOptions, nvidiaGpus, simAllocUpdate, simNode, watchFrameAllocIds } from "./sim-client.js";

// ---------------------------------------------------------------------------------------------
// Nodes

test("a simulated node carries Nomad's fingerprinted attributes for its size and arch", (t) => {
  const node = simNode({ name: "edge-1", cores: 2, mhzPerCore: 1800, memoryMb: 4096, arch: "arm64", nodeClass: "edge" });
  t.like(node.attributes, {
    "cpu.arch": "arm64", "cpu.numcores": "2", "cpu.totalcompute": "3600", "memory.totalbytes": String(4096 * 1024 * 1024),
    "kernel.name": "linux", "os.name": "debian", "unique.hostname": "edge-1", "driver.mock": "1", "driver.exec": "1", "driver.docker": "1",
  });
  t.truthy(node.attributes["nomad.version"]);
  t.like(node.resources, { cpuMhz: 3600, cores: 2, memoryMb: 4096 });
  t.is(node.nodeClass, "edge");
  t.is(node.status, "ready");
  for (const name of ["mock", "exec", "docker"]) t.like(node.drivers[name], { detected: true, healthy: true });
});

test("every simulated node gets its own id, secret and address", (t) => {
  const nodes = Array.from({ length: 300 }, (_, i) => simNode({ name: `n${i}` }));
  for (const key of ["id", "secretId"] as const) t.is(new Set(nodes.map((n) => n[key])).size, 300);
  const ips = nodes.map((n) => n.attributes["unique.network.ip-address"]);
  t.is(new Set(ips).size, 300);
  t.deepEqual(nodes.map((n) => n.resources.networks[0]?.ip), ips);
});

test("nodes built from one spec share a computed class; a different size does not", (t) => {
  const a = simNode({ name: "a", cores: 16, memoryMb: 65_536 });
  const b = simNode({ name: "b", cores: 16, memoryMb: 65_536 });
  const small = simNode({ name: "c" });
  t.is(computeNodeClass(a), computeNodeClass(b));
  t.not(computeNodeClass(a), computeNodeClass(small));
});

test("overrides replace fingerprinted attributes, drivers and reserved resources", (t) => {
  const node = simNode({
    name: "win", drivers: ["exec"], attributes: { "kernel.name": "windows" }, meta: { rack: "r2" }, reserved: { memoryMb: 512 },
    devices: [nvidiaGpus(2, "A100", 40_960)],
  });
  t.is(node.attributes["kernel.name"], "windows");
  t.deepEqual(Object.keys(node.drivers), ["exec"]);
  t.false("driver.mock" in node.attributes);
  t.deepEqual(node.meta, { rack: "r2" });
  t.like(node.reserved, { memoryMb: 512, cpuMhz: 0 });
  const gpus = node.resources.devices[0];
  t.like(gpus, { vendor: "nvidia", type: "gpu", name: "A100" });
  t.is(gpus?.attributes["memory"], "40960 MiB");
  t.is(new Set(gpus?.instances.map((i) => i.id)).size, 2);
});

test("a simulated node survives registration on the wire, secret included", (t) => {
  const node = simNode({ name: "gpu", devices: [nvidiaGpus(1)] });
  t.deepEqual(nodeFromWire(pb.Node.decode(pb.Node.encode(nodeToWire(node, { secret: "include" })).finish())), node);
});

// ---------------------------------------------------------------------------------------------
// Watch frames and reports

function frame(index: number, allocs: Allocation[], alsoOnNode: string[] = []): pb.ClientNodeWatchAllocationsResponse {
  const allocModifyIndexes: Record<string, number> = {};
  for (const a of allocs) allocModifyIndexes[a.id] = a.allocModifyIndex;
  for (const id of alsoOnNode) allocModifyIndexes[id] = 1;
  return { index, allocModifyIndexes, allocations: allocs.map(allocToWire), delta: false, removedIds: [] };
}

/** A delta frame: the changed allocations and the ids gone since the previous frame. */
function delta(index: number, allocs: Allocation[], removedIds: string[] = []): pb.ClientNodeWatchAllocationsResponse {
  return { ...frame(index, allocs), delta: true, removedIds };
}

function alloc(id: string, overrides: Partial<Allocation> = {}): Allocation {
  return { ...allocation(), id, clientStatus: "pending", taskStates: {}, ...overrides };
}

test("a watch frame decodes to what a client needs, skipping the job copies", (t) => {
  const bytes = pb.ClientNodeWatchAllocationsResponse.encode(frame(42, [alloc("a1", { allocModifyIndex: 40 })], ["old"])).finish();
  const decoded = decodeWatchFrame(bytes);
  t.is(decoded.index, 42);
  t.is(decoded.allocCount, 2);
  t.deepEqual(decoded.allocations, [{
    id: "a1", jobId: "web", name: "web.web[2]", taskGroup: "web", tasks: ["server", "log-shipper"], desiredStatus: "run",
    clientStatus: "pending", allocModifyIndex: 40,
  }]);
  t.deepEqual(watchFrameAllocIds(bytes), new Set(["a1", "old"]));
});

test("a delta frame decodes with its flag and the ids of the allocations gone", (t) => {
  const bytes = pb.ClientNodeWatchAllocationsResponse.encode(delta(43, [alloc("a1", { allocModifyIndex: 43 })], ["gone1", "gone2"])).finish();
  const decoded = decodeWatchFrame(bytes);
  t.like(decoded, { index: 43, allocCount: 1, delta: true, removedIds: ["gone1", "gone2"] });
  t.deepEqual(decoded.allocations.map((a) => a.id), ["a1"]);
  t.like(decodeWatchFrame(pb.ClientNodeWatchAllocationsResponse.encode(frame(1, [])).finish()), { delta: false, removedIds: [] });
});

test("a running report has every task running and a healthy deployment status, and survives the wire", (t) => {
  const update = simAllocUpdate("a1", ["server", "log-shipper"], "running", 1_700_000_000_000);
  t.is(update.clientStatus, "running");
  t.deepEqual(Object.keys(update.taskStates), ["server", "log-shipper"]);
  t.like(update.taskStates["server"], { state: "running", failed: false });
  t.like(update.deploymentStatus, { healthy: true });
  t.deepEqual(allocClientUpdateFromWire(allocClientUpdateToWire(update)), update);
  t.like(simAllocUpdate("a1", ["server"], "failed", 1).taskStates["server"], { state: "dead", failed: true });
  t.like(simAllocUpdate("a1", ["server"], "complete", 1).taskStates["server"], { state: "dead", failed: false });
});

// ---------------------------------------------------------------------------------------------
// The fleet against a fake ClientNode service (the real one is tested in e2e)

class FakeServer {
  /** What register and heartbeat answers name as the leader. */
  leaderAddress = "";
  readonly registered = new Map<string, pb.Node>();
  readonly heartbeats = new Map<string, number>();
  readonly updates: pb.AllocClientUpdate[] = [];
  updateRequests = 0;
  /** Of those, the ones that came on a report stream. */
  streamedRequests = 0;
  readonly watches: { nodeId: string; minIndex: number; call: grpc.ServerWritableStream<pb.ClientNodeWatchAllocationsRequest, pb.ClientNodeWatchAllocationsResponse> }[] = [];
  private readonly server = new grpc.Server();
  address = "";

  static async start(ttlMs: number): Promise<FakeServer> {
    const fake = new FakeServer();
    fake.server.addService(pb.ClientNodeService, {
      register: (call, cb) => {
        const node = call.request.node as pb.Node;
        fake.registered.set(node.id, node);
        cb(null, { heartbeatTtlMs: ttlMs, servers: [], leaderAddress: fake.leaderAddress, nodeModifyIndex: 1, evalIds: [], index: 1 });
      },
      heartbeat: (call, cb) => {
        fake.heartbeats.set(call.request.nodeId, (fake.heartbeats.get(call.request.nodeId) ?? 0) + 1);
        cb(null, { heartbeatTtlMs: ttlMs, servers: [], leaderAddress: fake.leaderAddress, index: 1 });
      },
      watchAllocations: (call) => {
        fake.watches.push({ nodeId: call.request.nodeId, minIndex: call.request.minIndex, call });
      },
      updateAllocations: (call, cb) => {
        fake.updates.push(...call.request.updates);
        fake.updateRequests++;
        cb(null, { index: 1 });
      },
      reportAllocations: (call) => {
        call.on("data", (req: pb.ClientNodeUpdateAllocationsRequest) => {
          fake.updates.push(...req.updates);
          fake.updateRequests++;
          fake.streamedRequests++;
          call.write({ index: 1 });
        });
        call.on("end", () => call.end());
      },
      getAllocations: (_call, cb) => cb(null, { allocations: [], index: 1 }),
    } satisfies pb.ClientNodeServer);
    const port = await new Promise<number>((resolve, reject) =>
      fake.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    fake.address = `127.0.0.1:${port}`;
    return fake;
  }

  /** The open watch of a node (the latest). */
  watch(nodeId: string) {
    return this.watches.filter((w) => w.nodeId === nodeId && !w.call.cancelled).at(-1);
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

async function fakeCluster(t: { teardown(fn: () => void): void }, servers: number, ttlMs = 400): Promise<FakeServer[]> {
  const fakes = await Promise.all(Array.from({ length: servers }, () => FakeServer.start(ttlMs)));
  t.teardown(() => fakes.forEach((f) => f.stop()));
  return fakes;
}

test("the fleet registers its nodes round-robin across the servers, heartbeats and watches", async (t) => {
  const fakes = await fakeCluster(t, 2);
  const fleet = await SimFleet.start(fakes.map((f) => f.address), [{ name: "a" }, { name: "b" }, { name: "c" }, { name: "d" }]);
  t.teardown(() => fleet.stop());
  t.deepEqual(fakes.map((f) => f.registered.size), [2, 2]);
  t.is(fakes[0]?.registered.get(fleet.node("a").id)?.secretId, fleet.node("a").secretId);
  await waitFor("two heartbeats from every node", 5_000, async () =>
    fleet.nodes.every((n) => fakes.some((f) => (f.heartbeats.get(n.id) ?? 0) >= 2)) || undefined);
  await waitFor("every node watching", 5_000, async () => fleet.nodes.every((n) => fakes.some((f) => f.watch(n.id))) || undefined);
});

/** A fleet of one node, "a", on one fake server, and the server's end of the node's watch. */
async function watchedNode(t: ExecutionContext, opts: SimFleetOptions = {}) {
  const [fake] = await fakeCluster(t, 1) as [FakeServer];
  const fleet = await SimFleet.start([fake.address], [{ name: "a" }], opts);
  t.teardown(() => fleet.stop());
  const watch = await waitFor("the watch", 5_000, async () => fake.watch(fleet.node("a").id));
  return { fake, fleet, watch };
}

test("placed allocations are reported running once, stopped ones complete, and gone ones forgotten", async (t) => {
  const { fake, fleet, watch } = await watchedNode(t);
  watch.call.write(frame(10, [alloc("a1"), alloc("a2")]));
  await fleet.waitForRunning(2, 5_000);
  t.is(fleet.allocsSeen(), 2);
  t.deepEqual(fake.updates.map((u) => [u.allocId, u.clientStatus]), [["a1", pb.AllocClientStatus.RUNNING], ["a2", pb.AllocClientStatus.RUNNING]]);
  t.deepEqual(Object.keys(fake.updates[0]?.taskStates ?? {}).sort(), ["log-shipper", "server"]);

  // The same allocations again change nothing; a stop makes the alloc complete.
  watch.call.write(frame(11, [alloc("a1"), alloc("a2", { desiredStatus: "stop" })]));
  await fleet.waitFor("a2 complete", () => fleet.stats().complete === 1, 5_000);
  t.deepEqual(fake.updates.slice(2).map((u) => [u.allocId, u.clientStatus]), [["a2", pb.AllocClientStatus.COMPLETE]]);
  t.is(fleet.allocsRunning(), 1);
  t.is(fleet.acked(), 3);

  // a1 garbage-collected: the node's list no longer names it.
  watch.call.write(frame(12, [], ["a2"]));
  await fleet.waitFor("a1 forgotten", () => fleet.allocsRunning() === 0, 5_000);
  t.is(fleet.stats().complete, 1);
});

test("runForMs completes allocations after they ran; failAllocs fails the ones it picks", async (t) => {
  const { fake, fleet, watch } = await watchedNode(t, { runForMs: 100, failAllocs: (a) => a.id === "bad" });
  watch.call.write(frame(5, [alloc("good"), alloc("bad")]));
  await fleet.waitFor("good complete, bad failed", () => fleet.stats().complete === 1 && fleet.stats().failed === 1, 5_000);
  const statuses = fake.updates.map((u) => `${u.allocId}:${pb.AllocClientStatus[u.clientStatus]}`);
  t.deepEqual(statuses.filter((s) => s.startsWith("good")), ["good:RUNNING", "good:COMPLETE"]);
  t.deepEqual(statuses.filter((s) => s.startsWith("bad")), ["bad:FAILED"]);
});

test("a broken watch resumes from the last frame's index on the next server", async (t) => {
  const fakes = await fakeCluster(t, 2);
  const fleet = await SimFleet.start(fakes.map((f) => f.address), [{ name: "a" }]);
  t.teardown(() => fleet.stop());
  const nodeId = fleet.node("a").id;
  const first = await waitFor("the watch", 5_000, async () => fakes[0]?.watch(nodeId));
  t.is(first.minIndex, 0);
  first.call.write(frame(17, [alloc("a1")]));
  await fleet.waitForRunning(1, 5_000);
  first.call.emit("error", { code: grpc.status.UNAVAILABLE, details: "server going away" });
  const second = await waitFor("the watch again", 5_000, async () => fakes[1]?.watch(nodeId));
  t.is(second.minIndex, 17);
});

test("a watch from index 0 that never sends its first frame is opened again on the next server", async (t) => {
  const fakes = await fakeCluster(t, 2);
  const fleet = await SimFleet.start(fakes.map((f) => f.address), [{ name: "a" }], { firstFrameTimeoutMs: 300 });
  t.teardown(() => fleet.stop());
  const nodeId = fleet.node("a").id;
  await waitFor("a silent watch", 5_000, async () => fakes[0]?.watch(nodeId));
  const second = await waitFor("the watch on the next server", 5_000, async () => fakes[1]?.watch(nodeId));
  second.call.write(frame(3, [alloc("a1")]));
  await fleet.waitForRunning(1, 5_000);
  t.is(fleet.stats().errors["WatchAllocations silent"], 1);
});

test("a node whose heartbeats are stopped goes quiet", async (t) => {
  const [fake] = await fakeCluster(t, 1, 200) as [FakeServer];
  const fleet = await SimFleet.start([fake.address], [{ name: "dead" }, { name: "alive" }]);
  t.teardown(() => fleet.stop());
  const dead = fleet.node("dead").id;
  await waitFor("a watch", 5_000, async () => fake.watch(dead));
  fleet.stopHeartbeats("dead");
  await waitFor("the watch cancelled", 5_000, async () => (fake.watch(dead) === undefined ? true : undefined));
  const before = fake.heartbeats.get(dead) ?? 0;
  const alive = fake.heartbeats.get(fleet.node("alive").id) ?? 0;
  await new Promise((r) => setTimeout(r, 500));
  t.true((fake.heartbeats.get(dead) ?? 0) <= before + 1, "at most one heartbeat already in flight");
  t.true((fake.heartbeats.get(fleet.node("alive").id) ?? 0) > alive);
});

test("after the complete first frame, deltas add allocations and drop the removed ones", async (t) => {
  const { fleet, watch } = await watchedNode(t);
  const nodeId = fleet.node("a").id;
  watch.call.write(frame(10, [alloc("a1"), alloc("a2")]));
  await fleet.waitForRunning(2, 5_000);

  // A delta names only the new allocation: the others stay.
  watch.call.write(delta(11, [alloc("a3")]));
  await fleet.waitForRunning(3, 5_000);
  t.deepEqual([...fleet.allocsOf(nodeId).keys()].sort(), ["a1", "a2", "a3"]);

  // a1 garbage-collected: only removed_ids says so.
  watch.call.write(delta(12, [], ["a1", "never-seen"]));
  await fleet.waitFor("a1 forgotten", () => fleet.allocsRunning() === 2, 5_000);
  t.deepEqual([...fleet.allocsOf(nodeId).keys()].sort(), ["a2", "a3"]);
  t.is(fleet.allocsSeen(), 3);

  // A complete frame replaces the view: a2 is not in it.
  watch.call.write(frame(13, [], ["a3"]));
  await fleet.waitFor("a2 forgotten", () => fleet.allocsRunning() === 1, 5_000);
  t.deepEqual([...fleet.allocsOf(nodeId).keys()], ["a3"]);
  t.deepEqual(fleet.stats().errors, {});
});

test("a delta before the stream's complete frame makes the fleet open the watch again", async (t) => {
  const fakes = await fakeCluster(t, 2);
  const fleet = await SimFleet.start(fakes.map((f) => f.address), [{ name: "a" }]);
  t.teardown(() => fleet.stop());
  const nodeId = fleet.node("a").id;
  const first = await waitFor("the watch", 5_000, async () => fakes[0]?.watch(nodeId));
  first.call.write(delta(5, [alloc("a1")]));
  const second = await waitFor("the watch on the next server", 5_000, async () => fakes[1]?.watch(nodeId));
  t.is(second.minIndex, 0);
  t.is(fleet.allocsSeen(), 0);
  t.is(fleet.stats().errors["WatchAllocations INTERNAL"], 1);
});

test("heartbeats and status reports go to the leader the servers name; watches stay spread", async (t) => {
  const fakes = await fakeCluster(t, 3, 300);
  const leader = fakes[2] as FakeServer;
  for (const f of fakes) f.leaderAddress = leader.address;
  const fleet = await SimFleet.start(fakes.map((f) => f.address), [{ name: "a" }, { name: "b" }, { name: "c" }]);
  t.teardown(() => fleet.stop());
  await waitFor("the leader learned", 5_000, async () => fleet.leaderAddress === leader.address || undefined);
  const before = fakes.map((f) => [...f.heartbeats.values()].reduce((a, b) => a + b, 0));
  await waitFor("every node heartbeating the leader", 5_000, async () =>
    fleet.nodes.every((n) => (leader.heartbeats.get(n.id) ?? 0) >= 2) || undefined);
  const after = fakes.map((f) => [...f.heartbeats.values()].reduce((a, b) => a + b, 0));
  t.is(after[0], before[0], "no heartbeats to a follower");
  t.is(after[1], before[1], "no heartbeats to a follower");
  // Watches are still served by every server.
  await waitFor("every node watching", 5_000, async () => fleet.nodes.every((n) => fakes.some((f) => f.watch(n.id))) || undefined);
  t.truthy(fakes[0]?.watch(fleet.node("a").id));
  t.truthy(fakes[1]?.watch(fleet.node("b").id));
  const watch = fakes[0]?.watch(fleet.node("a").id);
  watch?.call.write(frame(3, [alloc("x1")]));
  await fleet.waitForRunning(1, 5_000);
  t.is(leader.updates.length, 1);
  t.is(leader.streamedRequests, 1, "on the node's report stream to the leader");
  t.is(fakes[0]?.updateRequests, 0);

  // The leader goes away: the fleet falls back to the other servers.
  leader.stop();
  const alive = fakes.slice(0, 2);
  const hb = (f: FakeServer) => f.heartbeats.get(fleet.node("c").id) ?? 0;
  const c0 = alive.map(hb);
  for (const f of alive) f.leaderAddress = "";
  await waitFor("node c heartbeating a remaining server", 5_000, async () => alive.some((f, i) => hb(f) > (c0[i] ?? 0)) || undefined);
  t.is(fleet.leaderAddress, undefined);
  // With no leader known, a report is a call to the node's server (which would forward it).
  watch?.call.write(delta(4, [alloc("x2")]));
  await fleet.waitForRunning(2, 5_000);
  t.is(alive.reduce((n, f) => n + f.updates.length, 0), 1, "one call to a remaining server");
  t.deepEqual(alive.map((f) => f.streamedRequests), [0, 0]);
});
