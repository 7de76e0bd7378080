// Variables: check-and-set documents written through Raft and read from the leader (or, with
// `stale`, from any server).

import * as grpc from "@grpc/grpc-js";
import * as pb from "../../proto/index.js";
import { DEFAULT_VARIABLE_NAMESPACE, type ApplyResult, type StateCommand, type StateStore, type Variable } from "../state/index.js";
import type { ServerContext } from "./context.js";
import { invalid, isRetrySafe, notFound, toServiceError } from "./errors.js";

/** Replicates a command through Raft; resolves with its apply result. */
export type Propose = (command: StateCommand) => Promise<{ index: number; result: unknown }>;

const MAX_PATH = 128;
const MAX_PUTS_PER_CALL = 1024;
const PATH_PATTERN = /^[a-zA-Z0-9_\-./@]+$/;

function checkPath(path: string): void {
  if (!path || path.length > MAX_PATH || !PATH_PATTERN.test(path) || path.startsWith("/") || path.includes("//")) {
    throw invalid(`invalid variable path ${JSON.stringify(path)}: up to ${MAX_PATH} letters, digits and _ - . / @, not starting with /`);
  }
}

function toWire(v: Variable, withItems = true): pb.Variable {
  return {
    namespace: v.namespace, path: v.path, items: withItems ? { ...v.items } : {}, createIndex: v.createIndex,
    modifyIndex: v.modifyIndex, createTimeMs: v.createTimeMs, modifyTimeMs: v.modifyTimeMs,
  };
}

function namespaceOf(options: { namespace: string } | undefined): string {
  return options?.namespace || DEFAULT_VARIABLE_NAMESPACE;
}

export function variablesService(ctx: ServerContext, store: StateStore, propose: Propose): pb.VariablesServer {
  const f = ctx.forwarder;
  const method = pb.VariablesService;
  const queryMeta = () => ({ index: store.latestIndex, lastContactMs: ctx.raft()?.status().lastContactMs ?? 0, knownLeader: (ctx.raft()?.status().leader ?? "") !== "" });
  async function putOne(req: pb.VariablesPutRequest): Promise<pb.VariablesPutResponse> {
    checkPath(req.path);
    const namespace = namespaceOf(req.options);
    const command: StateCommand = {
      type: "var.put", namespace, path: req.path, items: { ...req.items }, timeMs: Date.now(),
      ...(req.checkIndex === undefined ? {} : { checkIndex: req.checkIndex }),
    };
    const { index, result } = await propose(command);
    const applied = result as ApplyResult;
    if (!applied.ok) {
      if (applied.code !== "cas-conflict") throw invalid(applied.error);
      return { conflict: true, ...(applied.current ? { variable: toWire(applied.current) } : {}), meta: { index } };
    }
    // From the apply result, not a later read: entries applied after this one may change the path.
    if (!applied.variable) throw new Error(`var.put applied without returning the variable ${JSON.stringify(req.path)}`);
    return { variable: toWire({ ...applied.variable, items: command.items }), conflict: false, meta: { index } };
  }

  return {
    put: f.unary("leader-write", method.put, putOne),
    putMany: f.unary("leader-write", method.putMany, async (req) => {
      if (req.puts.length > MAX_PUTS_PER_CALL) throw invalid(`at most ${MAX_PUTS_PER_CALL} puts per call, not ${req.puts.length}`);
      // Every put is its own proposal: Raft batches them into one append and one fsync anyway.
      const settled = await Promise.allSettled(req.puts.map(putOne));
      const failures = settled.filter((s) => s.status === "rejected");
      // Nothing applied and all of it safe to resend: fail the call, so it follows the leader.
      if (failures.length === settled.length && failures.length > 0 && failures.every((s) => isRetrySafe(s.reason))) throw failures[0]?.reason;
      return {
        outcomes: settled.map((s): pb.VariablesPutOutcome => {
          if (s.status === "fulfilled") return { response: s.value, code: 0, details: "", retrySafe: false };
          const status = toServiceError(s.reason, ctx.logger);
          return { code: status.code ?? grpc.status.UNKNOWN, details: status.details ?? "", retrySafe: isRetrySafe(s.reason) };
        }),
      };
    }),
    get: f.unary((req) => (req.options?.stale ? "local" : "leader-read"), method.get, async (req) => {
      const variable = store.snapshot().variable(req.path, namespaceOf(req.options));
      if (!variable) throw notFound(`variable ${JSON.stringify(req.path)}`);
      return { variable: toWire(variable), meta: queryMeta() };
    }),
    list: f.unary((req) => (req.options?.stale ? "local" : "leader-read"), method.list, async (req) => ({
      variables: store.snapshot().variables(req.prefix, namespaceOf(req.options)).map((v) => toWire(v, false)),
      meta: queryMeta(),
    })),
    delete: f.unary("leader-write", method.delete, async (req) => {
      checkPath(req.path);
      const command: StateCommand = {
        type: "var.delete", namespace: namespaceOf(req.options), path: req.path,
        ...(req.checkIndex === undefined ? {} : { checkIndex: req.checkIndex }),
      };
      const { index, result } = await propose(command);
      const applied = result as ApplyResult;
      if (!applied.ok && applied.code === "cas-conflict") {
        return { conflict: true, ...(applied.current ? { current: toWire(applied.current) } : {}), meta: { index } };
      }
      if (!applied.ok && applied.code !== "not-found") throw invalid(applied.error);
      return { conflict: false, meta: { index } };
    }),
  };
}
