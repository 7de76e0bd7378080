// How CLI commands reach the servers: -address or NOMADISH_ADDR (comma-separated), falling back
// to the local default, through the shared API client.

import type * as pb from "../proto/index.js";
import { ApiClient, parseAddresses } from "../shared/api/client.js";
import type { FlagSpec, ParsedFlags } from "./flags.js";
import type { CommandIO } from "./command.js";

/** The servers of `nomadish dev` (a single server answers on the first). */
export const DEFAULT_ADDRESS = "127.0.0.1:4647,127.0.0.1:4648,127.0.0.1:4649";
const DEFAULT_TIMEOUT_MS = 15_000;

export const ADDRESS_FLAG: FlagSpec = {
  name: "address",
  kind: "string",
  placeholder: "host:port,…",
  help: `Servers to talk to, tried in turn when one is down. Overrides NOMADISH_ADDR.\nDefault: ${DEFAULT_ADDRESS}.`,
};

export const JSON_FLAG: FlagSpec = { name: "json", kind: "bool", help: "Prints the result as JSON." };
export const STALE_FLAG: FlagSpec = { name: "stale", kind: "bool", help: "Lets any server answer from its own state instead of the leader's." };

/** Read options from the command's flags: a linearizable read unless -stale. */
export function queryOptions(flags: ParsedFlags): pb.QueryOptions {
  return { minIndex: 0, maxWaitMs: 0, stale: flags.bools.has("stale"), namespace: "", region: "" };
}

export const WRITE_OPTIONS: pb.WriteOptions = { namespace: "", region: "" };

/** An API client for the command's servers; the command closes it when done. */
export function apiClient(flags: ParsedFlags, io: CommandIO): ApiClient {
  const text = flags.strings.get("address") ?? io.env["NOMADISH_ADDR"] ?? DEFAULT_ADDRESS;
  return new ApiClient({ addresses: parseAddresses(text), timeoutMs: DEFAULT_TIMEOUT_MS });
}

/** Runs `work` with a client and always closes it, so the process can exit. */
export async function withClient<T>(flags: ParsedFlags, io: CommandIO, work: (client: ApiClient) => Promise<T>): Promise<T> {
  const client = apiClient(flags, io);
  try {
    return await work(client);
  } finally {
    client.close();
  }
}
