// What the RPC services need to know about the server they run in.

import type { Logger } from "../../shared/log.js";
import type { Membership, NodeId } from "../raft/core/index.js";
import type { RaftLoop } from "../raft/loop.js";
import type { Forwarder } from "./forward.js";

export interface ServerIdentity {
  id: NodeId;
  name: string;
  address: string;
  region: string;
  datacenter: string;
  version: string;
}

export interface ServerContext {
  self: ServerIdentity;
  startedAtMs: number;
  clusterId(): string;
  /** Undefined until the server has joined or bootstrapped a cluster. */
  raft(): RaftLoop | undefined;
  membership(): Membership;
  forwarder: Forwarder;
  logger: Logger;
}
