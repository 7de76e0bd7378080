// The Raft loop with its real disk, transport and state store: snapshots are encoded in the
// background and recorded once complete, and a server that joins late catches up through
// InstallSnapshot sent in many pieces.

import test from "ava";
import * as grpc from "@grpc/grpc-js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as pb from "../../../proto/index.js";
import type { Membership } from "../../../server/raft/core/index.js";
import { RaftLoop, type RaftLoopOptions } from "../../../server/raft/loop.js";
import { RaftDiskStorage } from "../../../server/raft/storage.js";
import { DEFAULT_TRANSPORT_OPTIONS, RaftTransport } from "../../../server/raft/transport.js";
import { encodeCommand, StateStore } from "../../../server/state/index.js";
import { silentLogger } from "../../../shared/log.js";

interface Peer {
  id: string;
  address: string;
  server: grpc.Server;
  transport: RaftTransport;
  disk: RaftDiskStorage;
  store: StateStore;
  raft?: RaftLoop;
}

const loopOptions = (id: string): RaftLoopOptions => ({
  id, tickMs: 10, electionTicks: 15, heartbeatTicks: 3, maxAppendBytes: 1 << 20, maxInflightAppends: 64,
  snapshotThreshold: 40, snapshotIntervalMs: 0, snapshotMaxBytes: 1 << 30, snapshotLogRatio: 1, memoryLogMaxBytes: 64 << 20,
  snapshotTrailingEntries: 5, requestTimeoutMs: 5000,
});

async function peer(id: string): Promise<Peer> {
  const server = new grpc.Server();
  const holder: { transport?: RaftTransport } = {};
  // The service needs the transport, and the transport our address: bind first, delegate later.
  server.addService(pb.RaftService, {
    messages: (call, callback) => holder.transport?.service().messages(call, callback),
    installSnapshot: (call, callback) => holder.transport?.service().installSnapshot(call, callback),
  } as pb.RaftServer);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  const address = `127.0.0.1:${port}`;
  const p = {
    id, address, server,
    disk: await RaftDiskStorage.open(path.join(mkdtempSync(path.join(tmpdir(), "raft-loop-")), "raft")),
    store: new StateStore(),
  } as Peer;
  p.transport = new RaftTransport({
    // Small pieces, so that a snapshot travels as many messages.
    ...DEFAULT_TRANSPORT_OPTIONS, selfId: id, selfAddress: address, snapshotChunkBytes: 16 * 1024,
    receivedChunkBytes: 48 * 1024,
  }, {
    logger: silentLogger, clusterId: () => "test",
    deliver: (message) => p.raft?.deliver(message),
    snapshotFailed: (from) => p.raft?.snapshotFailed(from),
    // A received snapshot goes to disk as it arrives, in values of a few pieces each.
    snapshotWriter: () => p.disk.snapshotWriter(),
  });
  holder.transport = p.transport;
  return p;
}

async function start(p: Peer, membership: Membership, options: Partial<RaftLoopOptions> = {}, bootstrap = true): Promise<void> {
  if (bootstrap) await RaftLoop.bootstrap(p.disk, membership);
  p.raft = await RaftLoop.start({ ...loopOptions(p.id), ...options }, {
    disk: p.disk,
    fsm: {
      apply: (index, data) => p.store.apply(index, data),
      skip: (index) => p.store.advanceIndex(index),
      // Small chunks and short slices: many chunks, many turns.
      persist: (signal, sink) => p.store.persistTo(sink, { signal, chunkBytes: 32 * 1024, sliceMs: 1 }),
      restore: (chunks) => p.store.restoreFrom(chunks),
    },
    send: (messages) => p.transport.send(messages),
    membershipChanged: (m) => p.transport.setPeers(m.voters),
    logger: silentLogger,
  });
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function writeVariables(leader: Peer, count: number): Promise<void> {
  const value = "v".repeat(2000);
  for (let batch = 0; batch < count / 5; batch++) {
    await Promise.all([0, 1, 2, 3, 4].map((k) => {
      const i = batch * 5 + k;
      return leader.raft?.propose(encodeCommand({ type: "var.put", path: `key/${i}`, items: { value, i: String(i) } }));
    }));
  }
}

function stopAll(peers: Peer[]): Promise<unknown> {
  for (const p of peers) {
    p.raft?.stop();
    p.transport.close();
    p.server.forceShutdown();
  }
  return Promise.all(peers.map((p) => p.disk.close()));
}

test("a server that joins after the log was compacted catches up through a snapshot sent in pieces", async (t) => {
  const peers = await Promise.all(["a", "b", "c"].map(peer));
  const membership: Membership = { voters: peers.map((p) => ({ id: p.id, address: p.address })) };
  const [a, b, c] = peers as [Peer, Peer, Peer];
  try {
    await start(a, membership);
    await start(b, membership);
    await until("a leader", () => [a, b].some((p) => p.raft?.status().role === "leader"));
    const leader = [a, b].find((p) => p.raft?.status().role === "leader") as Peer;
    await writeVariables(leader, 300);
    await until("a snapshot on the leader", () => (leader.raft?.status().lastSnapshotIndex ?? 0) > 100);
    t.true((leader.raft?.status().firstIndex ?? 0) > 50, "the leader's log was compacted");

    await start(c, membership);
    const target = leader.store.latestIndex;
    await until("the new server to catch up", () => c.store.latestIndex >= target);
    t.true((c.raft?.status().lastSnapshotIndex ?? 0) > 0, "it installed a snapshot");
    t.is(c.store.snapshot().count("variables"), 300);
    t.deepEqual(c.store.snapshot().variables("", "*"), leader.store.snapshot().variables("", "*"));

    // It goes on replicating after the snapshot.
    await leader.raft?.propose(encodeCommand({ type: "var.put", path: "after", items: { v: "1" } }));
    await until("the write after the snapshot", () => c.store.snapshot().variable("after") !== undefined);
  } finally {
    await stopAll(peers);
  }
});

test("the log held in memory stays bounded without snapshots; a late server gets one taken for it, a restarted one replays the disk", async (t) => {
  const peers = await Promise.all(["a", "b", "c"].map(peer));
  const membership: Membership = { voters: peers.map((p) => ({ id: p.id, address: p.address })) };
  const [a, b, c] = peers as [Peer, Peer, Peer];
  // No snapshot is ever due by size or count: only one a follower asks for.
  const bounded: Partial<RaftLoopOptions> = { memoryLogMaxBytes: 64 * 1024, snapshotThreshold: 1e9 };
  try {
    await start(a, membership, bounded);
    await start(b, membership, bounded);
    await until("a leader", () => [a, b].some((p) => p.raft?.status().role === "leader"));
    const leader = [a, b].find((p) => p.raft?.status().role === "leader") as Peer;
    const follower = leader === a ? b : a;
    await writeVariables(leader, 300);
    await until("the follower to apply everything", () => follower.store.latestIndex >= leader.store.latestIndex);
    for (const p of [leader, follower]) {
      const status = p.raft?.status();
      // The leader waits for the server that is not running yet up to twice the bound.
      const bound = p === leader ? 2 * 64 * 1024 : 64 * 1024;
      t.true((status?.logBytesInMemory ?? Infinity) <= bound + 8 * 1024, `${p.id} holds at most its bound and one entry`);
      t.true((status?.firstIndex ?? 0) > 200, `${p.id} let go of the oldest entries`);
      t.is(status?.lastSnapshotIndex, 0, `${p.id} took no snapshot`);
    }

    await start(c, membership, bounded);
    const target = leader.store.latestIndex;
    await until("the new server to catch up", () => c.store.latestIndex >= target);
    t.true((leader.raft?.status().lastSnapshotIndex ?? 0) > 0, "the leader took a snapshot for it");
    t.true((c.raft?.status().lastSnapshotIndex ?? 0) > 0, "it installed the snapshot");
    t.deepEqual(c.store.snapshot().variables("", "*"), leader.store.snapshot().variables("", "*"));

    // The follower took no snapshot: after a restart it replays the whole log from its disk.
    follower.raft?.stop();
    follower.store = new StateStore();
    await start(follower, membership, bounded, false);
    await until("the restarted follower to replay its log", () => follower.store.latestIndex >= target);
    t.is(follower.store.snapshot().count("variables"), 300);
    t.deepEqual(follower.store.snapshot().variables("", "*"), leader.store.snapshot().variables("", "*"));
  } finally {
    await stopAll(peers);
  }
});

test("a leader waiting seconds for its disk keeps its followers from an election, and commits on theirs", async (t) => {
  const peers = await Promise.all(["a", "b", "c"].map(peer));
  const membership: Membership = { voters: peers.map((p) => ({ id: p.id, address: p.address })) };
  try {
    for (const p of peers) await start(p, membership);
    await until("a leader", () => peers.some((p) => p.raft?.status().role === "leader"));
    const leader = peers.find((p) => p.raft?.status().role === "leader") as Peer;
    const term = leader.raft?.status().term;
    // The leader's next write takes ten times the longest election timeout (15 ticks of 10 ms, doubled).
    const persist = leader.disk.persist.bind(leader.disk);
    let slowWrites = 0;
    leader.disk.persist = async (batch, sync) => {
      if (slowWrites++ === 0) await new Promise((resolve) => setTimeout(resolve, 3000));
      return persist(batch, sync);
    };
    const first = leader.raft?.propose(encodeCommand({ type: "var.put", path: "slow", items: { v: "1" } }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = leader.raft?.propose(encodeCommand({ type: "var.put", path: "behind", items: { v: "2" } }));
    const followers = peers.filter((p) => p !== leader);
    await until("the followers to apply both writes", () => followers.every((p) => p.store.snapshot().variable("behind") !== undefined), 2500);
    t.is(slowWrites, 1, "the leader's first write is still on its way to disk");
    await Promise.all([first, second]);
    for (const p of peers) t.is(p.raft?.status().term, term, `${p.id} saw no election`);
    t.is(leader.raft?.status().role, "leader");
  } finally {
    await stopAll(peers);
  }
});
