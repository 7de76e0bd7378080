// The dashboard's picture of the cluster, kept apart from drawing it: jobs, allocations, nodes,
// evaluations and a timeline of events from the servers' event stream, plus each server's own
// Raft status from direct polling. Pure: every change takes the time it happened at, so tests
// drive failover timers and staleness with a fake clock.

import type { AllocationStub, Evaluation, Job, Node } from "../../shared/model/index.js";

/** No server answered for this long: the dashboard shows STALE and keeps the last known state. */
export const STALE_AFTER_MS = 2_000;
/** How many events the timeline keeps. */
export const TIMELINE_LIMIT = 500;

export type RaftRole = "leader" | "follower" | "candidate" | "pre-candidate" | "learner" | "unknown";

/** One server's Raft status as it reported it itself. */
export interface RaftReport {
  id: string;
  name: string;
  role: RaftRole;
  term: number;
  leaderId: string;
  lastLogIndex: number;
  commitIndex: number;
  appliedIndex: number;
  lastContactMs: number;
  clusterId: string;
}

export interface ServerState {
  address: string;
  /** The last report, kept while the server is unreachable. */
  report?: RaftReport;
  reachable: boolean;
  /** When it last answered (0 = never). */
  lastAnswerMs: number;
  /** Why the last poll failed, while unreachable. */
  error?: string;
}

export interface TimelineEntry {
  index: number;
  /** When the dashboard received it. */
  atMs: number;
  topic: string;
  type: string;
  key: string;
  /** A short description of the object after the change, e.g. "running" for an allocation. */
  detail: string;
}

/** A change as the event stream delivers it, already converted to domain objects. */
export type ModelEvent =
  | { topic: "Job"; type: string; key: string; index: number; job?: Job }
  | { topic: "Node"; type: string; key: string; index: number; node?: Node }
  | { topic: "Allocation"; type: string; key: string; index: number; allocation?: AllocationStub }
  | { topic: "Evaluation"; type: string; key: string; index: number; evaluation?: Evaluation }
  | { topic: "Deployment" | "Other"; type: string; key: string; index: number };

/** One version of a job, as the job view lists them. */
export interface JobVersionRow {
  version: number;
  submitTimeMs: number;
  stop: boolean;
}

export interface Snapshot {
  index: number;
  jobs: readonly Job[];
  /** Each job's kept versions, newest first (absent: only the current one is known). */
  versions?: ReadonlyMap<string, readonly JobVersionRow[]>;
  nodes: readonly Node[];
  allocations: readonly AllocationStub[];
  evaluations: readonly Evaluation[];
}

export interface LeaderState {
  /** The leader's server id, undefined while there is none (or nothing is known yet). */
  leaderId?: string;
  leaderAddress?: string;
  term: number;
  /** Set while there is no leader: when the dashboard first saw it gone. */
  electionStartedMs?: number;
  /** How long the last failover took, from leader gone to a leader seen again. */
  lastFailoverMs?: number;
}

export type PollResult =
  | { address: string; ok: true; report: RaftReport }
  | { address: string; ok: false; error: string };

const DELETIONS = new Set(["JobDeregistered", "NodeDeregistration", "AllocationDeleted", "EvaluationDeleted"]);

export class DashboardModel {
  readonly jobs = new Map<string, Job>();
  /** Versions per job id, newest first: loaded with the lists, then added to from job events. */
  readonly versions = new Map<string, JobVersionRow[]>();
  readonly nodes = new Map<string, Node>();
  readonly allocations = new Map<string, AllocationStub>();
  readonly evaluations = new Map<string, Evaluation>();
  /** Newest last; views reverse it. */
  readonly timeline: TimelineEntry[] = [];
  readonly servers: ServerState[];
  readonly leader: LeaderState = { term: 0 };
  /** The Raft index of the newest state seen (snapshot or event), where a resubscribe resumes. */
  lastIndex = 0;
  /** Whether the lists have been loaded once. */
  loaded = false;
  /** Bumped on every change, so the screen redraws only when something changed. */
  version = 0;
  private lastContactMs: number;
  /** When the leader the model knows of was last seen leading (for failovers seen in one step). */
  private leaderSeenMs = 0;

  constructor(addresses: readonly string[], startMs: number) {
    this.servers = addresses.map((address) => ({ address, reachable: false, lastAnswerMs: 0 }));
    this.lastContactMs = startMs;
  }

  /** Records a job's current version (a new one goes first; a stopped version replaces its row). */
  private noteVersion(job: Job): void {
    const rows = this.versions.get(job.id) ?? [];
    const row: JobVersionRow = { version: job.version, submitTimeMs: job.submitTimeMs, stop: job.stop };
    const at = rows.findIndex((r) => r.version === job.version);
    if (at >= 0) rows[at] = row;
    else rows.push(row);
    rows.sort((a, b) => b.version - a.version);
    this.versions.set(job.id, rows);
  }

  /** Replaces the lists with a fresh load (at start, and when the event stream was too far behind). */
  loadSnapshot(snapshot: Snapshot, nowMs: number): void {
    replace(this.jobs, snapshot.jobs, (j) => j.id);
    this.versions.clear();
    for (const job of snapshot.jobs) this.versions.set(job.id, [...(snapshot.versions?.get(job.id) ?? [])]);
    for (const job of snapshot.jobs) this.noteVersion(job);
    replace(this.nodes, snapshot.nodes, (n) => n.id);
    replace(this.allocations, snapshot.allocations, (a) => a.id);
    replace(this.evaluations, snapshot.evaluations, (e) => e.id);
    this.lastIndex = Math.max(this.lastIndex, snapshot.index);
    this.loaded = true;
    this.heard(nowMs);
  }

  /** Applies one frame of the event stream (events of one Raft index, or a heartbeat). */
  applyEvents(index: number, events: readonly ModelEvent[], nowMs: number): void {
    for (const event of events) this.applyEvent(event, nowMs);
    this.lastIndex = Math.max(this.lastIndex, index);
    this.heard(nowMs);
  }

  private applyEvent(event: ModelEvent, nowMs: number): void {
    const deleted = DELETIONS.has(event.type);
    let detail = "";
    switch (event.topic) {
      case "Job":
        if (deleted) {
          this.jobs.delete(event.key);
          this.versions.delete(event.key);
        } else if (event.job) {
          this.jobs.set(event.job.id, event.job);
          this.noteVersion(event.job);
        }
        detail = event.job ? `${event.job.status}${event.job.stop ? " (stopped)" : ""} v${event.job.version}` : "";
        break;
      case "Node":
        if (deleted) this.nodes.delete(event.key);
        else if (event.node) this.nodes.set(event.node.id, event.node);
        detail = event.node ? `${event.node.name} ${event.node.status} ${event.node.schedulingEligibility}` : "";
        break;
      case "Allocation":
        if (deleted) this.allocations.delete(event.key);
        else if (event.allocation) this.allocations.set(event.allocation.id, event.allocation);
        detail = event.allocation ? `${event.allocation.name} ${event.allocation.desiredStatus}/${event.allocation.clientStatus}` : "";
        break;
      case "Evaluation":
        if (deleted) this.evaluations.delete(event.key);
        else if (event.evaluation) this.evaluations.set(event.evaluation.id, event.evaluation);
        detail = event.evaluation ? `${event.evaluation.jobId} ${event.evaluation.status} (${event.evaluation.triggeredBy})` : "";
        break;
      default:
        break;
    }
    this.timeline.push({ index: event.index, atMs: nowMs, topic: event.topic, type: event.type, key: event.key, detail });
    if (this.timeline.length > TIMELINE_LIMIT) this.timeline.splice(0, this.timeline.length - TIMELINE_LIMIT);
    this.version++;
  }

  /**
   * Takes one round of Status.Self polls, one result per server. The leader is the answering
   * server that says it leads (the highest term wins if a deposed leader has not noticed yet);
   * with no answer at all nothing is known, so the leader state is left as it was.
   */
  applyPoll(results: readonly PollResult[], nowMs: number): void {
    for (const result of results) {
      const server = this.servers.find((s) => s.address === result.address);
      if (!server) continue;
      if (result.ok) {
        server.report = result.report;
        server.reachable = true;
        server.lastAnswerMs = nowMs;
        delete server.error;
      } else {
        server.reachable = false;
        server.error = result.error;
      }
    }
    const answered = this.servers.filter((s) => s.reachable && s.report);
    if (answered.length > 0) {
      this.heard(nowMs);
      const leaders = answered.filter((s) => s.report?.role === "leader")
        .sort((a, b) => (b.report?.term ?? 0) - (a.report?.term ?? 0));
      const leader = leaders[0];
      const term = Math.max(...answered.map((s) => s.report?.term ?? 0));
      this.observeLeader(leader?.report?.id, leader?.address, term, nowMs);
    }
    this.version++;
  }

  private observeLeader(id: string | undefined, address: string | undefined, term: number, nowMs: number): void {
    const state = this.leader;
    state.term = Math.max(state.term, term);
    if (id === undefined) {
      // The election clock runs from when the old leader was last seen leading (an upper bound
      // off by at most one poll), or from now when no leader was ever seen.
      state.electionStartedMs ??= this.leaderSeenMs > 0 ? this.leaderSeenMs : nowMs;
      delete state.leaderId;
      delete state.leaderAddress;
      return;
    }
    if (state.electionStartedMs !== undefined && this.leaderSeenMs > 0) {
      state.lastFailoverMs = nowMs - state.electionStartedMs;
    } else if (state.leaderId !== undefined && state.leaderId !== id) {
      // A new leader between two polls: the old one was last seen leading one poll ago.
      state.lastFailoverMs = nowMs - this.leaderSeenMs;
    }
    delete state.electionStartedMs;
    state.leaderId = id;
    if (address !== undefined) state.leaderAddress = address;
    this.leaderSeenMs = nowMs;
  }

  /** How long the cluster has been without a leader, or undefined when it has one. */
  electionElapsedMs(nowMs: number): number | undefined {
    const started = this.leader.electionStartedMs;
    return started === undefined ? undefined : Math.max(0, nowMs - started);
  }

  /** True when no server has answered for longer than STALE_AFTER_MS. */
  isStale(nowMs: number): boolean {
    return nowMs - this.lastContactMs > STALE_AFTER_MS;
  }

  /** The report of the leader the model knows of. */
  leaderReport(): RaftReport | undefined {
    const id = this.leader.leaderId;
    return id === undefined ? undefined : this.servers.find((s) => s.report?.id === id)?.report;
  }

  /** Any answering server's cluster id. */
  clusterId(): string {
    return this.servers.find((s) => s.report?.clusterId)?.report?.clusterId ?? "";
  }

  private heard(nowMs: number): void {
    this.lastContactMs = Math.max(this.lastContactMs, nowMs);
    this.version++;
  }
}

function replace<T>(map: Map<string, T>, items: readonly T[], key: (item: T) => string): void {
  map.clear();
  for (const item of items) map.set(key(item), item);
}
