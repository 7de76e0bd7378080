// The event stream (`Events.Subscribe`): state changes as they are applied on this server, for the
// dashboard and the CLI's monitors. It replays buffered events after from_index; a subscriber
// from too far back gets OUT_OF_RANGE and reloads the state first.

import * as grpc from "@grpc/grpc-js";
import * as pb from "../../proto/index.js";
import { allocStub } from "../../shared/model/index.js";
import { writable } from "../../shared/streams.js";
import { allocStubToWire, deploymentToWire, evalToWire, jobToWire, nodeToWire } from "../../shared/wire/index.js";
import { EventIndexTooOldError, type EventTopic, type StateEvent, type StateStore, type SubscribeRequest } from "../state/index.js";
import type { ServerContext } from "./context.js";
import { toServiceError } from "./errors.js";

/** An idle stream still gets a frame this often, so both ends notice a dead connection. */
const HEARTBEAT_MS = 10_000;

const TOPICS: Record<number, EventTopic> = {
  [pb.EventTopic.JOB]: "Job", [pb.EventTopic.NODE]: "Node", [pb.EventTopic.ALLOCATION]: "Allocation",
  [pb.EventTopic.EVALUATION]: "Evaluation", [pb.EventTopic.DEPLOYMENT]: "Deployment",
};

function eventToWire(e: StateEvent): pb.Event | undefined {
  const base = { type: e.type, key: e.key, namespace: e.namespace, index: e.index };
  switch (e.topic) {
    case "Job": return { ...base, topic: pb.EventTopic.JOB, payload: { $case: "job", job: jobToWire(e.payload.job) } };
    case "Node": return { ...base, topic: pb.EventTopic.NODE, payload: { $case: "node", node: nodeToWire(e.payload.node, { secret: "redact" }) } };
    case "Allocation": return { ...base, topic: pb.EventTopic.ALLOCATION, payload: { $case: "allocation", allocation: allocStubToWire(allocStub(e.payload.allocation)) } };
    case "Evaluation": return { ...base, topic: pb.EventTopic.EVALUATION, payload: { $case: "evaluation", evaluation: evalToWire(e.payload.evaluation) } };
    case "Deployment": return { ...base, topic: pb.EventTopic.DEPLOYMENT, payload: { $case: "deployment", deployment: deploymentToWire(e.payload.deployment) } };
    default: return undefined;
  }
}

export function eventsService(ctx: ServerContext, store: StateStore): pb.EventsServer {
  return {
    subscribe: (call) => {
      const abort = new AbortController();
      call.on("cancelled", () => abort.abort());
      call.on("close", () => abort.abort());
      const req = call.request;
      const topics: SubscribeRequest["topics"] = {};
      for (const f of req.topics) {
        const topic = TOPICS[f.topic];
        if (topic) topics[topic] = f.keys.length > 0 ? [...f.keys] : ["*"];
      }
      if (req.topics.length === 0) for (const t of Object.values(TOPICS)) topics[t] = ["*"];
      let subscription;
      try {
        subscription = store.events.subscribe({
          topics, namespace: req.namespace || "*", signal: abort.signal, ...(req.fromIndex > 0 ? { fromIndex: req.fromIndex } : {}),
        });
      } catch (err) {
        const status = err instanceof EventIndexTooOldError
          ? { code: grpc.status.OUT_OF_RANGE, details: err.message }
          : toServiceError(err, ctx.logger);
        call.emit("error", Object.assign(new Error(status.details ?? "subscribe failed"), status));
        return;
      }
      const heartbeat = setInterval(() => {
        if (!call.write({ index: store.latestIndex, events: [] })) ctx.logger.debug("event subscriber is slow");
      }, HEARTBEAT_MS);
      const run = async () => {
        for await (const batch of subscription) {
          const events = batch.events.map(eventToWire).filter((e): e is pb.Event => e !== undefined);
          if (events.length === 0) continue;
          if (!call.write({ index: batch.index, events })) await writable(call, abort.signal);
          if (abort.signal.aborted) break;
        }
      };
      run().then(() => call.end(), (err: unknown) => {
        if (abort.signal.aborted) return;
        const status = { code: grpc.status.OUT_OF_RANGE, details: (err as Error).message };
        call.emit("error", Object.assign(new Error(status.details), status));
      }).finally(() => clearInterval(heartbeat));
    },
  };
}
