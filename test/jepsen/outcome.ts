// What a failed request proves about its effect, from the gRPC status the servers send
// (server/rpc/errors.ts) and the ones grpc-js makes up on the client side.

import * as grpc from "@grpc/grpc-js";
import { isRetrySafe, isServiceError } from "../../shared/api/retry.js";

/**
 * "fail" only when the error proves the write was not applied: the server refused it before
 * proposing it (invalid argument, not found, failed precondition…), the state machine refused it
 * (reported the same way, with nothing changed), or the server said "not applied" (UNAVAILABLE
 * marked retry-safe: not the leader, no leader, leadership lost before commit) or no connection
 * was ever made. Everything else — deadline exceeded, a connection lost mid-call, UNAVAILABLE
 * without the retry-safe mark (a proposal that timed out on the server, a server shutting down),
 * an internal error, cancellation — may have been applied: "unknown".
 */
export function writeFailure(err: unknown): "fail" | "unknown" {
  if (!isServiceError(err)) return "unknown";
  if (isRetrySafe(err)) return "fail";
  switch (err.code) {
    case grpc.status.INVALID_ARGUMENT:
    case grpc.status.NOT_FOUND:
    case grpc.status.FAILED_PRECONDITION:
    case grpc.status.ALREADY_EXISTS:
    case grpc.status.PERMISSION_DENIED:
    case grpc.status.UNAUTHENTICATED:
    case grpc.status.UNIMPLEMENTED:
    case grpc.status.OUT_OF_RANGE:
      return "fail";
    default:
      return "unknown";
  }
}

/** A read may be asked again anywhere after these: the server was not reached, or did not answer. */
export function readMayMoveOn(err: unknown): boolean {
  return isServiceError(err) && (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED);
}

/** The servers' answer to a read of a job that does not exist. */
export function isJobNotFound(err: unknown, jobId: string): boolean {
  return isServiceError(err) && err.code === grpc.status.NOT_FOUND && err.details.includes(`job "${jobId}" not found`);
}

export function describeError(err: unknown): string {
  if (isServiceError(err)) return `${grpc.status[err.code] ?? err.code}: ${err.details}${isRetrySafe(err) ? " (not applied)" : ""}`;
  return err instanceof Error ? err.message : String(err);
}
