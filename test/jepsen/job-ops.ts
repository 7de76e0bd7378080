// The three operations of the workload on the job table — register a job carrying a token in its
// meta, deregister it with purge, read it back — each recorded with its outcome. Requests go
// through ApiClient.callAt so the gRPC status reaches the outcome classification intact
// (ApiClient.call turns it into a message for people); failing over between servers follows
// the same rule as ApiClient.call: a write moves on only when it was provably not applied.

import type * as grpc from "@grpc/grpc-js";
import * as pb from "../../proto/index.js";
import type { ApiClient } from "../../shared/api/client.js";
import { isRetrySafe } from "../../shared/api/retry.js";
import { jobToWire } from "../../shared/wire/index.js";
import { group, job, task } from "../support/model.js";
import type { HistoryRecorder, Operation } from "./history.js";
import { describeError, isJobNotFound, readMayMoveOn, writeFailure } from "./outcome.js";

/** The key in the job's meta that carries the register's unique token. */
export const TOKEN_META = "jepsen_token";

const WRITE_OPTIONS: pb.WriteOptions = { namespace: "", region: "" };
/** Default reads: served by the leader after a ReadIndex barrier (not `stale`), answered at once. */
const LINEARIZABLE_READ: pb.QueryOptions = { minIndex: 0, maxWaitMs: 0, stale: false, namespace: "", region: "" };
/** Reads any server answers from its own state: not linearizable (used to show the check catches that). */
const STALE_READ: pb.QueryOptions = { ...LINEARIZABLE_READ, stale: true };

export interface JobOpsOptions {
  /** Deadline of one attempt at one server: longer than a server's wait for a new leader (5 s). */
  attemptTimeoutMs: number;
  /** The server tried first, until another one answers (spreads clients over the servers). */
  firstServer?: number;
  /** Read with `stale` (any server's own state) instead of the default linearizable reads. */
  staleReads?: boolean;
}

/** A valid job that asks for nothing to run (count 0), so registering it costs the scheduler little. */
export function tokenJob(id: string, token: string): pb.Job {
  return jobToWire(job(id, { meta: { [TOKEN_META]: token }, taskGroups: [group("app", 0, { tasks: [task("main", { driver: "mock" })] })] }));
}

export class JobOps {
  private preferred: number;

  constructor(private readonly api: ApiClient, private readonly recorder: HistoryRecorder, private readonly opts: JobOpsOptions) {
    this.preferred = (opts.firstServer ?? 0) % api.addresses.length;
  }

  /** Tries the servers in turn from the one that answered last; `moveOn` says whether an error allows the next. */
  private async call<Req, Res>(method: grpc.MethodDefinition<Req, Res>, request: Req, moveOn: (err: unknown) => boolean): Promise<Res> {
    const count = this.api.addresses.length;
    let lastError: unknown;
    for (let attempt = 0; attempt < count; attempt++) {
      const position = (this.preferred + attempt) % count;
      try {
        const response = await this.api.callAt(position, method, request, this.opts.attemptTimeoutMs);
        this.preferred = position;
        return response;
      } catch (err) {
        lastError = err;
        if (!moveOn(err)) break;
      }
    }
    throw lastError;
  }

  async register(process: number, key: string, token: string): Promise<Operation> {
    const op = this.recorder.invoke(process, "register", key, token);
    try {
      await this.call(pb.JobsService.register,
        { job: tokenJob(key, token), preserveCounts: false, options: WRITE_OPTIONS }, isRetrySafe);
      this.recorder.complete(op, "ok");
    } catch (err) {
      this.recorder.complete(op, writeFailure(err), { error: describeError(err) });
    }
    return op;
  }

  async deregister(process: number, key: string): Promise<Operation> {
    const op = this.recorder.invoke(process, "deregister", key, null);
    try {
      await this.call(pb.JobsService.deregister,
        { jobId: key, purge: true, options: WRITE_OPTIONS }, isRetrySafe);
      this.recorder.complete(op, "ok");
    } catch (err) {
      this.recorder.complete(op, writeFailure(err), { error: describeError(err) });
    }
    return op;
  }

  async read(process: number, key: string): Promise<Operation> {
    const op = this.recorder.invoke(process, "read", key, null);
    try {
      const res = await this.call(pb.JobsService.get, { jobId: key, options: this.opts.staleReads ? STALE_READ : LINEARIZABLE_READ }, readMayMoveOn);
      // A job without the token (none of ours) reads as "": a value no register wrote.
      this.recorder.complete(op, "ok", { value: res.job?.meta[TOKEN_META] ?? "" });
    } catch (err) {
      if (isJobNotFound(err, key)) this.recorder.complete(op, "ok", { value: null });
      // A read that got no answer observed nothing; whether it counts as failed or unknown does not matter.
      else this.recorder.complete(op, readMayMoveOn(err) ? "unknown" : "fail", { error: describeError(err) });
    }
    return op;
  }
}
