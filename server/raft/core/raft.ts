// The Raft state machine (Ongaro & Ousterhout, "In Search of an Understandable Consensus
// Algorithm", and Ongaro's dissertation), in the etcd-io/raft mould: no I/O, no clock. Time comes
// in as tick(), messages as step(), and the work to do goes out as Ready batches.

import { RaftLog } from "./log.js";
import { applyChange, cloneMembership, encodeMembership, quorum, tryDecodeMembership } from "./membership.js";
import { MembershipLog } from "./membershipLog.js";
import { maxCommittedBytesPerReady, snapshotTimeoutElections, validateRaftOptions } from "./options.js";
import { Progress } from "./progress.js";
import { ReadIndexQueue } from "./readIndex.js";
import type {
  AppendMessage, AppendResponseMessage, Entry, EntryType, HardState, LogStorage, MembershipChange, Message, NodeId,
  PeerProgress, ProposeResult, RaftLogger, RaftModules, RaftOptions, RaftStatus, ReadState, Ready, Rng, Role, Snapshot,
  SnapshotMessage, SnapshotResponseMessage, SoftState, TimeoutNowMessage, VoteMessage, VoteResponseMessage,
} from "./types.js";
import { checkMessage } from "./validate.js";

const noData = new Uint8Array(0);
/** Bytes read at a time when scanning the log for config entries at start. */
const scanChunkBytes = 4 * 1024 * 1024;

/** A message as composed here; send() fills in `from` and, unless given, the current term. */
type Unsent<M> = M extends Message ? Omit<M, "from" | "term"> & { term?: number } : never;
type Outgoing = Unsent<Message>;

export class RaftNode {
  private readonly id: NodeId;
  private readonly opts: RaftOptions;
  private readonly storage: LogStorage;
  private readonly rng: Rng;
  private readonly logger: RaftLogger | undefined;
  private readonly log: RaftLog;
  private readonly members: MembershipLog;
  /** Voters of the current membership (the latest config entry in the log). */
  private voters = new Set<NodeId>();

  private term: number;
  private vote: NodeId;
  private role: Role = "follower";
  private leader: NodeId = "";
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout: number;
  private readonly votes = new Map<NodeId, boolean>();

  // Leader state.
  private readonly progress = new Map<NodeId, Progress>();
  private transferTarget: NodeId = "";
  private transferElapsed = 0;
  private committedInTerm = false;
  /** Heartbeat round; bumped for each ReadIndex round and echoed by followers. */
  private seq = 0;
  private broadcastPending = false;
  private readonly peersPending = new Set<NodeId>();
  private commitChanged = false;
  private readonly reads = new ReadIndexQueue();
  private localSnapshot: Snapshot | undefined;
  /** A follower needs entries that are no longer held and no snapshot covers them. */
  private snapshotWanted = false;

  // Output not yet handed out.
  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private prevHard: HardState;
  private prevSoft: SoftState;

  constructor(opts: RaftOptions, modules: RaftModules) {
    validateRaftOptions(opts);
    this.opts = { ...opts };
    this.id = opts.id;
    this.storage = modules.storage;
    this.rng = modules.rng;
    this.logger = modules.logger;

    const init = this.storage.initialState();
    const first = this.storage.firstIndex();
    const last = this.storage.lastIndex();
    let commit = Math.max(init.hardState.commit, first - 1);
    if (commit > last) {
      this.logger?.warn("stored commit index is past the end of the log; using the log's end", { commit, lastIndex: last });
      commit = last;
    }
    let applied = opts.applied;
    if (applied < first - 1) {
      this.logger?.warn("applied index is older than the stored snapshot; starting from the snapshot", { applied, snapshotIndex: first - 1 });
      applied = first - 1;
    }
    if (applied > commit) {
      if (applied <= last) commit = applied;
      else applied = commit;
    }
    this.term = init.hardState.term;
    this.vote = init.hardState.vote;
    this.log = new RaftLog(this.storage, commit, applied);
    this.members = new MembershipLog(first - 1, init.membership);
    this.scanConfigEntries(first, last);
    this.refreshVoters();
    this.prevHard = { ...init.hardState };
    this.prevSoft = { leader: "", role: "follower" };
    this.randomizedElectionTimeout = this.opts.electionTicks;
    this.becomeFollower(this.term, "");
    this.logger?.info("raft node started", {
      id: this.id, term: this.term, commit, applied, firstIndex: first, lastIndex: last, voters: [...this.voters],
    });
  }

  // ---------------------------------------------------------------- public API

  /** One unit of logical time: elections and heartbeats are counted in ticks. */
  tick(): void {
    if (this.role === "leader") this.tickLeader();
    else this.tickElection();
  }

  /** Feeds a message from a peer. Malformed or misplaced messages are logged and dropped. */
  step(msg: Message): void {
    const problem = checkMessage(msg);
    if (problem !== undefined) {
      this.logger?.warn("dropping a malformed message", { problem, from: (msg as { from?: unknown } | null)?.from });
      return;
    }
    if (msg.to !== this.id) {
      this.logger?.warn("dropping a message addressed to another server", { to: msg.to, from: msg.from, type: msg.type });
      return;
    }
    if (msg.from === this.id) {
      this.logger?.warn("dropping a message that claims to come from this server", { type: msg.type });
      return;
    }
    if (msg.term > this.term) {
      if (!this.acceptHigherTerm(msg)) return;
    } else if (msg.term < this.term) {
      this.answerStaleTerm(msg);
      return;
    }
    switch (msg.type) {
      case "append": return this.stepAppend(msg);
      case "snapshot": return this.stepSnapshot(msg);
      case "appendResponse": return this.stepAppendResponse(msg);
      case "snapshotResponse": return this.stepSnapshotResponse(msg);
      case "vote": return this.handleVote(msg);
      case "voteResponse": return this.handleVoteResponse(msg);
      case "timeoutNow": return this.handleTimeoutNow(msg);
    }
  }

  /** Appends a command to the log (leader only). It is sent with the next Ready. */
  propose(data: Uint8Array): ProposeResult {
    const refused = this.refuseProposal();
    if (refused) return refused;
    if (!this.voters.has(this.id)) return { ok: false, reason: "not-a-member", leader: this.leader };
    const entry = this.appendLeaderEntry("normal", data);
    return { ok: true, index: entry.index, term: entry.term };
  }

  /**
   * Proposes adding or removing one voter (dissertation §4.1). The new membership is in force as
   * soon as the entry is in the log; one change may be uncommitted at a time, and none before
   * the leader has committed an entry of its own term (the fix in Ongaro's 2015 erratum).
   */
  proposeMembership(change: MembershipChange): ProposeResult {
    const refused = this.refuseProposal();
    if (refused) return refused;
    if (!this.committedInTerm || this.members.currentIndex() > this.log.committed) {
      return { ok: false, reason: "membership-change-pending", leader: this.leader };
    }
    const next = applyChange(this.members.current(), change);
    if (!next) {
      this.logger?.warn("refusing an invalid membership change", { change });
      return { ok: false, reason: "invalid-membership-change", leader: this.leader };
    }
    const entry = this.appendLeaderEntry("config", encodeMembership(next));
    this.logger?.info("proposed a membership change", { change, index: entry.index, voters: next.voters.map((m) => m.id) });
    return { ok: true, index: entry.index, term: entry.term };
  }

  /** Hands leadership to `to` (§3.10): catch it up, then tell it to start an election now. */
  transferLeadership(to: NodeId): void {
    if (this.role !== "leader") {
      this.logger?.warn("cannot transfer leadership: not the leader", { to, leader: this.leader });
      return;
    }
    if (to === this.id) {
      if (this.transferTarget !== "") this.abortTransfer("leadership stays here");
      return;
    }
    const pr = this.progress.get(to);
    if (!pr) {
      this.logger?.warn("cannot transfer leadership to a server that is not a voter", { to });
      return;
    }
    if (this.transferTarget === to) return;
    this.transferTarget = to;
    this.transferElapsed = 0;
    this.logger?.info("transferring leadership", { to, term: this.term });
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.peersPending.add(to);
  }

  /**
   * Asks for a linearizable read (§6.4). False when not the leader. Otherwise a ReadState for
   * `requestId` comes out in a later Ready once a quorum has confirmed this leadership; the read
   * may be served when the state machine has applied its index. Requests are dropped if the
   * leadership is lost before then (the caller times them out).
   */
  readIndex(requestId: string): boolean {
    if (this.role !== "leader") return false;
    this.reads.add(requestId, this.committedInTerm ? this.log.committed : undefined);
    return true;
  }

  /** Starts an election now (with a pre-vote when enabled). Ignored on a leader or a non-voter. */
  campaign(): void {
    if (this.role === "leader") return;
    if (!this.promotable()) {
      this.logger?.warn("not campaigning: this server is not a voter", { id: this.id });
      return;
    }
    this.startElection(false);
  }

  /** The transport could not deliver a snapshot to `peer`: probe it again after a heartbeat. */
  reportSnapshotFailure(peer: NodeId): void {
    const pr = this.progress.get(peer);
    if (this.role !== "leader" || !pr || pr.state !== "snapshot") return;
    this.snapshotFailed(peer, pr, "the transport failed");
  }

  /**
   * A leader's appends (heartbeats among them) that would go out with the next Ready, taken now.
   * They promise nothing about this server's disk (a leader may send entries before it has
   * written them, dissertation §10.2.1), so they need not wait while an earlier Ready is still
   * being written: a slow disk then holds up neither heartbeats nor replication.
   */
  takeAppends(): AppendMessage[] {
    if (this.role !== "leader") return [];
    this.flush();
    const appends: AppendMessage[] = [];
    const rest: Message[] = [];
    for (const m of this.msgs) {
      if (m.type === "append") appends.push(m);
      else rest.push(m);
    }
    if (appends.length > 0) this.msgs = rest;
    return appends;
  }

  hasReady(): boolean {
    this.flush();
    return this.msgs.length > 0 || this.readStates.length > 0 || this.log.hasUnhandedEntries() ||
      this.log.hasUnhandedSnapshot() || this.log.hasCommittedToApply() || !sameHardState(this.hardState(), this.prevHard) ||
      this.leader !== this.prevSoft.leader || this.role !== this.prevSoft.role;
  }

  /** The next batch of work; see Ready for the order of duties. Call advance(ready) when done. */
  ready(): Ready {
    this.flush();
    const entries = this.log.takeUnhandedEntries();
    const snapshot = this.log.takeUnhandedSnapshot();
    const committed = this.log.takeCommitted(maxCommittedBytesPerReady);
    const gap = this.log.applyGap();
    if (gap) this.logger?.warn("committed entries were compacted before they were applied", gap);
    const rd: Ready = { entries, committed, messages: this.msgs, readStates: this.readStates, mustSync: false };
    let mustSync = entries.length > 0 || snapshot !== undefined;
    const hard = this.hardState();
    if (!sameHardState(hard, this.prevHard)) {
      rd.hardState = hard;
      if (hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote) mustSync = true;
      this.prevHard = hard;
    }
    if (snapshot) rd.snapshot = snapshot;
    if (this.leader !== this.prevSoft.leader || this.role !== this.prevSoft.role) {
      this.prevSoft = { leader: this.leader, role: this.role };
      rd.softState = { ...this.prevSoft };
    }
    rd.mustSync = mustSync;
    this.msgs = [];
    this.readStates = [];
    return rd;
  }

  /** The Ready has been persisted, sent and applied. */
  advance(rd: Ready): void {
    if (rd.snapshot) {
      this.log.stableSnapTo(rd.snapshot.meta.index);
      this.log.appliedTo(rd.snapshot.meta.index);
    }
    if (rd.entries.length > 0) {
      this.log.stableTo(rd.entries);
      // The leader counts its own copy once it is on disk.
      if (this.role === "leader") this.maybeCommit();
    }
    const lastCommitted = rd.committed[rd.committed.length - 1];
    if (lastCommitted) this.log.appliedTo(lastCommitted.index);
  }

  /**
   * The application took `snapshot` at an index it has applied. The core keeps it to send to
   * followers whose next entry has been compacted away; compacting the storage is the caller's.
   */
  compact(snapshot: Snapshot): void {
    const { index, term } = snapshot.meta;
    if (this.localSnapshot && index <= this.localSnapshot.meta.index) return;
    if (index > this.log.applied) {
      this.logger?.warn("ignoring a snapshot past the applied index", { index, applied: this.log.applied });
      return;
    }
    const logTerm = this.log.term(index);
    if (logTerm !== undefined && logTerm !== term) {
      this.logger?.warn("ignoring a snapshot whose term does not match the log", { index, term, logTerm });
      return;
    }
    this.localSnapshot = snapshot;
    this.snapshotWanted = false;
    this.members.compactTo(index);
  }

  /**
   * Whether a follower waits for a snapshot newer than any there is: the application let go of
   * entries it needs (MemoryStorage.compact without a snapshot) and should take one.
   */
  needsSnapshot(): boolean {
    return this.snapshotWanted;
  }

  status(): RaftStatus {
    const progress: Record<NodeId, PeerProgress> = {};
    for (const [id, pr] of this.progress) {
      progress[id] = { match: pr.match, next: pr.next, recentActive: pr.recentActive, snapshotting: pr.state === "snapshot" };
    }
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      leader: this.leader,
      vote: this.vote,
      commit: this.log.committed,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      membership: cloneMembership(this.members.current()),
      progress,
      transferTarget: this.transferTarget,
    };
  }

  // ---------------------------------------------------------------- roles

  private promotable(): boolean {
    return this.voters.has(this.id);
  }

  private resetTimers(): void {
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    const et = this.opts.electionTicks;
    // Randomized in [et, 2·et) so that split votes are rare (§5.2).
    const jitter = Math.floor(this.rng.next() * et);
    this.randomizedElectionTimeout = et + Math.min(et - 1, Math.max(0, Number.isFinite(jitter) ? jitter : 0));
  }

  private clearLeaderState(): void {
    this.progress.clear();
    this.transferTarget = "";
    this.transferElapsed = 0;
    this.committedInTerm = false;
    this.broadcastPending = false;
    this.peersPending.clear();
    this.commitChanged = false;
    this.reads.clear();
  }

  private becomeFollower(term: number, leader: NodeId): void {
    if (term > this.term) {
      this.term = term;
      this.vote = "";
    }
    const was = this.role;
    this.role = "follower";
    this.leader = leader;
    this.resetTimers();
    this.votes.clear();
    this.clearLeaderState();
    if (was !== "follower") this.logger?.info("became follower", { term: this.term, leader, was });
  }

  private startElection(transfer: boolean): void {
    if (!this.promotable()) return;
    if (this.opts.preVote && !transfer) this.becomePreCandidate();
    else this.becomeCandidate(transfer);
  }

  /** Pre-vote (dissertation §9.6): ask whether a majority would vote before bumping the term. */
  private becomePreCandidate(): void {
    this.role = "pre-candidate";
    this.leader = "";
    this.resetTimers();
    this.clearLeaderState();
    this.votes.clear();
    this.votes.set(this.id, true);
    this.logger?.info("starting a pre-vote", { term: this.term + 1 });
    this.requestVotes(this.term + 1, true, false);
    this.checkElection();
  }

  private becomeCandidate(transfer: boolean): void {
    this.term += 1;
    this.vote = this.id;
    this.role = "candidate";
    this.leader = "";
    this.resetTimers();
    this.clearLeaderState();
    this.votes.clear();
    this.votes.set(this.id, true);
    this.logger?.info("starting an election", { term: this.term, transfer });
    this.requestVotes(this.term, false, transfer);
    this.checkElection();
  }

  private requestVotes(term: number, preVote: boolean, transfer: boolean): void {
    const lastLogIndex = this.log.lastIndex();
    const lastLogTerm = this.log.lastTerm();
    for (const id of this.voters) {
      if (id === this.id) continue;
      this.send({ type: "vote", to: id, term, lastLogIndex, lastLogTerm, preVote, transfer });
    }
  }

  private checkElection(): void {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    const needed = quorum(this.voters.size);
    if (granted >= needed) {
      if (this.role === "pre-candidate") this.becomeCandidate(false);
      else if (this.role === "candidate") this.becomeLeader();
    } else if (this.voters.size - rejected < needed) {
      this.logger?.info("lost the election", { term: this.term, role: this.role });
      this.becomeFollower(this.term, "");
    }
  }

  private becomeLeader(): void {
    this.role = "leader";
    this.leader = this.id;
    this.resetTimers();
    this.clearLeaderState();
    this.seq = 0;
    const next = this.log.lastIndex() + 1;
    for (const id of this.voters) {
      if (id !== this.id) this.progress.set(id, new Progress(next, this.opts.maxInflightAppends));
    }
    this.logger?.info("became leader", { term: this.term, id: this.id });
    // A new leader commits an entry of its own term at once, which also commits everything
    // before it (§5.4.2, §8: read-only requests need it too).
    this.appendLeaderEntry("noop", noData);
    this.maybeCommit();
  }

  // ---------------------------------------------------------------- ticks

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTimeout && this.promotable()) {
      this.startElection(false);
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.opts.electionTicks) {
      this.electionElapsed = 0;
      // Check-quorum (dissertation §6.2): a leader cut off from a majority steps down.
      if (this.opts.checkQuorum && !this.quorumActive()) {
        this.logger?.warn("stepping down: no word from a quorum within an election timeout", { term: this.term });
        this.becomeFollower(this.term, "");
        return;
      }
      for (const pr of this.progress.values()) pr.recentActive = false;
    }
    if (this.transferTarget !== "" && ++this.transferElapsed >= this.opts.electionTicks) {
      this.abortTransfer("the target did not take over within an election timeout");
    }
    for (const [id, pr] of this.progress) {
      if (pr.state === "snapshot" && ++pr.snapshotTicks >= snapshotTimeoutElections * this.opts.electionTicks) {
        this.snapshotFailed(id, pr, "no answer in time");
      }
    }
    if (this.heartbeatElapsed >= this.opts.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      for (const [id, pr] of this.progress) {
        // A follower in sync that acknowledged nothing for a whole heartbeat interval may have
        // lost appends in flight: this heartbeat's prev is the optimistic next-1, so a loss shows
        // up as a rejection and the entries are sent again.
        const stalled = pr.state === "replicate" && pr.next > pr.match + 1 && pr.match === pr.matchAtHeartbeat;
        pr.matchAtHeartbeat = pr.match;
        if (stalled && this.log.term(pr.next - 1) === undefined) {
          // What was in flight has been compacted since: start over (with a snapshot).
          pr.becomeProbe(pr.match + 1);
          this.peersPending.add(id);
        }
        this.sendHeartbeat(id, stalled && pr.state === "replicate" ? pr.next - 1 : undefined);
      }
    }
  }

  private quorumActive(): boolean {
    let active = this.voters.has(this.id) ? 1 : 0;
    for (const [id, pr] of this.progress) if (pr.recentActive && this.voters.has(id)) active++;
    return active >= quorum(this.voters.size);
  }

  private abortTransfer(why: string): void {
    this.logger?.info("leadership transfer aborted", { to: this.transferTarget, why });
    this.transferTarget = "";
    this.transferElapsed = 0;
  }

  // ---------------------------------------------------------------- terms

  /** Whether this server still follows a live leader (leader stickiness, dissertation §4.2.3). */
  private inLease(): boolean {
    return (this.opts.checkQuorum || this.opts.preVote) && this.leader !== "" && this.electionElapsed < this.opts.electionTicks;
  }

  /** A message from a higher term; false when it is to be ignored. */
  private acceptHigherTerm(msg: Message): boolean {
    if (msg.type === "vote") {
      if (!msg.transfer && this.inLease()) {
        // A server that heard from its leader recently does not help depose it.
        this.logger?.debug("ignoring a vote request while the leader is alive", { from: msg.from, term: msg.term, preVote: msg.preVote });
        return false;
      }
      if (msg.preVote) return true; // a pre-vote changes nothing here
    }
    if (msg.type === "voteResponse" && msg.preVote && msg.granted) return true; // carries the term we would run in
    const leader = msg.type === "append" || msg.type === "snapshot" || msg.type === "timeoutNow" ? msg.from : "";
    this.logger?.info("saw a higher term", { term: msg.term, from: msg.from, type: msg.type });
    this.becomeFollower(msg.term, leader);
    return true;
  }

  /** A message from an older term: tell a stale leader or pre-candidate about this term. */
  private answerStaleTerm(msg: Message): void {
    if (msg.type === "append") {
      this.send({
        type: "appendResponse", to: msg.from, success: false, matchIndex: msg.prevLogIndex, conflictIndex: 0, conflictTerm: 0,
        lastLogIndex: this.log.lastIndex(), seq: msg.seq,
      });
    } else if (msg.type === "snapshot") {
      this.send({ type: "snapshotResponse", to: msg.from, success: false, matchIndex: 0 });
    } else if (msg.type === "vote" && msg.preVote) {
      this.send({ type: "voteResponse", to: msg.from, granted: false, preVote: true });
    } else {
      this.logger?.debug("ignoring a message from an older term", { from: msg.from, type: msg.type, term: msg.term });
    }
  }

  // ---------------------------------------------------------------- votes

  private handleVote(m: VoteMessage): void {
    // §5.2, §5.4.1: one vote per term, and only for a log at least as up to date as ours.
    const canVote = this.vote === m.from || (this.vote === "" && this.leader === "") || (m.preVote && m.term > this.term);
    const grant = canVote && this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm);
    if (grant && !m.preVote) {
      this.vote = m.from;
      this.electionElapsed = 0;
    }
    this.logger?.debug(grant ? "granting a vote" : "refusing a vote", { to: m.from, term: m.term, preVote: m.preVote });
    this.send({ type: "voteResponse", to: m.from, term: grant && m.preVote ? m.term : this.term, granted: grant, preVote: m.preVote });
  }

  private handleVoteResponse(m: VoteResponseMessage): void {
    const counting = (this.role === "pre-candidate" && m.preVote) || (this.role === "candidate" && !m.preVote);
    if (!counting) {
      this.logger?.debug("ignoring a vote response", { from: m.from, role: this.role, preVote: m.preVote });
      return;
    }
    if (!this.voters.has(m.from)) {
      this.logger?.warn("ignoring a vote from a server that is not a voter", { from: m.from });
      return;
    }
    if (!this.votes.has(m.from)) this.votes.set(m.from, m.granted);
    this.checkElection();
  }

  private handleTimeoutNow(m: TimeoutNowMessage): void {
    if (this.role !== "follower" || m.from !== this.leader) {
      this.logger?.warn("ignoring a TimeoutNow not from the current leader", { from: m.from, leader: this.leader, role: this.role });
      return;
    }
    if (!this.promotable()) {
      this.logger?.warn("ignoring a TimeoutNow: this server is not a voter", { from: m.from });
      return;
    }
    this.logger?.info("leadership handed over; campaigning now", { from: m.from, term: this.term });
    this.startElection(true);
  }

  // ---------------------------------------------------------------- follower side of replication

  /** Leader traffic at our term: followers take it; candidates learn they lost; a leader warns. */
  private followLeaderOf(m: AppendMessage | SnapshotMessage): boolean {
    if (this.role === "leader") {
      this.logger?.warn("ignoring leader traffic from another server in this server's own term", { from: m.from, term: m.term });
      return false;
    }
    if (this.role !== "follower") {
      this.becomeFollower(this.term, m.from);
    } else if (this.leader !== "" && this.leader !== m.from) {
      this.logger?.warn("ignoring leader traffic from a second leader in one term", { from: m.from, leader: this.leader, term: m.term });
      return false;
    }
    this.leader = m.from;
    this.electionElapsed = 0;
    return true;
  }

  private stepAppend(m: AppendMessage): void {
    if (!this.followLeaderOf(m)) return;
    const log = this.log;
    if (m.prevLogIndex < log.committed) {
      // Everything up to our commit index is in the leader's log too (§5.4.3).
      this.respondAppend(m, true, log.committed);
      return;
    }
    const prevTerm = log.term(m.prevLogIndex);
    if (prevTerm !== m.prevLogTerm) {
      // §5.3 consistency check failed. Hint where our log diverges so the leader can skip a
      // whole term per round trip instead of one entry.
      let conflictIndex: number;
      let conflictTerm: number;
      if (prevTerm === undefined) {
        conflictIndex = log.lastIndex() + 1;
        conflictTerm = 0;
      } else {
        conflictTerm = prevTerm;
        const lo = Math.min(m.prevLogIndex, Math.max(log.committed + 1, log.firstIndex()));
        conflictIndex = log.firstIndexOfTerm(prevTerm, lo, m.prevLogIndex);
      }
      this.send({
        type: "appendResponse", to: m.from, success: false, matchIndex: m.prevLogIndex, conflictIndex, conflictTerm,
        lastLogIndex: log.lastIndex(), seq: m.seq,
      });
      return;
    }
    const lastNew = m.prevLogIndex + m.entries.length;
    const first = m.entries[0];
    if (first) {
      const conflict = log.findConflict(m.entries);
      if (conflict !== 0) {
        if (conflict <= log.committed) {
          this.logger?.warn("ignoring an append that contradicts committed entries", { from: m.from, conflict, commit: log.committed });
          return;
        }
        const fresh = m.entries.slice(conflict - first.index);
        let membershipChanged = this.members.truncateFrom(conflict);
        log.truncateAndAppend(fresh);
        for (const entry of fresh) {
          if (entry.type !== "config") continue;
          const membership = tryDecodeMembership(entry.data);
          if (membership) {
            this.members.append(entry.index, membership);
            membershipChanged = true;
          }
        }
        if (membershipChanged) this.onMembershipChanged();
      }
    }
    // Figure 2: commit up to the leader's commit, but no further than what this append vouched for.
    log.commitTo(Math.min(m.commit, lastNew));
    this.respondAppend(m, true, lastNew);
  }

  private respondAppend(m: AppendMessage, success: boolean, matchIndex: number): void {
    this.send({
      type: "appendResponse", to: m.from, success, matchIndex, conflictIndex: 0, conflictTerm: 0,
      lastLogIndex: this.log.lastIndex(), seq: m.seq,
    });
  }

  private stepSnapshot(m: SnapshotMessage): void {
    if (!this.followLeaderOf(m)) return;
    const { index, term, membership } = m.snapshot.meta;
    if (index <= this.log.committed) {
      this.logger?.debug("ignoring a stale snapshot", { index, commit: this.log.committed });
      this.send({ type: "snapshotResponse", to: m.from, success: true, matchIndex: this.log.committed });
      return;
    }
    if (this.log.term(index) === term) {
      // Our log already holds the snapshot's last entry, hence all before it: just commit.
      this.log.commitTo(index);
      this.send({ type: "snapshotResponse", to: m.from, success: true, matchIndex: index });
      return;
    }
    this.logger?.info("installing a snapshot from the leader", { index, term, from: m.from });
    this.log.restore(m.snapshot);
    this.members.reset(index, membership);
    this.onMembershipChanged();
    this.send({ type: "snapshotResponse", to: m.from, success: true, matchIndex: index });
  }

  // ---------------------------------------------------------------- leader side of replication

  private refuseProposal(): ProposeResult | undefined {
    if (this.role !== "leader") return { ok: false, reason: "not-leader", leader: this.leader };
    if (this.transferTarget !== "") return { ok: false, reason: "transferring", leader: this.leader };
    return undefined;
  }

  private appendLeaderEntry(type: EntryType, data: Uint8Array): Entry {
    const entry: Entry = { index: this.log.lastIndex() + 1, term: this.term, type, data };
    this.log.appendNew(entry);
    if (type === "config") {
      const membership = tryDecodeMembership(data);
      if (membership) {
        this.members.append(entry.index, membership);
        this.onMembershipChanged();
      }
    }
    this.broadcastPending = true;
    return entry;
  }

  private stepAppendResponse(m: AppendResponseMessage): void {
    const pr = this.leaderProgress(m);
    if (!pr) return;
    this.noteAck(pr, m.seq);
    const last = this.log.lastIndex();
    if (m.success) {
      if (m.matchIndex > last) {
        this.logger?.warn("ignoring an acknowledgement past the end of the log", { from: m.from, matchIndex: m.matchIndex, lastIndex: last });
        return;
      }
      const progressed = pr.maybeUpdate(m.matchIndex);
      if (pr.state === "probe" || (pr.state === "snapshot" && pr.match >= pr.pendingSnapshot)) pr.becomeReplicate();
      if (progressed) this.onMatchAdvanced(m.from, pr);
      this.peersPending.add(m.from);
      return;
    }
    const rejected = m.matchIndex;
    if (rejected > last) {
      this.logger?.warn("ignoring a rejection of an index past the end of the log", { from: m.from, rejected, lastIndex: last });
      return;
    }
    if (rejected <= pr.match) return; // stale: that index was acknowledged since
    if (pr.state === "snapshot" || (pr.state === "probe" && rejected !== pr.next - 1)) return; // answer to an older probe
    pr.becomeProbe(this.nextAfterRejection(pr, m));
    this.peersPending.add(m.from);
  }

  /** Where to probe next after a rejection, from the follower's hint (§5.3). */
  private nextAfterRejection(pr: Progress, m: AppendResponseMessage): number {
    const rejected = m.matchIndex;
    let next = m.conflictIndex;
    if (m.conflictTerm > 0) {
      // If we hold entries of the conflicting term, the follower probably matches up to our last one.
      const j = this.log.lastIndexWithTermAtMost(m.conflictTerm, rejected);
      if (j >= 0 && this.log.term(j) === m.conflictTerm) next = j + 1;
    }
    next = Math.min(next, m.lastLogIndex + 1, rejected);
    return Math.max(next, pr.match + 1);
  }

  private stepSnapshotResponse(m: SnapshotResponseMessage): void {
    const pr = this.leaderProgress(m);
    if (!pr) return;
    if (!m.success) {
      if (pr.state === "snapshot") this.snapshotFailed(m.from, pr, "the follower refused it");
      return;
    }
    if (m.matchIndex > this.log.lastIndex()) {
      this.logger?.warn("ignoring a snapshot acknowledgement past the end of the log", { from: m.from, matchIndex: m.matchIndex });
      return;
    }
    const progressed = pr.maybeUpdate(m.matchIndex);
    if (pr.state === "snapshot" && pr.match >= pr.pendingSnapshot) pr.becomeReplicate();
    if (progressed) this.onMatchAdvanced(m.from, pr);
    this.peersPending.add(m.from);
  }

  /** The progress of the sender of a response, or undefined (logged) when it is not expected. */
  private leaderProgress(m: AppendResponseMessage | SnapshotResponseMessage): Progress | undefined {
    if (this.role !== "leader") {
      this.logger?.warn("ignoring a replication response: not the leader", { from: m.from, type: m.type, role: this.role });
      return undefined;
    }
    const pr = this.progress.get(m.from);
    if (!pr) {
      this.logger?.warn("ignoring a replication response from a server that is not a voter", { from: m.from, type: m.type });
      return undefined;
    }
    pr.recentActive = true;
    return pr;
  }

  private onMatchAdvanced(id: NodeId, pr: Progress): void {
    this.maybeCommit();
    if (id === this.transferTarget && pr.match === this.log.lastIndex()) this.sendTimeoutNow(id);
  }

  private snapshotFailed(id: NodeId, pr: Progress, why: string): void {
    this.logger?.info("snapshot not installed; probing again", { peer: id, index: pr.pendingSnapshot, why });
    pr.becomeProbe(pr.match + 1);
    // Wait for the next heartbeat's answer before trying again.
    pr.probeSent = true;
  }

  /** Commits the highest index a quorum holds, if it is of the current term (§5.4.2). */
  private maybeCommit(): void {
    if (this.role !== "leader" || this.voters.size === 0) return;
    const matches: number[] = [];
    for (const id of this.voters) {
      matches.push(id === this.id ? this.log.persistedIndex() : this.progress.get(id)?.match ?? 0);
    }
    matches.sort((a, b) => b - a);
    const candidate = matches[quorum(matches.length) - 1] ?? 0;
    // Figure 8: an entry of an earlier term is never committed by counting replicas; it is
    // committed indirectly, by an entry of the current term after it.
    if (candidate <= this.log.committed || this.log.term(candidate) !== this.term) return;
    this.log.commitTo(candidate);
    this.commitChanged = true;
    if (!this.committedInTerm) {
      this.committedInTerm = true;
      this.reads.termCommitted(this.log.committed);
    }
    if (!this.voters.has(this.id) && this.log.committed >= this.members.currentIndex()) {
      // Dissertation §4.2.2: a leader that removed itself steps down once that is committed.
      this.logger?.info("stepping down: this server's removal is committed", { term: this.term, index: this.members.currentIndex() });
      this.becomeFollower(this.term, "");
    }
  }

  private noteAck(pr: Progress, seq: number): void {
    if (seq <= pr.ackedSeq) return;
    pr.ackedSeq = seq;
    this.releaseReads();
  }

  private releaseReads(): void {
    if (this.role !== "leader") return;
    this.reads.release((seq) => this.roundAcknowledged(seq), this.readStates);
  }

  /** A quorum answered heartbeat round `seq` or a later one: the leadership held when it started. */
  private roundAcknowledged(seq: number): boolean {
    let acks = this.voters.has(this.id) ? 1 : 0;
    for (const [id, pr] of this.progress) if (pr.ackedSeq >= seq && this.voters.has(id)) acks++;
    return acks >= quorum(this.voters.size);
  }

  /** Sends what proposals, acknowledgements and read requests since the last Ready call for. */
  private flush(): void {
    if (this.role !== "leader") return;
    if (this.reads.needsRound()) {
      this.seq++;
      this.reads.assign(this.seq);
      for (const id of this.progress.keys()) this.sendHeartbeat(id);
      this.releaseReads();
    }
    if (this.broadcastPending) {
      for (const id of this.progress.keys()) this.sendAppends(id);
    } else {
      for (const id of this.peersPending) this.sendAppends(id);
    }
    this.broadcastPending = false;
    this.peersPending.clear();
    if (this.commitChanged) {
      this.commitChanged = false;
      // Followers with nothing new to receive still learn the commit index promptly.
      const commit = this.log.committed;
      for (const [id, pr] of this.progress) if (Math.min(commit, pr.match) > pr.sentCommit) this.sendHeartbeat(id);
    }
  }

  /** Sends appends to one follower: one probe, or a pipeline of batches up to the window. */
  private sendAppends(id: NodeId): void {
    const pr = this.progress.get(id);
    if (!pr) return;
    const last = this.log.lastIndex();
    if (pr.next > last + 1) pr.next = last + 1;
    while (!pr.isPaused()) {
      const prevIndex = pr.next - 1;
      const prevTerm = this.log.term(prevIndex);
      if (prevTerm === undefined || pr.next < this.log.firstIndex()) {
        this.sendSnapshot(id, pr);
        return;
      }
      if (pr.next > last) {
        // Nothing new; a probe still goes out to find where the follower's log stands.
        if (pr.state === "probe") {
          this.sendAppend(id, pr, prevIndex, prevTerm, []);
          pr.probeSent = true;
        }
        return;
      }
      const entries = this.log.entries(pr.next, last + 1, this.opts.maxAppendBytes);
      const lastSent = entries[entries.length - 1];
      if (!lastSent) return;
      this.sendAppend(id, pr, prevIndex, prevTerm, entries);
      if (pr.state !== "replicate") {
        pr.probeSent = true;
        return;
      }
      // Pipelining: assume it arrives, keep sending until the window is full.
      pr.next = lastSent.index + 1;
      pr.inflights.add(lastSent.index);
    }
  }

  private sendAppend(id: NodeId, pr: Progress, prevLogIndex: number, prevLogTerm: number, entries: Entry[]): void {
    const commit = this.log.committed;
    this.send({ type: "append", to: id, prevLogIndex, prevLogTerm, entries, commit, seq: this.seq });
    const vouched = Math.min(commit, prevLogIndex + entries.length);
    if (vouched > pr.sentCommit) pr.sentCommit = vouched;
  }

  /**
   * An empty append: keeps followers from starting elections, carries the commit index and the
   * ReadIndex round. Its prev is the follower's known match, which it always holds, so a
   * reordered network causes no spurious rejections.
   */
  private sendHeartbeat(id: NodeId, prevIndex?: number): void {
    const pr = this.progress.get(id);
    if (!pr) return;
    let prev = prevIndex ?? pr.match;
    let prevTerm = this.log.term(prev);
    if (prevTerm === undefined) {
      prev = 0;
      prevTerm = 0;
    }
    this.sendAppend(id, pr, prev, prevTerm, []);
  }

  private latestSnapshot(): Snapshot | undefined {
    let best = this.localSnapshot;
    for (const s of [this.storage.snapshot(), this.log.unstableSnapshot()]) {
      if (s && (!best || s.meta.index > best.meta.index)) best = s;
    }
    return best;
  }

  private sendSnapshot(id: NodeId, pr: Progress): void {
    const snapshot = this.latestSnapshot();
    if (!snapshot || snapshot.meta.index < this.log.firstIndex() - 1) {
      if (!this.snapshotWanted) {
        this.logger?.info("a follower needs entries no longer held and no snapshot covers them: waiting for one", { peer: id, firstIndex: this.log.firstIndex() });
        this.snapshotWanted = true;
      }
      pr.probeSent = true;
      return;
    }
    this.logger?.info("sending a snapshot", { peer: id, index: snapshot.meta.index, term: snapshot.meta.term });
    pr.becomeSnapshot(snapshot.meta.index);
    this.send({ type: "snapshot", to: id, snapshot });
  }

  private sendTimeoutNow(to: NodeId): void {
    this.logger?.info("target is up to date; telling it to campaign", { to, term: this.term });
    this.send({ type: "timeoutNow", to });
  }

  // ---------------------------------------------------------------- membership

  private refreshVoters(): void {
    this.voters = new Set(this.members.current().voters.map((m) => m.id));
  }

  private onMembershipChanged(): void {
    this.refreshVoters();
    if (this.role !== "leader") return;
    const next = this.log.lastIndex() + 1;
    for (const id of this.voters) {
      if (id === this.id || this.progress.has(id)) continue;
      const pr = new Progress(next, this.opts.maxInflightAppends);
      // A server just added has had no chance to answer yet: check-quorum must not count it as
      // lost before a whole election timeout has passed.
      pr.recentActive = true;
      this.progress.set(id, pr);
      this.peersPending.add(id);
    }
    for (const id of [...this.progress.keys()]) {
      if (this.voters.has(id)) continue;
      this.progress.delete(id);
      this.peersPending.delete(id);
      if (id === this.transferTarget) this.abortTransfer("the target was removed");
    }
    this.maybeCommit();
    this.releaseReads();
  }

  private scanConfigEntries(first: number, last: number): void {
    let index = first;
    while (index <= last) {
      const chunk = this.storage.entries(index, last + 1, scanChunkBytes);
      if (chunk.length === 0) break;
      for (const entry of chunk) {
        if (entry.type !== "config") continue;
        const membership = tryDecodeMembership(entry.data);
        if (membership) this.members.append(entry.index, membership);
        else this.logger?.warn("stored config entry does not hold a membership; skipping it", { index: entry.index });
      }
      index += chunk.length;
    }
  }

  // ---------------------------------------------------------------- output

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  private send(msg: Outgoing): void {
    this.msgs.push({ ...msg, from: this.id, term: msg.term ?? this.term } as Message);
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
