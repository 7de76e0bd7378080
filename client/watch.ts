// Follows the node's allocations through the servers' WatchAllocations stream. A broken stream
// is reopened on the next server from the last index seen, so no change is missed or repeated.

import * as grpc from "@grpc/grpc-js";
import * as pb from "../proto/index.js";
import type { Allocation } from "../shared/model/index.js";
import type { Logger } from "../shared/log.js";
import { allocFromWire } from "../shared/wire/index.js";
import { grpcCode, type ServerPool } from "./servers.js";

export interface WatchFrame {
  index: number;
  /**
   * Every allocation the servers assign to the node: id → alloc modify index. The watch keeps it
   * from the stream's complete first frame and the deltas after it; it is the watch's own map,
   * valid until the next frame: read it, do not keep or change it.
   */
  assigned: ReadonlyMap<string, number>;
  /** The allocations that changed since the last frame, in full. */
  changed: Allocation[];
}

export interface AllocWatchModules {
  servers: ServerPool;
  credentials(): { nodeId: string; secretId: string };
  onFrame(frame: WatchFrame): void;
  /** The servers do not know the node (any more): register again. */
  onUnknownNode(): void;
  logger: Logger;
}

const RETRY_MS = 500;

export class AllocWatch {
  private call: grpc.ClientReadableStream<pb.ClientNodeWatchAllocationsResponse> | undefined;
  private index = 0;
  /** The allocations the servers assign to the node, as of the last frame. */
  private assigned = new Map<string, number>();
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly modules: AllocWatchModules) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  private open(): void {
    if (this.stopped || this.call) return;
    const { servers, logger } = this.modules;
    const method = pb.ClientNodeService.watchAllocations;
    const request: pb.ClientNodeWatchAllocationsRequest = { ...this.modules.credentials(), minIndex: this.index };
    const call = servers.channel(servers.current).makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, request);
    this.call = call;
    // Whether this stream sent its complete first frame; later frames are deltas against it.
    let complete = false;
    call.on("data", (frame: pb.ClientNodeWatchAllocationsResponse) => {
      if (this.call !== call) return;
      if (frame.delta && !complete) {
        // A delta needs the stream's complete first frame to apply to: start the stream over.
        logger.warn("the allocation watch sent a delta before a complete frame; reopening it", { server: servers.current });
        call.cancel();
        reopen();
        return;
      }
      complete = true;
      // The view follows every frame, so the deltas after a malformed one still apply.
      this.apply(frame);
      let changed: Allocation[];
      try {
        changed = frame.allocations.map(allocFromWire);
      } catch (err) {
        logger.warn("ignored a malformed allocation frame", { error: (err as Error).message });
        return;
      }
      this.index = Math.max(this.index, frame.index);
      this.modules.onFrame({ index: frame.index, assigned: this.assigned, changed });
    });
    const reopen = (err?: unknown) => {
      if (this.call !== call) return;
      this.call = undefined;
      if (this.stopped) return;
      if (grpcCode(err) === grpc.status.NOT_FOUND) this.modules.onUnknownNode();
      else if (err) logger.debug("allocation watch broke; reopening on the next server", { server: servers.current, error: (err as Error).message });
      servers.rotate();
      this.retry = setTimeout(() => this.open(), RETRY_MS);
    };
    call.on("error", reopen);
    call.on("end", () => reopen());
  }

  /** A complete frame replaces the view of the node's allocations; a delta changes it. */
  private apply(frame: pb.ClientNodeWatchAllocationsResponse): void {
    if (!frame.delta) {
      this.assigned = new Map(Object.entries(frame.allocModifyIndexes));
      return;
    }
    for (const id of frame.removedIds) this.assigned.delete(id);
    for (const [id, index] of Object.entries(frame.allocModifyIndexes)) this.assigned.set(id, index);
  }

  /** Reopens from scratch: the servers did not know the node, so what they sent before is void. */
  reset(): void {
    this.index = 0;
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.call?.cancel();
    this.call = undefined;
  }
}
