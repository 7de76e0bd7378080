// Variable writes as a workload: each write puts a unique path with a ~256-byte payload, so
// every acknowledged write can be read back afterwards.

import * as pb from "../../proto/index.js";
import type { ApiClient } from "../../shared/api/client.js";

export const PAYLOAD = "x".repeat(240);

export function writeRequest(key: string): pb.VariablesPutRequest {
  return { path: key, items: { v: PAYLOAD }, options: { namespace: "", region: "" } };
}

export async function put(client: ApiClient, key: string): Promise<number> {
  const response = await client.call(pb.VariablesService.put, writeRequest(key), "write");
  return response.variable?.modifyIndex ?? 0;
}

/** Keys of `expected` that the cluster (as `client` sees it, linearizably) does not have. */
export async function missing(client: ApiClient, expected: Iterable<string>, stale = false): Promise<string[]> {
  const { variables } = await client.call(pb.VariablesService.list, { prefix: "", options: { minIndex: 0, maxWaitMs: 0, stale, namespace: "", region: "" } }, "read");
  const present = new Set(variables.map((v) => v.path));
  return [...expected].filter((key) => !present.has(key));
}
