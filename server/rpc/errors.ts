// Errors crossing the RPC boundary: known failures become gRPC statuses with a clear message;
// anything else is logged as a bug and reported as INTERNAL.

import * as grpc from "@grpc/grpc-js";
import { isRetrySafe as isRetrySafeStatus, isServiceError, RETRY_SAFE_METADATA } from "../../shared/api/retry.js";
import { isUserError } from "../../shared/errors.js";
import type { Logger } from "../../shared/log.js";
import { NotLeaderError, OutcomeUnknownError } from "../raft/loop.js";

export class RpcError extends Error {
  constructor(readonly code: grpc.status, message: string) {
    super(message);
  }
}

export const notFound = (what: string) => new RpcError(grpc.status.NOT_FOUND, `${what} not found`);
export const invalid = (message: string) => new RpcError(grpc.status.INVALID_ARGUMENT, message);

export function toServiceError(err: unknown, logger: Logger): Partial<grpc.StatusObject> {
  if (err instanceof RpcError) return { code: err.code, details: err.message };
  if (isUserError(err)) return { code: grpc.status.INVALID_ARGUMENT, details: err.message };
  if (err instanceof NotLeaderError) {
    const metadata = new grpc.Metadata();
    metadata.set(RETRY_SAFE_METADATA, "1");
    return { code: grpc.status.UNAVAILABLE, details: err.message, metadata };
  }
  // Unavailable, but unlike NotLeaderError not marked safe to resend: it may have been applied.
  if (err instanceof OutcomeUnknownError) return { code: grpc.status.UNAVAILABLE, details: err.message };
  if (isServiceError(err)) return { code: err.code, details: err.details, metadata: err.metadata };
  logger.error("request failed with an internal error", { error: err as Error, stack: (err as Error).stack });
  return { code: grpc.status.INTERNAL, details: `internal error: ${(err as Error).message}` };
}

export function isRetrySafe(err: unknown): boolean {
  return err instanceof NotLeaderError || isRetrySafeStatus(err);
}
