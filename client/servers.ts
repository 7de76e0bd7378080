// The client's line to the servers: unary calls that move on to the next server when one does
// not answer (every client call is safe to repeat), the allocation watch stream, and the stream
// of status reports to the leader.

import * as grpc from "@grpc/grpc-js";
import * as pb from "../proto/index.js";
import { SERVER_CHANNEL_OPTIONS } from "../shared/api/channel.js";
import { ReportStream } from "./report-stream.js";

const CALL_TIMEOUT_MS = 10_000;

export function grpcCode(err: unknown): number | undefined {
  return typeof (err as { code?: unknown })?.code === "number" ? (err as { code: number }).code : undefined;
}

function unreachable(err: unknown): boolean {
  const code = grpcCode(err);
  return code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED || code === grpc.status.CANCELLED;
}

export class ServerPool {
  private readonly channels = new Map<string, grpc.Client>();
  private addresses: string[];
  private preferred = 0;
  /** The leader as the servers last named it; undefined during elections and after it failed. */
  private leader: string | undefined;
  private reports: { address: string; stream: ReportStream } | undefined;

  constructor(addresses: readonly string[]) {
    if (addresses.length === 0) throw new Error("a client needs at least one server address");
    this.addresses = [...addresses];
  }

  /** Servers learned from a heartbeat answer join the configured ones (a server may be replaced). */
  learn(addresses: readonly string[]): void {
    for (const a of addresses) if (a !== "" && !this.addresses.includes(a)) this.addresses.push(a);
  }

  /** The leader's address from a register or heartbeat answer ("" during an election). */
  learnLeader(address: string): void {
    this.leader = address === "" ? undefined : address;
    if (this.leader !== undefined) this.learn([this.leader]);
  }

  /** The leader the writes go to first, if known. */
  get leaderAddress(): string | undefined {
    return this.leader;
  }

  get current(): string {
    return this.addresses[this.preferred % this.addresses.length] as string;
  }

  /** After a failed stream: use the next server. */
  rotate(): void {
    this.preferred = (this.preferred + 1) % this.addresses.length;
  }

  channel(address: string): grpc.Client {
    let client = this.channels.get(address);
    if (!client) {
      client = new grpc.Client(address, grpc.credentials.createInsecure(), { ...SERVER_CHANNEL_OPTIONS, "grpc.max_receive_message_length": 64 << 20 });
      this.channels.set(address, client);
    }
    return client;
  }

  private callOne<Req, Res>(address: string, method: grpc.MethodDefinition<Req, Res>, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      this.channel(address).makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, new grpc.Metadata(),
        { deadline: Date.now() + CALL_TIMEOUT_MS }, (err, res) => (err ? reject(err) : resolve(res as Res)));
    });
  }

  /** Tries each server in turn while they do not answer; other errors come back as they are. */
  async call<Req, Res>(method: grpc.MethodDefinition<Req, Res>, request: Req): Promise<Res> {
    let last: unknown;
    for (let i = 0; i < this.addresses.length; i++) {
      const position = (this.preferred + i) % this.addresses.length;
      try {
        const res = await this.callOne(this.addresses[position] as string, method, request);
        this.preferred = position;
        return res;
      } catch (err) {
        last = err;
        if (!unreachable(err)) throw err;
      }
    }
    throw last;
  }

  /**
   * A call the leader serves (registration, heartbeats, status reports): to the leader first
   * when known, so no follower has to forward it; then as `call`, when the leader does not answer.
   */
  async callLeader<Req, Res>(method: grpc.MethodDefinition<Req, Res>, request: Req): Promise<Res> {
    const leader = this.leader;
    if (leader !== undefined) {
      try {
        return await this.callOne(leader, method, request);
      } catch (err) {
        if (!unreachable(err)) throw err;
        if (this.leader === leader) this.leader = undefined;
      }
    }
    return this.call(method, request);
  }

  /**
   * Status reports: on a stream to the leader when it is known, else, or when that stream fails
   * for want of a leader, as a call like any other (which a follower forwards).
   */
  async report(request: pb.ClientNodeUpdateAllocationsRequest): Promise<pb.ClientNodeUpdateAllocationsResponse> {
    const leader = this.leader;
    if (leader !== undefined) {
      if (this.reports?.address !== leader) {
        this.reports?.stream.close();
        this.reports = { address: leader, stream: new ReportStream(this.channel(leader), CALL_TIMEOUT_MS) };
      }
      try {
        return await this.reports.stream.send(request);
      } catch (err) {
        if (!unreachable(err)) throw err;
        if (this.leader === leader) this.leader = undefined;
      }
    }
    return this.callLeader(pb.ClientNodeService.updateAllocations, request);
  }

  close(): void {
    this.reports?.stream.close();
    this.reports = undefined;
    for (const c of this.channels.values()) c.close();
    this.channels.clear();
  }
}
