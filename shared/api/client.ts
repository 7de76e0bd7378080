// The client side of the servers' API, used by the CLI and the client agents: a list of server
// addresses tried in turn, moving on when one is down. Reads move on after any UNAVAILABLE;
// writes only when the failure proves nothing was applied.

import * as grpc from "@grpc/grpc-js";
import { UserError } from "../errors.js";
import { SERVER_CHANNEL_OPTIONS } from "./channel.js";
import { isRetrySafe, isServiceError } from "./retry.js";

export interface ApiClientOptions {
  /** host:port of servers, tried in order. */
  addresses: string[];
  /** Per-request deadline. */
  timeoutMs: number;
}

/** Splits `-address`/NOMADISH_ADDR values: comma-separated host:port, an optional scheme ignored. */
export function parseAddresses(text: string): string[] {
  const addresses = text.split(",").map((a) => a.trim().replace(/^[a-z]+:\/\//, "").replace(/\/+$/, "")).filter((a) => a !== "");
  for (const address of addresses) {
    if (!/^[^\s:]+:\d+$/.test(address)) throw new UserError(`invalid server address ${JSON.stringify(address)}: expected host:port`);
  }
  if (addresses.length === 0) throw new UserError("no server address given");
  return addresses;
}

export class ApiClient {
  private readonly clients: grpc.Client[];
  private preferred = 0;

  constructor(private readonly opts: ApiClientOptions) {
    this.clients = opts.addresses.map((a) => new grpc.Client(a, grpc.credentials.createInsecure(), SERVER_CHANNEL_OPTIONS));
  }

  get addresses(): readonly string[] {
    return this.opts.addresses;
  }

  /** Calls one server at a given position, without failing over (for per-server polling). */
  callAt<Req, Res>(position: number, method: grpc.MethodDefinition<Req, Res>, request: Req, timeoutMs = this.opts.timeoutMs): Promise<Res> {
    const client = this.clients[position];
    if (!client) throw new Error(`no server at position ${position}`);
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as Res)));
    });
  }

  /**
   * Calls the servers in turn until one answers. `kind: "read"` may be resent anywhere;
   * `kind: "write"` only when the failure shows the write was not applied.
   */
  async call<Req, Res>(method: grpc.MethodDefinition<Req, Res>, request: Req, kind: "read" | "write"): Promise<Res> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.clients.length; attempt++) {
      const position = (this.preferred + attempt) % this.clients.length;
      try {
        const response = await this.callAt(position, method, request);
        this.preferred = position;
        return response;
      } catch (err) {
        lastError = err;
        // A read changes nothing, so any server may be asked again; a write only if it was not applied.
        const unreachable = isServiceError(err) && (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED);
        if (!(kind === "read" ? unreachable : isRetrySafe(err))) break;
      }
    }
    throw describeFailure(lastError, this.opts.addresses);
  }

  close(): void {
    for (const client of this.clients) client.close();
  }
}

/** One clear line for the user: which servers, and what went wrong. */
export function describeFailure(err: unknown, addresses: readonly string[]): Error {
  if (!isServiceError(err)) return err instanceof Error ? err : new Error(String(err));
  switch (err.code) {
    case grpc.status.UNAVAILABLE:
      return new UserError(err.details.startsWith("No connection established")
        ? `no server reachable at ${addresses.join(", ")}`
        : err.details);
    case grpc.status.DEADLINE_EXCEEDED:
      return new UserError(`the servers at ${addresses.join(", ")} did not answer in time`);
    case grpc.status.NOT_FOUND:
    case grpc.status.INVALID_ARGUMENT:
    case grpc.status.FAILED_PRECONDITION:
    case grpc.status.ALREADY_EXISTS:
      return new UserError(err.details);
    default:
      return new Error(`server error (${grpc.status[err.code]}): ${err.details}`);
  }
}
