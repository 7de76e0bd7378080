// Raft messages between servers over gRPC: one long-lived client stream per peer carries every
// message to it in order; snapshots go over their own InstallSnapshot stream in chunks. A peer
// that is down or slow only loses its own messages (Raft retransmits), never blocks the others.
//
// A snapshot is sent piece by piece as its chunks are read from disk and the stream drains; the
// receiver writes the pieces to disk as they come (pausing the stream meanwhile), so neither side
// ever holds more than a few pieces of it in memory.

import * as grpc from "@grpc/grpc-js";
import * as pb from "../../proto/index.js";
import { SERVER_CHANNEL_OPTIONS } from "../../shared/api/channel.js";
import type { Logger } from "../../shared/log.js";
import { snapshotBytes, snapshotChunks, type Member, type Message, type NodeId, type Snapshot, type SnapshotMessage, type SnapshotSource } from "./core/index.js";
import { messageFromWire, messageToWire } from "./wire.js";

export interface RaftTransportOptions {
  selfId: NodeId;
  /** Our host:port, sent with every message so that peers can answer us. */
  selfAddress: string;
  /** Messages buffered for a peer beyond this are dropped: the peer is not keeping up. */
  maxQueuedMessages: number;
  snapshotChunkBytes: number;
  /** A received snapshot is stored in values of about this size (several pieces each). */
  receivedChunkBytes: number;
  /** Reconnect backoff bounds after a stream to a peer fails. */
  minBackoffMs: number;
  maxBackoffMs: number;
  /**
   * A peer we keep sending to without hearing back for this long gets a fresh connection. After a
   * network partition heals, the old TCP connection may sit in retransmission back-off for
   * seconds; a new one gets through at once.
   */
  silentPeerResetMs: number;
}

export const DEFAULT_TRANSPORT_OPTIONS: Omit<RaftTransportOptions, "selfId" | "selfAddress"> = {
  maxQueuedMessages: 10_000,
  snapshotChunkBytes: 1 << 20,
  receivedChunkBytes: 4 << 20,
  minBackoffMs: 20,
  maxBackoffMs: 1000,
  silentPeerResetMs: 1000,
};

export interface RaftTransportModules {
  logger: Logger;
  /** The cluster this server belongs to ("" before it has one); other clusters are refused. */
  clusterId(): string;
  /** A message arrived (snapshots arrive whole, after their last chunk). */
  deliver(message: Message): void;
  /** A snapshot could not be sent to a peer; the core should fall back to probing it. */
  snapshotFailed(peer: NodeId): void;
  /**
   * Where a snapshot arriving from the leader is written as it comes (the Raft disk); undefined
   * when none can be taken now (Raft is not running), which refuses the snapshot. Without this
   * hook, a snapshot's chunks are kept in memory (tests).
   */
  snapshotWriter?(): IncomingSnapshotWriter | undefined;
}

/** Stores an incoming snapshot's bytes chunk by chunk; see RaftDiskStorage.snapshotWriter. */
export interface IncomingSnapshotWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Every chunk was written: the snapshot's data, to deliver. */
  finish(index: number): SnapshotSource;
  /** The transfer failed: delete what was written. */
  abort(): Promise<void>;
}

/** Keeps an incoming snapshot's chunks in memory (when no writer to disk is given). */
class MemoryWriter implements IncomingSnapshotWriter {
  private readonly chunks: Uint8Array[] = [];
  private bytes = 0;

  write(chunk: Uint8Array): Promise<void> {
    this.chunks.push(chunk.slice());
    this.bytes += chunk.length;
    return Promise.resolve();
  }

  finish(): SnapshotSource {
    const { chunks, bytes } = this;
    return {
      bytes,
      chunks: () => snapshotChunks(chunks),
    };
  }

  abort(): Promise<void> {
    this.chunks.length = 0;
    return Promise.resolve();
  }
}

/** Max message size on the Raft channel: big AppendEntries batches and snapshot chunks fit. */
export const RAFT_MAX_MESSAGE_BYTES = 64 << 20;

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  ...SERVER_CHANNEL_OPTIONS,
  // A channel of its own: a reset must not pick up the stalled connection from a shared pool.
  "grpc.use_local_subchannel_pool": 1,
  "grpc.max_send_message_length": RAFT_MAX_MESSAGE_BYTES,
  "grpc.max_receive_message_length": RAFT_MAX_MESSAGE_BYTES,
};

/** Resolves when the stream wants more; rejects when it failed or closed first. */
function drained(stream: grpc.ClientWritableStream<pb.InstallSnapshotRequest>): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      stream.off("drain", onDrain);
      stream.off("error", onError);
      stream.off("close", onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () => done(new Error("the snapshot stream closed"));
    stream.on("drain", onDrain);
    stream.on("error", onError);
    stream.on("close", onClose);
  });
}

class PeerSender {
  private client: pb.RaftClient;
  private stream: grpc.ClientWritableStream<pb.RaftMessage> | undefined;
  private retryAt = 0;
  private backoffMs: number;
  private dropped = 0;
  /** When we started sending without hearing back; undefined while the peer answers. */
  private unansweredSince: number | undefined;

  constructor(
    readonly id: NodeId,
    readonly address: string,
    private readonly opts: RaftTransportOptions,
    private readonly modules: RaftTransportModules,
  ) {
    this.client = new pb.RaftClient(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    this.backoffMs = opts.minBackoffMs;
  }

  private open(): grpc.ClientWritableStream<pb.RaftMessage> | undefined {
    if (this.stream) return this.stream;
    if (Date.now() < this.retryAt) return undefined;
    const stream = this.client.messages((err) => {
      if (this.stream === stream) this.stream = undefined;
      if (err && err.code !== grpc.status.CANCELLED) {
        this.retryAt = Date.now() + this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs);
        if (err.code === grpc.status.FAILED_PRECONDITION) this.modules.logger.warn("peer refused our messages", { peer: this.id, reason: err.details });
      }
    });
    stream.on("error", () => {}); // reported through the callback above
    this.stream = stream;
    return stream;
  }

  send(message: Message): void {
    this.resetIfSilent();
    const stream = this.open();
    if (!stream) return;
    if (stream.writableLength >= this.opts.maxQueuedMessages) {
      if (this.dropped++ % 1000 === 0) this.modules.logger.warn("peer is not keeping up; dropping messages", { peer: this.id, dropped: this.dropped });
      return;
    }
    stream.write(messageToWire(this.modules.clusterId(), this.opts.selfAddress, message));
  }

  /** Called when a message from the peer arrives: it is up, so retry at once next time. */
  markAlive(): void {
    this.unansweredSince = undefined;
    this.retryAt = 0;
    this.backoffMs = this.opts.minBackoffMs;
  }

  private resetIfSilent(): void {
    const now = Date.now();
    this.unansweredSince ??= now;
    if (now - this.unansweredSince < this.opts.silentPeerResetMs) return;
    this.unansweredSince = now;
    this.stream?.cancel();
    this.stream = undefined;
    this.client.close();
    this.client = new pb.RaftClient(this.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  }

  sendSnapshot(message: SnapshotMessage): void {
    const { snapshot } = message;
    const call = this.client.installSnapshot((err, response) => {
      if (err || !response?.success) {
        this.modules.logger.warn("snapshot transfer failed", { peer: this.id, index: snapshot.meta.index, error: err?.details ?? "rejected" });
        this.modules.snapshotFailed(this.id);
      }
    });
    call.on("error", () => {});
    // A failed stream is reported through the callback above.
    void this.streamSnapshot(call, message).catch(() => call.cancel());
  }

  /** Writes the snapshot's pieces, waiting for the stream to drain rather than queueing them all. */
  private async streamSnapshot(call: grpc.ClientWritableStream<pb.InstallSnapshotRequest>, message: SnapshotMessage): Promise<void> {
    const { snapshot } = message;
    const total = snapshotBytes(snapshot.data);
    const size = this.opts.snapshotChunkBytes;
    const request = (offset: number, data: Uint8Array): pb.InstallSnapshotRequest => ({
      clusterId: this.modules.clusterId(), term: message.term, leaderId: message.from,
      lastIncludedIndex: snapshot.meta.index, lastIncludedTerm: snapshot.meta.term,
      membership: { voters: snapshot.meta.membership.voters.map((v) => ({ ...v })), learners: [] },
      offset, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), done: offset + data.length >= total,
    });
    if (total === 0) {
      call.write(request(0, new Uint8Array(0)));
      call.end();
      return;
    }
    let offset = 0;
    // Read from disk a chunk at a time, and only as fast as the stream drains.
    for await (const chunk of snapshotChunks(snapshot.data)) {
      for (let at = 0; at < chunk.length; at += size) {
        const piece = chunk.subarray(at, at + size);
        const more = call.write(request(offset, piece));
        offset += piece.length;
        if (!more && offset < total) await drained(call);
      }
    }
    call.end();
  }

  close(): void {
    this.stream?.end();
    this.stream = undefined;
    this.client.close();
  }
}

export class RaftTransport {
  private readonly peers = new Map<NodeId, PeerSender>();

  constructor(private readonly opts: RaftTransportOptions, private readonly modules: RaftTransportModules) {}

  /** Keeps one sender per member other than ourselves; senders of removed members are closed. */
  setPeers(members: readonly Member[]): void {
    const wanted = new Map(members.filter((m) => m.id !== this.opts.selfId).map((m) => [m.id, m.address]));
    for (const [id, sender] of this.peers) {
      if (wanted.get(id) !== sender.address) {
        sender.close();
        this.peers.delete(id);
      }
    }
    for (const [id, address] of wanted) {
      if (!this.peers.has(id)) this.peers.set(id, new PeerSender(id, address, this.opts, this.modules));
    }
  }

  /** The sender for a peer; one that wrote to us but is not (yet) in our configuration gets one too. */
  private reachable(id: NodeId, address: string): PeerSender | undefined {
    let peer = this.peers.get(id);
    if (!peer && /^[^\s:]+:\d+$/.test(address)) {
      peer = new PeerSender(id, address, this.opts, this.modules);
      this.peers.set(id, peer);
    }
    return peer;
  }

  send(messages: readonly Message[]): void {
    for (const message of messages) {
      const peer = this.peers.get(message.to);
      if (!peer) continue;
      if (message.type === "snapshot") peer.sendSnapshot(message);
      else peer.send(message);
    }
  }

  private refuse(clusterId: string): string | undefined {
    const ours = this.modules.clusterId();
    return ours !== "" && clusterId !== ours ? `this server belongs to cluster ${ours}, not ${clusterId || "(none)"}` : undefined;
  }

  /** The gRPC service other servers call. */
  service(): pb.RaftServer {
    return {
      messages: (call, callback) => {
        let received = 0;
        let done = false;
        const finish = (err: grpc.ServiceError | null) => {
          if (done) return;
          done = true;
          if (err) callback(err);
          else callback(null, { received });
        };
        call.on("data", (wire: pb.RaftMessage) => {
          received++;
          const refusal = this.refuse(wire.clusterId);
          if (refusal) {
            this.modules.logger.warn("refused a message from another cluster", { from: wire.from, cluster: wire.clusterId });
            finish({ name: "refused", message: refusal, code: grpc.status.FAILED_PRECONDITION, details: refusal, metadata: new grpc.Metadata() });
            call.destroy();
            return;
          }
          let message: Message;
          try {
            message = messageFromWire(wire);
          } catch (err) {
            this.modules.logger.warn("dropped a malformed raft message", { from: wire.from, error: (err as Error).message });
            return;
          }
          if (message.to !== this.opts.selfId) {
            this.modules.logger.warn("dropped a raft message addressed to another server", { from: message.from, to: message.to });
            return;
          }
          this.reachable(message.from, wire.fromAddress)?.markAlive();
          this.modules.deliver(message);
        });
        call.on("end", () => finish(null));
        call.on("error", (err: Error) => {
          // e.g. a message over the size limit: gRPC drops the stream; the peer reconnects.
          this.modules.logger.warn("a raft message stream failed", { error: err.message });
          finish(null);
        });
      },
      installSnapshot: (call, callback) => {
        // Pieces are gathered into chunks of receivedChunkBytes and each is written to disk
        // before the stream is read on (it is paused meanwhile): at most a chunk or two of the
        // snapshot is in memory, whatever its size.
        const writer = this.modules.snapshotWriter ? this.modules.snapshotWriter() : new MemoryWriter();
        if (!writer) {
          const details = "this server cannot take a snapshot yet";
          callback({ name: "refused", message: details, code: grpc.status.UNAVAILABLE, details, metadata: new grpc.Metadata() });
          call.on("data", () => {});
          call.on("error", () => {});
          return;
        }
        let gathered: Buffer[] = [];
        let gatheredBytes = 0;
        let writing: Promise<void> = Promise.resolve();
        let received = 0;
        let first: pb.InstallSnapshotRequest | undefined;
        let answered = false;
        const reject = (code: grpc.status, details: string) => {
          if (answered) return;
          answered = true;
          void writing.catch(() => {}).then(() => writer.abort()).catch(() => {});
          this.modules.logger.warn("refused a snapshot", { details });
          callback({ name: "refused", message: details, code, details, metadata: new grpc.Metadata() });
        };
        const store = (): Promise<void> => {
          if (gatheredBytes === 0) return Promise.resolve();
          const chunk = gathered.length === 1 ? gathered[0] as Buffer : Buffer.concat(gathered, gatheredBytes);
          gathered = [];
          gatheredBytes = 0;
          return writer.write(chunk);
        };
        const deliver = (request: pb.InstallSnapshotRequest, data: SnapshotSource) => {
          const snapshot: Snapshot = {
            meta: {
              index: request.lastIncludedIndex, term: request.lastIncludedTerm,
              membership: { voters: (request.membership?.voters ?? []).map((v) => ({ id: v.id, address: v.address })) },
            },
            data,
          };
          this.modules.deliver({ type: "snapshot", from: request.leaderId, to: this.opts.selfId, term: request.term, snapshot });
          callback(null, { term: request.term, success: true, bytesReceived: received });
        };
        call.on("data", (chunk: pb.InstallSnapshotRequest) => {
          if (answered) return;
          const refusal = this.refuse(chunk.clusterId);
          if (refusal) return reject(grpc.status.FAILED_PRECONDITION, refusal);
          first ??= chunk;
          if (chunk.offset !== received || chunk.lastIncludedIndex !== first.lastIncludedIndex) {
            return reject(grpc.status.INVALID_ARGUMENT, "snapshot chunks out of order");
          }
          if (chunk.data.length > 0) {
            gathered.push(chunk.data);
            gatheredBytes += chunk.data.length;
          }
          received += chunk.data.length;
          const request = first;
          if (chunk.done) {
            answered = true;
            writing = writing.then(store).then(() => deliver(request, writer.finish(request.lastIncludedIndex)));
            writing.catch((err: unknown) => {
              void writer.abort().catch(() => {});
              this.modules.logger.warn("could not store a received snapshot", { error: err as Error });
              const details = `could not store the snapshot: ${(err as Error).message}`;
              callback({ name: "failed", message: details, code: grpc.status.INTERNAL, details, metadata: new grpc.Metadata() });
            });
            return;
          }
          if (gatheredBytes < this.opts.receivedChunkBytes) return;
          call.pause();
          writing = writing.then(store).then(() => {
            call.resume();
          }, (err: unknown) => {
            reject(grpc.status.INTERNAL, `could not store the snapshot: ${(err as Error).message}`);
            call.destroy();
          });
        });
        call.on("end", () => reject(grpc.status.INVALID_ARGUMENT, "snapshot stream ended before its last chunk"));
        call.on("error", () => reject(grpc.status.CANCELLED, "the snapshot stream failed"));
      },
    };
  }

  close(): void {
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
  }
}
