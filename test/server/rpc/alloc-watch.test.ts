import { EventEmitter } from "node:events";
import * as grpc from "@grpc/grpc-js";
import test from "ava";
import * as pb from "../../../proto/index.js";
import { MAX_PENDING_ALLOC_IDS, NodeAllocWatchHub } from "../../../server/rpc/alloc-watch.js";
import { clientNodeService } from "../../../server/rpc/client-node.js";
import type { ServerContext } from "../../../server/rpc/context.js";
import type { Job } from "../../../shared/model/index.js";
import { silentLogger } from "../../../shared/log.js";
import { ServerPool } from "../../../client/servers.js";
import { AllocWatch, type WatchFrame } from "../../../client/watch.js";
import { waitFor } from "../../support/cluster.js";
import { allocation, Harness, job, node, withoutJob } from "../state/fixtures.js";

// ---------------------------------------------------------------------------------------------
// Fixtures: a state store with a node and a job, the ClientNode service on it, fake streams

type Frame = pb.ClientNodeWatchAllocationsResponse;

class FakeCall extends EventEmitter {
  readonly frames: Frame[] = [];
  ended = false;
  error: unknown;

  constructor(readonly request: pb.ClientNodeWatchAllocationsRequest) {
    super();
    this.on("error", (err: unknown) => {
      this.error = err;
    });
  }

  write(frame: Frame): boolean {
    this.frames.push(frame);
    return true;
  }

  end(): void {
    this.ended = true;
  }

  cancel(): void {
    this.emit("cancelled");
    this.emit("close");
  }
}

const ctx = {
  forwarder: { unary: () => (_call: unknown, cb: (err: unknown) => void) => cb({ code: grpc.status.UNIMPLEMENTED, details: "not in this test" }) },
  membership: () => ({ voters: [] }),
  raft: () => undefined,
  logger: silentLogger,
  self: { id: "s1", name: "s1", address: "", region: "global", datacenter: "dc1", version: "0" },
} as unknown as ServerContext;

class World {
  readonly h = new Harness();
  readonly hub = new NodeAllocWatchHub(this.h.store);
  readonly service = clientNodeService(ctx, {
    store: this.h.store, propose: () => Promise.reject(new Error("no proposals here")), leader: () => undefined, watches: this.hub,
  });
  readonly job: Job;
  readonly calls: FakeCall[] = [];

  constructor() {
    this.h.apply({ type: "node.register", node: node("n1") });
    this.h.apply({ type: "node.register", node: node("n2") });
    this.h.apply({ type: "job.register", job: job("web") });
    this.job = this.h.snap.job("default", "web") as Job;
  }

  /** A plan placing (or updating) allocations. */
  place(...allocs: ReturnType<typeof allocation>[]): number {
    const r = this.h.apply({ type: "alloc.upsert", job: this.job, allocs: allocs.map(withoutJob) });
    return r.index;
  }

  alloc(id: string, nodeId = "n1", overrides: Parameters<typeof allocation>[3] = {}) {
    return allocation(id, this.job, nodeId, overrides);
  }

  /** A client status report: the allocation runs now. */
  report(id: string): number {
    return this.h.apply({
      type: "alloc.clientUpdate",
      updates: [{ allocId: id, clientStatus: "running", clientDescription: "Tasks are running", taskStates: {}, modifyTimeMs: Date.now() }],
    }).index;
  }

  /** Garbage collection of allocations. */
  collect(...ids: string[]): number {
    return this.h.apply({ type: "eval.delete", evalIds: [], allocIds: ids }).index;
  }

  watch(minIndex = 0, nodeId = "n1"): FakeCall {
    const call = new FakeCall({ nodeId, secretId: `${nodeId}-secret`, minIndex });
    (this.service.watchAllocations as (call: unknown) => void)(call);
    this.calls.push(call);
    return call;
  }

  close(): void {
    for (const call of this.calls) call.cancel();
    this.hub.close();
  }
}

function world(t: { teardown(fn: () => void): void }): World {
  const w = new World();
  t.teardown(() => w.close());
  return w;
}

async function frames(call: FakeCall, n: number): Promise<Frame[]> {
  return waitFor(`${n} frames`, 5_000, async () => (call.frames.length >= n ? call.frames : undefined));
}

const settle = () => new Promise((r) => setTimeout(r, 50));

function ids(frame: Frame | undefined): string[] {
  return Object.keys(frame?.allocModifyIndexes ?? {}).sort();
}

// ---------------------------------------------------------------------------------------------
// The hub

test("the hub hands a watcher the ids the servers changed on its node, and nothing for client reports", (t) => {
  const w = world(t);
  w.place(w.alloc("a1"), w.alloc("a2"));
  const watcher = w.hub.watch("n1");
  const other = w.hub.watch("n2");
  w.report("a1");
  t.false(watcher.hasChanges, "a client status report is no change to send");
  w.place(w.alloc("a1", "n1", { desiredStatus: "stop" }), w.alloc("a3"));
  w.collect("a2");
  t.deepEqual([...(watcher.take() as Set<string>)].sort(), ["a1", "a2", "a3"]);
  t.false(watcher.hasChanges);
  t.false(other.hasChanges, "another node's allocations wake no one here");
  watcher.close();
  other.close();
  t.is(w.hub.size, 0);
});

test("a watcher that piles up too many changes, or sees a restore, must re-read everything", (t) => {
  const w = world(t);
  const watcher = w.hub.watch("n1");
  const allocs = Array.from({ length: MAX_PENDING_ALLOC_IDS + 1 }, (_, i) => w.alloc(`a${i}`));
  w.place(...allocs);
  t.is(watcher.take(), "full");
  t.deepEqual(watcher.take(), new Set());
  w.h.store.restore(w.h.store.persist());
  t.is(watcher.take(), "full");
  watcher.close();
});

test("a watcher's wait ends at once with changes waiting, on a change, or on the timeout", async (t) => {
  const w = world(t);
  const watcher = w.hub.watch("n1");
  t.teardown(() => watcher.close());
  const signal = new AbortController().signal;
  const start = Date.now();
  await watcher.wait(30, signal);
  t.true(Date.now() - start >= 25, "timed out");
  const waiting = watcher.wait(10_000, signal);
  w.place(w.alloc("a1"));
  await waiting;
  t.true(watcher.hasChanges);
  await watcher.wait(10_000, signal);
  t.pass();
});

// ---------------------------------------------------------------------------------------------
// The stream

test("the first frame is complete and at once from index 0; later frames carry only the changes", async (t) => {
  const w = world(t);
  w.place(w.alloc("a1"), w.alloc("a2"), w.alloc("b1", "n2"));
  const call = w.watch(0);
  const [first] = await frames(call, 1);
  t.false(first?.delta);
  t.deepEqual(ids(first), ["a1", "a2"]);
  t.deepEqual(first?.allocations.map((a) => a.id).sort(), ["a1", "a2"]);

  const index = w.place(w.alloc("a3"), w.alloc("a1", "n1", { desiredStatus: "stop" }));
  const second = (await frames(call, 2))[1];
  t.true(second?.delta);
  t.is(second?.index, index);
  t.deepEqual(ids(second), ["a1", "a3"], "only the changed allocations' entries");
  t.deepEqual(second?.allocations.map((a) => a.id).sort(), ["a1", "a3"]);
  t.deepEqual(second?.removedIds, []);
  t.is(second?.allocModifyIndexes["a3"], index);
});

test("a client status report sends no frame", async (t) => {
  const w = world(t);
  w.place(w.alloc("a1"), w.alloc("a2"));
  const call = w.watch(0);
  await frames(call, 1);
  w.report("a1");
  w.report("a2");
  await settle();
  t.is(call.frames.length, 1);
  // The next change of the servers' makes one frame with just that change.
  w.place(w.alloc("a2", "n1", { desiredStatus: "stop" }));
  const [, next] = await frames(call, 2);
  t.deepEqual(ids(next), ["a2"]);
  await settle();
  t.is(call.frames.length, 2);
});

test("a garbage-collected allocation is named in removed_ids", async (t) => {
  const w = world(t);
  w.place(w.alloc("a1"), w.alloc("a2"));
  const call = w.watch(0);
  await frames(call, 1);
  const index = w.collect("a1");
  const [, next] = await frames(call, 2);
  t.like(next, { delta: true, index, removedIds: ["a1"], allocations: [] });
  t.deepEqual(next?.allocModifyIndexes, {});
});

test("a reopened stream gets a complete frame once something changed, even when only a deletion did", async (t) => {
  const w = world(t);
  w.place(w.alloc("a1"), w.alloc("a2"), w.alloc("a3"));
  const first = w.watch(0);
  const [full] = await frames(first, 1);
  first.cancel();
  await settle();
  t.is(w.hub.size, 0, "the ended stream stopped watching");

  // Nothing changed since the client's last frame: the reopened stream stays silent.
  const quiet = w.watch(full?.index ?? 0);
  await settle();
  t.is(quiet.frames.length, 0);
  w.place(w.alloc("a4"));
  const [reopened] = await frames(quiet, 1);
  t.false(reopened?.delta, "the first frame of a stream is complete");
  t.deepEqual(ids(reopened), ["a1", "a2", "a3", "a4"]);
  t.deepEqual(reopened?.allocations.map((a) => a.id), ["a4"]);
  quiet.cancel();

  // A deletion between the client's last frame and the reopening is a change too.
  w.collect("a2");
  const again = w.watch(reopened?.index ?? 0);
  const [afterGc] = await frames(again, 1);
  t.false(afterGc?.delta);
  t.deepEqual(ids(afterGc), ["a1", "a3", "a4"]);
  t.deepEqual(afterGc?.allocations, []);
});

test("a restore makes the next frame complete", async (t) => {
  const w = world(t);
  w.place(w.alloc("a1"));
  const call = w.watch(0);
  await frames(call, 1);
  w.h.store.restore(w.h.store.persist());
  const [, next] = await frames(call, 2);
  t.false(next?.delta);
  t.deepEqual(ids(next), ["a1"]);
});

test("a watch of a node the servers do not know fails with NOT_FOUND and leaves no watcher", async (t) => {
  const w = world(t);
  const call = w.watch(0, "ghost");
  await waitFor("the error", 5_000, async () => call.error);
  t.is((call.error as { code?: number }).code, grpc.status.NOT_FOUND);
  t.is(w.hub.size, 0);
});

// ---------------------------------------------------------------------------------------------
// The real client's watch against the real service, over gRPC

test("the client's watch keeps every assigned allocation through deltas and drops garbage-collected ones", async (t) => {
  const w = world(t);
  w.place(w.alloc("a1"), w.alloc("a2"));
  const server = new grpc.Server();
  server.addService(pb.ClientNodeService, w.service);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const pool = new ServerPool([`127.0.0.1:${port}`]);
  const got: { index: number; assigned: string[]; changed: string[] }[] = [];
  const watch = new AllocWatch({
    servers: pool,
    credentials: () => ({ nodeId: "n1", secretId: "n1-secret" }),
    onFrame: (frame: WatchFrame) => got.push({ index: frame.index, assigned: [...frame.assigned.keys()].sort(), changed: frame.changed.map((a) => a.id).sort() }),
    onUnknownNode: () => t.fail("the node is known"),
    logger: silentLogger,
  });
  t.teardown(() => {
    watch.stop();
    pool.close();
    server.forceShutdown();
  });
  watch.start();
  const seen = (n: number) => waitFor(`${n} frames`, 5_000, async () => (got.length >= n ? got : undefined));
  t.like((await seen(1))[0], { assigned: ["a1", "a2"], changed: ["a1", "a2"] });
  w.place(w.alloc("a3"));
  t.like((await seen(2))[1], { assigned: ["a1", "a2", "a3"], changed: ["a3"] });
  w.report("a3");
  w.collect("a1");
  t.like((await seen(3))[2], { assigned: ["a2", "a3"], changed: [] });
  await settle();
  t.is(got.length, 3, "the status report made no frame");
});
