// The Evaluations API: `eval list` and `eval status`.

import * as pb from "../../proto/index.js";
import { evalStatusCodec, evalToWire } from "../../shared/wire/index.js";
import type { StateStore } from "../state/index.js";
import type { ServerContext } from "./context.js";
import { blockingRead, byIdOrPrefix, readRouting, requireId } from "./query.js";

export function evaluationsService(ctx: ServerContext, store: StateStore): pb.EvaluationsServer {
  const f = ctx.forwarder;
  const method = pb.EvaluationsService;
  return {
    list: f.unary(readRouting, method.list, async (req) => {
      const status = req.status === pb.EvalStatus.UNSPECIFIED ? undefined : evalStatusCodec.fromWire(req.status);
      const { value, meta } = await blockingRead(ctx, store, req.options, ["evals"], (snap) =>
        (req.prefix ? snap.byPrefix("evals", req.prefix) : snap.evals())
          .filter((e) => (req.jobId === "" || e.jobId === req.jobId) && (status === undefined || e.status === status))
          .sort((a, b) => b.createIndex - a.createIndex));
      return { evaluations: value.map(evalToWire), meta };
    }),
    get: f.unary(readRouting, method.get, async (req) => {
      requireId(req.evalId, "evaluation id");
      const { value, meta } = await blockingRead(ctx, store, req.options, ["evals"], (snap) =>
        byIdOrPrefix(snap.byPrefix("evals", req.evalId), req.evalId, "evaluation"));
      return { evaluation: evalToWire(value), meta };
    }),
  };
}
