// Requests that need the leader (writes, and reads unless `stale`) are served by the leader:
// a follower forwards them, and during an election they wait for a new leader for a while
// instead of failing — so a failover looks like a short pause to clients.

import * as grpc from "@grpc/grpc-js";
import { SERVER_CHANNEL_OPTIONS } from "../../shared/api/channel.js";
import type { Logger } from "../../shared/log.js";
import type { NodeId } from "../raft/core/index.js";
import { NoLeaderError, NotLeaderError, type RaftLoop } from "../raft/loop.js";
import { isRetrySafe, toServiceError } from "./errors.js";

const FORWARDED = "x-nomadish-forwarded";

export interface ForwarderOptions {
  selfId: NodeId;
  /** How long a request waits for a leader before failing with UNAVAILABLE. */
  leaderHoldMs: number;
}

export interface ForwarderModules {
  raft(): RaftLoop | undefined;
  /** host:port of a server by id. */
  addressOf(id: NodeId): string | undefined;
  logger: Logger;
}

export type Routing = "leader-write" | "leader-read" | "local";

export class Forwarder {
  private readonly clients = new Map<string, grpc.Client>();

  constructor(private readonly opts: ForwarderOptions, private readonly modules: ForwarderModules) {}

  private client(address: string): grpc.Client {
    let client = this.clients.get(address);
    if (!client) {
      client = new grpc.Client(address, grpc.credentials.createInsecure(), SERVER_CHANNEL_OPTIONS);
      this.clients.set(address, client);
    }
    return client;
  }

  /** The current leader's id, waiting for an election to end (until `deadline`). */
  private async leader(deadline: number): Promise<NodeId> {
    for (;;) {
      const leader = this.modules.raft()?.leaderId() ?? "";
      if (leader !== "") return leader;
      if (Date.now() >= deadline) throw new NoLeaderError();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private forward<Req, Res>(method: grpc.MethodDefinition<Req, Res>, address: string, request: Req, deadline: number): Promise<Res> {
    const metadata = new grpc.Metadata();
    metadata.set(FORWARDED, this.opts.selfId);
    return new Promise((resolve, reject) => {
      this.client(address).makeUnaryRequest(
        method.path, method.requestSerialize, method.responseDeserialize, request, metadata, { deadline },
        (err, response) => (err ? reject(err) : resolve(response as Res)),
      );
    });
  }

  /**
   * Serves a request where it must be served. `handle` runs on the leader (after a read
   * barrier for leader reads) or here for local reads. A write that the old leader provably did
   * not apply (NotLeaderError) is retried against the new leader.
   */
  async route<Req, Res>(routing: Routing, method: grpc.MethodDefinition<Req, Res>, call: grpc.ServerUnaryCall<Req, Res>, handle: (req: Req) => Promise<Res>): Promise<Res> {
    if (routing === "local") return handle(call.request);
    const deadline = Date.now() + this.opts.leaderHoldMs;
    const forwarded = call.metadata.get(FORWARDED).length > 0;
    for (;;) {
      const leader = await this.leader(deadline);
      try {
        if (leader === this.opts.selfId) {
          const raft = this.modules.raft();
          if (!raft) throw new NotLeaderError("");
          if (routing === "leader-read") await raft.readBarrier();
          return await handle(call.request);
        }
        // A forwarded request must not bounce between servers with different views of the leader.
        if (forwarded) throw new NotLeaderError(leader);
        const address = this.modules.addressOf(leader);
        if (!address) throw new NotLeaderError("");
        return await this.forward(method, address, call.request, deadline);
      } catch (err) {
        if (!isRetrySafe(err) || Date.now() >= deadline) throw err;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  /** Wraps a handler as a grpc-js unary handler with routing and error translation. */
  unary<Req, Res>(routing: Routing | ((req: Req) => Routing), method: grpc.MethodDefinition<Req, Res>, handle: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const how = typeof routing === "function" ? routing(call.request) : routing;
      this.route(how, method, call, handle).then(
        (response) => callback(null, response),
        (err: unknown) => callback(toServiceError(err, this.modules.logger)),
      );
    };
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
