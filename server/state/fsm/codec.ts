// Commands on the Raft log: UTF-8 JSON. Decoding checks the command's shape (its type and the
// kinds of its top-level fields) so a corrupt or foreign entry fails with a clear message
// instead of deep inside apply.

import { CommandDecodeError } from "../errors.js";
import { unpackAllocs } from "./packed-allocs.js";
import { packRows, rowPackProblem, unpackRows, type RowPack } from "./packed-rows.js";
import type { StateCommand, StateCommandType } from "./types.js";

type Kind = "string" | "number" | "boolean" | "object" | "array";

/** Required and optional top-level fields of each command. */
const SHAPES: Record<StateCommandType, { required: Record<string, Kind>; optional?: Record<string, Kind> }> = {
  "job.register": { required: { job: "object" }, optional: { eval: "object" } },
  "job.deregister": { required: { namespace: "string", jobId: "string", purge: "boolean" }, optional: { submitTimeMs: "number", eval: "object" } },
  "job.stability": { required: { namespace: "string", jobId: "string", version: "number", stable: "boolean" } },
  "job.scale": { required: { namespace: "string", jobId: "string", group: "string", count: "number" }, optional: { submitTimeMs: "number", eval: "object" } },
  "node.register": { required: { node: "object" }, optional: { evals: "array" } },
  "node.status": { required: { nodeId: "string", status: "string", updatedAtMs: "number" }, optional: { statusDescription: "string", evals: "array" } },
  "node.eligibility": { required: { nodeId: "string", eligibility: "string" }, optional: { evals: "array" } },
  "node.drain": { required: { nodeId: "string" }, optional: { drainStrategy: "object", markEligible: "boolean", evals: "array" } },
  "node.deregister": { required: { nodeIds: "array" } },
  "alloc.upsert": {
    required: { allocs: "array" },
    optional: {
      job: "object", stopped: "array", preempted: "array", deployment: "object", deploymentUpdates: "array", evals: "array", evalId: "string",
      packedAllocs: "object",
    },
  },
  "alloc.clientUpdate": { required: { updates: "array" }, optional: { evals: "array", packedUpdates: "object" } },
  "eval.upsert": { required: { evals: "array" } },
  "eval.delete": { required: { evalIds: "array", allocIds: "array" } },
  "deployment.upsert": { required: { deployment: "object" } },
  "deployment.status": { required: { updates: "array" }, optional: { job: "object", eval: "object" } },
  "deployment.promote": { required: { deploymentId: "string", timeMs: "number" }, optional: { groups: "array", eval: "object" } },
  "deployment.allocHealth": {
    required: { deploymentId: "string", healthyAllocIds: "array", unhealthyAllocIds: "array", timestampMs: "number" },
    optional: { update: "object", job: "object", eval: "object" },
  },
  "deployment.delete": { required: { deploymentIds: "array" } },
  "var.put": { required: { path: "string", items: "object" }, optional: { namespace: "string", checkIndex: "number", timeMs: "number" } },
  "var.delete": { required: { path: "string" }, optional: { namespace: "string", checkIndex: "number" } },
};

export const COMMAND_TYPES = Object.keys(SHAPES) as StateCommandType[];

function kindOf(value: unknown): Kind | "null" | "undefined" | "other" {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  const t = typeof value;
  return t === "string" || t === "number" || t === "boolean" || t === "object" || t === "undefined" ? t : "other";
}

/**
 * Checks that a value has the shape of a state command: a known `type` and the right kinds of
 * top-level fields. Throws CommandDecodeError saying what is wrong.
 */
export function checkCommand(value: unknown): StateCommand {
  if (kindOf(value) !== "object") throw new CommandDecodeError(`not a state command: expected a JSON object, got ${kindOf(value)}`);
  const obj = value as Record<string, unknown>;
  const type = obj["type"];
  if (typeof type !== "string") throw new CommandDecodeError("not a state command: it has no \"type\"");
  const shape = Object.prototype.hasOwnProperty.call(SHAPES, type) ? SHAPES[type as StateCommandType] : undefined;
  if (shape === undefined) throw new CommandDecodeError(`unknown state command type ${JSON.stringify(type)}`);
  for (const [field, kind] of Object.entries(shape.required)) {
    const got = kindOf(obj[field]);
    if (got !== kind) throw new CommandDecodeError(`state command ${type}: "${field}" must be ${kind === "array" ? "an" : "a"} ${kind}, got ${got}`);
  }
  for (const [field, kind] of Object.entries(shape.optional ?? {})) {
    const got = kindOf(obj[field]);
    if (got !== kind && got !== "undefined") {
      throw new CommandDecodeError(`state command ${type}: "${field}" must be ${kind === "array" ? "an" : "a"} ${kind} when present, got ${got}`);
    }
  }
  return value as StateCommand;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeCommand(cmd: StateCommand): Uint8Array {
  if (cmd.type === "alloc.upsert") {
    const packedAllocs = packRows(cmd.allocs);
    if (packedAllocs !== undefined) return encoder.encode(JSON.stringify({ ...cmd, allocs: [], packedAllocs }));
  }
  if (cmd.type === "alloc.clientUpdate") {
    const packedUpdates = packRows(cmd.updates);
    if (packedUpdates !== undefined) return encoder.encode(JSON.stringify({ ...cmd, updates: [], packedUpdates }));
  }
  return encoder.encode(JSON.stringify(cmd));
}

/**
 * A plan's allocations and a batch of client reports written packed (see packed-allocs.ts and
 * packed-rows.ts) are unpacked into `allocs` and `updates`.
 */
function unpacked(cmd: StateCommand): StateCommand {
  if (cmd.type === "alloc.upsert") {
    const { packedAllocs, ...rest } = cmd as typeof cmd & { packedAllocs?: unknown };
    if (packedAllocs === undefined) return cmd;
    const problem = rowPackProblem(packedAllocs);
    if (problem !== undefined) throw new CommandDecodeError(`state command alloc.upsert: "packedAllocs" ${problem}`);
    return { ...rest, allocs: [...rest.allocs, ...unpackAllocs(packedAllocs as RowPack)] };
  }
  if (cmd.type === "alloc.clientUpdate") {
    const { packedUpdates, ...rest } = cmd as typeof cmd & { packedUpdates?: unknown };
    if (packedUpdates === undefined) return cmd;
    const problem = rowPackProblem(packedUpdates);
    if (problem !== undefined) throw new CommandDecodeError(`state command alloc.clientUpdate: "packedUpdates" ${problem}`);
    return { ...rest, updates: [...rest.updates, ...(unpackRows(packedUpdates as RowPack) as unknown as typeof rest.updates)] };
  }
  return cmd;
}

/** Decodes a Raft entry's data; throws CommandDecodeError when it is not a state command. */
export function decodeCommand(bytes: Uint8Array): StateCommand {
  if (bytes.length === 0) throw new CommandDecodeError("not a state command: the entry is empty");
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new CommandDecodeError(`not a state command: ${bytes.length} bytes that are not UTF-8 text`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const preview = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    throw new CommandDecodeError(`not a state command: invalid JSON (${(err as Error).message}) in ${JSON.stringify(preview)}`);
  }
  return unpacked(checkCommand(value));
}
