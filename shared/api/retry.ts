// Which failed requests may be sent again. A request that provably changed nothing is safe to
// resend (to another server, or to a new leader); one lost in flight may have been applied.

import * as grpc from "@grpc/grpc-js";

/** Trailing metadata a server puts on errors of requests it did not apply. */
export const RETRY_SAFE_METADATA = "x-nomadish-retry-safe";

export function isServiceError(err: unknown): err is grpc.ServiceError {
  return typeof err === "object" && err !== null && "code" in err && "details" in err && typeof (err as { code: unknown }).code === "number";
}

/** The server said it applied nothing, or no connection was ever made. */
export function isRetrySafe(err: unknown): boolean {
  if (!isServiceError(err) || err.code !== grpc.status.UNAVAILABLE) return false;
  return err.metadata?.get(RETRY_SAFE_METADATA).length > 0 || err.details.startsWith("No connection established");
}
