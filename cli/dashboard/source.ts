// Feeds the DashboardModel from the servers: polls every server's Status.Self directly (during
// an election there is no leader to ask), loads the lists once, then follows the event stream,
// resuming from the last index after a reconnect and reloading when the stream says it is too
// far behind (OUT_OF_RANGE).

import * as grpc from "@grpc/grpc-js";
import * as pb from "../../proto/index.js";
import type { ApiClient } from "../../shared/api/client.js";
import { SERVER_CHANNEL_OPTIONS } from "../../shared/api/channel.js";
import { isServiceError } from "../../shared/api/retry.js";
import { allocStubFromWire, evalFromWire, jobFromWire, nodeFromWire } from "../../shared/wire/index.js";
import type { DashboardModel, JobVersionRow, ModelEvent, PollResult, RaftReport, RaftRole, Snapshot } from "./model.js";

export interface SourceOptions {
  /** Time between two rounds of Status.Self polls. */
  pollIntervalMs: number;
  /** Deadline of one Status.Self call: short, so a dead server does not hold up the round. */
  pollTimeoutMs: number;
  /** Wait before reloading or resubscribing after a failure. */
  retryDelayMs: number;
}

// A killed server refuses at once, so the deadline only matters for a hung or overloaded one:
// long enough that a busy leader is not taken for a lost one.
export const DEFAULT_SOURCE_OPTIONS: SourceOptions = { pollIntervalMs: 250, pollTimeoutMs: 500, retryDelayMs: 500 };

/** Any-namespace reads that any server may answer, so the dashboard keeps working in an election. */
const QUERY: pb.QueryOptions = { minIndex: 0, maxWaitMs: 0, stale: true, namespace: "*", region: "" };

const ROLES: Partial<Record<pb.RaftState, RaftRole>> = {
  [pb.RaftState.LEADER]: "leader",
  [pb.RaftState.FOLLOWER]: "follower",
  [pb.RaftState.CANDIDATE]: "candidate",
  [pb.RaftState.PRE_CANDIDATE]: "pre-candidate",
  [pb.RaftState.LEARNER]: "learner",
};

export function raftReportFromWire(self: pb.StatusSelfResponse): RaftReport {
  const raft = self.raft;
  return {
    id: self.member?.id ?? "",
    name: self.member?.name ?? "",
    role: raft ? ROLES[raft.state] ?? "unknown" : "unknown",
    term: raft?.term ?? 0,
    leaderId: raft?.leaderId ?? "",
    lastLogIndex: raft?.lastLogIndex ?? 0,
    commitIndex: raft?.commitIndex ?? 0,
    appliedIndex: raft?.appliedIndex ?? 0,
    lastContactMs: raft?.lastContactMs ?? 0,
    clusterId: self.clusterId,
  };
}

export function modelEventFromWire(event: pb.Event): ModelEvent {
  const base = { type: event.type, key: event.key, index: event.index };
  const payload = event.payload;
  switch (event.topic) {
    case pb.EventTopic.JOB:
      return { topic: "Job", ...base, ...(payload?.$case === "job" ? { job: jobFromWire(payload.job) } : {}) };
    case pb.EventTopic.NODE:
      return { topic: "Node", ...base, ...(payload?.$case === "node" ? { node: nodeFromWire(payload.node) } : {}) };
    case pb.EventTopic.ALLOCATION:
      return { topic: "Allocation", ...base, ...(payload?.$case === "allocation" ? { allocation: allocStubFromWire(payload.allocation) } : {}) };
    case pb.EventTopic.EVALUATION:
      return { topic: "Evaluation", ...base, ...(payload?.$case === "evaluation" ? { evaluation: evalFromWire(payload.evaluation) } : {}) };
    case pb.EventTopic.DEPLOYMENT:
      return { topic: "Deployment", ...base };
    default:
      return { topic: "Other", ...base };
  }
}

/** Jobs.List, then each job in full (the groups' counts), nodes, allocations and evaluations. */
export async function loadSnapshot(client: ApiClient): Promise<Snapshot> {
  const [jobList, nodeList, allocList, evalList] = await Promise.all([
    client.call(pb.JobsService.list, { prefix: "", options: QUERY }, "read"),
    client.call(pb.NodesService.list, { prefix: "", options: QUERY }, "read"),
    client.call(pb.AllocationsService.list, { prefix: "", nodeId: "", options: QUERY }, "read"),
    client.call(pb.EvaluationsService.list, { prefix: "", jobId: "", status: pb.EvalStatus.UNSPECIFIED, options: QUERY }, "read"),
  ]);
  const versions = new Map<string, JobVersionRow[]>();
  const jobs = await Promise.all(jobList.jobs.map(async (stub) => {
    const options = { ...QUERY, namespace: stub.namespace };
    const [{ job }, history] = await Promise.all([
      client.call(pb.JobsService.get, { jobId: stub.id, options }, "read"),
      client.call(pb.JobsService.versions, { jobId: stub.id, diffs: false, options }, "read").catch(() => undefined),
    ]);
    if (history) versions.set(stub.id, history.versions.map((v) => ({ version: v.version, submitTimeMs: v.submitTimeMs, stop: v.stop })));
    return job === undefined ? undefined : jobFromWire(job);
  }));
  // The lowest index of the four lists: resuming the stream from there replays anything newer.
  const index = Math.min(...[jobList, nodeList, allocList, evalList].map((r) => r.meta?.index ?? 0));
  return {
    index,
    jobs: jobs.filter((j) => j !== undefined),
    versions,
    nodes: nodeList.nodes.map(nodeFromWire),
    allocations: allocList.allocations.map(allocStubFromWire),
    evaluations: evalList.evaluations.map(evalFromWire),
  };
}

function describe(err: unknown): string {
  if (isServiceError(err)) return err.code === grpc.status.DEADLINE_EXCEEDED ? "no answer" : grpc.status[err.code] ?? String(err.code);
  return err instanceof Error ? err.message : String(err);
}

export class DashboardSource {
  private stopped = false;
  private readonly pollTimers: (NodeJS.Timeout | undefined)[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private stream: grpc.ClientReadableStream<pb.EventsSubscribeResponse> | undefined;
  private readonly streamClients: grpc.Client[];
  /** The server the event stream uses; moves on after a failure. */
  private streamServer = 0;

  constructor(
    private readonly model: DashboardModel,
    private readonly client: ApiClient,
    private readonly onChange: () => void,
    private readonly opts: SourceOptions = DEFAULT_SOURCE_OPTIONS,
    private readonly now: () => number = Date.now,
  ) {
    this.streamClients = client.addresses.map((a) => new grpc.Client(a, grpc.credentials.createInsecure(), SERVER_CHANNEL_OPTIONS));
  }

  start(): void {
    this.client.addresses.forEach((_, i) => void this.poll(i));
    void this.reload();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.pollTimers) clearTimeout(timer);
    clearTimeout(this.retryTimer);
    this.stream?.cancel();
    for (const c of this.streamClients) c.close();
  }

  /**
   * Status.Self of one server, each server on its own loop (the next poll an interval after this
   * one ends), so a dead or slow server never delays what the others say: a leader that stops
   * answering is seen gone as soon as its own poll fails.
   */
  private async poll(i: number): Promise<void> {
    const address = this.client.addresses[i] ?? "";
    let result: PollResult;
    try {
      const self = await this.client.callAt(i, pb.StatusService.self, {}, this.opts.pollTimeoutMs);
      result = { address, ok: true, report: raftReportFromWire(self) };
    } catch (err) {
      result = { address, ok: false, error: describe(err) };
    }
    if (this.stopped) return;
    this.model.applyPoll([result], this.now());
    this.onChange();
    this.pollTimers[i] = setTimeout(() => void this.poll(i), this.opts.pollIntervalMs);
  }

  /** Loads the lists, then (re)subscribes from their index; retries until it works. */
  private async reload(): Promise<void> {
    try {
      const snapshot = await loadSnapshot(this.client);
      if (this.stopped) return;
      this.model.loadSnapshot(snapshot, this.now());
      this.onChange();
      this.subscribe();
    } catch {
      this.retry(() => void this.reload());
    }
  }

  private retry(work: () => void): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(work, this.opts.retryDelayMs);
  }

  private subscribe(): void {
    if (this.stopped) return;
    const client = this.streamClients[this.streamServer % this.streamClients.length];
    if (!client) return;
    const method = pb.EventsService.subscribe;
    const request: pb.EventsSubscribeRequest = { topics: [], fromIndex: this.model.lastIndex, namespace: "*" };
    const stream = client.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, request);
    this.stream = stream;
    let done = false;
    const finish = (outOfRange: boolean) => {
      if (done || this.stopped) return;
      done = true;
      stream.cancel();
      this.streamServer++;
      // Too far behind for the server's buffer: reload the lists, which resubscribes from their index.
      this.retry(() => (outOfRange ? void this.reload() : this.subscribe()));
    };
    stream.on("data", (frame: pb.EventsSubscribeResponse) => {
      // Heartbeats (no events) only prove the server is there: their index may run ahead of
      // events still on their way, so only frames with events move the resume point.
      const events = frame.events.map(modelEventFromWire);
      this.model.applyEvents(events.length > 0 ? frame.index : this.model.lastIndex, events, this.now());
      this.onChange();
    });
    stream.on("error", (err: unknown) => finish(isServiceError(err) && err.code === grpc.status.OUT_OF_RANGE));
    stream.on("end", () => finish(false));
  }
}
