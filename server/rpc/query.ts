// What every read shares: where it is served (the leader, or here with `stale`), blocking on
// min_index, and the QueryMeta it answers with.

import type * as pb from "../../proto/index.js";
import type { StateSnapshot, StateStore, TableName } from "../state/index.js";
import type { ServerContext } from "./context.js";
import { invalid, notFound } from "./errors.js";
import type { Routing } from "./forward.js";

/** Nomad's default wait for a blocking query. */
const DEFAULT_MAX_WAIT_MS = 5 * 60_000;

export function readRouting(req: { options?: pb.QueryOptions | undefined }): Routing {
  return req.options?.stale ? "local" : "leader-read";
}

export function queryMeta(ctx: ServerContext, index: number): pb.QueryMeta {
  const status = ctx.raft()?.status();
  return { index, lastContactMs: status?.lastContactMs ?? 0, knownLeader: (status?.leader ?? "") !== "" };
}

/** Runs `query` at once, or when one of `tables` changes past `options.minIndex`. */
export async function blockingRead<T>(
  ctx: ServerContext, store: StateStore, options: pb.QueryOptions | undefined, tables: readonly TableName[],
  query: (snap: StateSnapshot) => T,
): Promise<{ value: T; meta: pb.QueryMeta }> {
  const minIndex = options?.minIndex ?? 0;
  const waitMs = options?.maxWaitMs && options.maxWaitMs > 0 ? options.maxWaitMs : DEFAULT_MAX_WAIT_MS;
  const { value, index } = await store.blockingQuery(minIndex, waitMs, tables, query);
  return { value, meta: queryMeta(ctx, index) };
}

export function namespaceOf(options: { namespace: string } | undefined): string {
  return options?.namespace || "default";
}

export function requireId(value: string, what: string): string {
  if (value.trim() === "") throw invalid(`a ${what} is required`);
  return value;
}

/** A row by its full id, or by a prefix that matches exactly one row. */
export function byIdOrPrefix<T extends { id: string }>(rows: readonly T[], id: string, what: string): T {
  const exact = rows.find((r) => r.id === id);
  if (exact) return exact;
  if (rows.length === 1 && rows[0]) return rows[0];
  if (rows.length === 0) throw notFound(`${what} "${id}"`);
  throw invalid(`${what} prefix "${id}" matched ${rows.length} ${what}s: ${rows.slice(0, 10).map((r) => r.id).join(", ")}`);
}
