import * as grpc from "@grpc/grpc-js";
import test from "ava";
import { RETRY_SAFE_METADATA } from "../../shared/api/retry.js";
import { describeError, isJobNotFound, readMayMoveOn, writeFailure } from "./outcome.js";

function serviceError(code: grpc.status, details: string, retrySafe = false): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (retrySafe) metadata.set(RETRY_SAFE_METADATA, "1");
  return Object.assign(new Error(details), { code, details, metadata });
}

test("a write the servers said they did not apply, or that never reached one, failed", (t) => {
  t.is(writeFailure(serviceError(grpc.status.UNAVAILABLE, "not the leader; no leader is known right now", true)), "fail");
  t.is(writeFailure(serviceError(grpc.status.UNAVAILABLE, "No connection established. Last error: connect ECONNREFUSED")), "fail");
  t.is(writeFailure(serviceError(grpc.status.INVALID_ARGUMENT, "the job is invalid")), "fail");
  t.is(writeFailure(serviceError(grpc.status.NOT_FOUND, 'job "a" not found')), "fail");
  t.is(writeFailure(serviceError(grpc.status.FAILED_PRECONDITION, "check index")), "fail");
});

test("a write cut off after it was sent, timed out, or failed inside the server may have been applied", (t) => {
  t.is(writeFailure(serviceError(grpc.status.DEADLINE_EXCEEDED, "Deadline exceeded")), "unknown");
  t.is(writeFailure(serviceError(grpc.status.UNAVAILABLE, "Connection dropped")), "unknown");
  t.is(writeFailure(serviceError(grpc.status.UNAVAILABLE, "read ECONNRESET")), "unknown");
  t.is(writeFailure(serviceError(grpc.status.UNAVAILABLE, "write timed out after 10000 ms; its outcome is unknown")), "unknown");
  t.is(writeFailure(serviceError(grpc.status.INTERNAL, "internal error: something unexpected")), "unknown");
  t.is(writeFailure(serviceError(grpc.status.CANCELLED, "Cancelled")), "unknown");
  t.is(writeFailure(new Error("something local")), "unknown");
});

test("reads move on after unreachable or silent servers; a missing job is an answer", (t) => {
  t.true(readMayMoveOn(serviceError(grpc.status.UNAVAILABLE, "Connection dropped")));
  t.true(readMayMoveOn(serviceError(grpc.status.DEADLINE_EXCEEDED, "Deadline exceeded")));
  t.false(readMayMoveOn(serviceError(grpc.status.NOT_FOUND, 'job "a" not found')));
  t.true(isJobNotFound(serviceError(grpc.status.NOT_FOUND, 'job "a" not found'), "a"));
  t.false(isJobNotFound(serviceError(grpc.status.NOT_FOUND, 'job "b" not found'), "a"));
  t.regex(describeError(serviceError(grpc.status.UNAVAILABLE, "no leader", true)), /^UNAVAILABLE: no leader \(not applied\)$/);
});
