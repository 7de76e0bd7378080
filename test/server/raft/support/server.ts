// One Raft server as the tests and the simulation run it: a RaftNode over a MemoryStorage that
// plays the disk, and a ToyMachine. processReady() does what a node loop does, in the order the
// Ready contract asks (persist, send, apply, advance). A crash loses whatever was written
// without an fsync: only what a Ready marked mustSync survives.

import {
  MemoryStorage, RaftNode,
  type Entry, type HardState, type Membership, type Message, type NodeId, type RaftLogger, type RaftOptions, type ReadState,
  type Ready, type Rng, type Snapshot,
} from "../../../../server/raft/core/index.js";
import { ToyMachine } from "./machine.js";

export type ServerOptions = Omit<RaftOptions, "id" | "applied">;

export const testOptions: ServerOptions = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  maxAppendBytes: 1024 * 1024,
  maxInflightAppends: 64,
};

export interface ServerObserver {
  persisted?(server: Server, ready: Ready): void;
  applied?(server: Server, entry: Entry): void;
  restored?(server: Server, snapshot: Snapshot): void;
  read?(server: Server, state: ReadState): void;
}

export class Server {
  readonly disk: MemoryStorage;
  raft!: RaftNode;
  machine!: ToyMachine;
  up = true;
  /** The hard state as of the last fsync: what a crash leaves on disk. */
  private durableHard: HardState;
  /** Read states handed out, in order. */
  readonly reads: ReadState[] = [];
  readies = 0;

  constructor(
    readonly id: NodeId,
    readonly opts: ServerOptions,
    bootstrap: Membership,
    private readonly rng: Rng,
    private readonly logger?: RaftLogger,
    private readonly observer: ServerObserver = {},
  ) {
    this.disk = new MemoryStorage({ membership: bootstrap });
    this.durableHard = this.disk.hardState();
    this.boot();
  }

  private boot(): void {
    const snapshot = this.disk.snapshot();
    this.machine = new ToyMachine(this.disk.initialState().membership);
    if (snapshot) this.machine.restore(snapshot.data, snapshot.meta.membership);
    this.raft = new RaftNode(
      { ...this.opts, id: this.id, applied: this.machine.index },
      { storage: this.disk, rng: this.rng, ...(this.logger ? { logger: this.logger } : {}) },
    );
  }

  /** Works off one Ready; returns the messages to send. */
  processReady(): Message[] {
    const rd = this.raft.ready();
    this.readies++;
    if (!rd.mustSync && (rd.entries.length > 0 || rd.snapshot)) {
      throw new Error(`${this.id}: a Ready with entries or a snapshot must be synced`);
    }
    if (rd.snapshot) this.disk.applySnapshot(rd.snapshot);
    this.disk.append(rd.entries);
    if (rd.hardState) this.disk.setHardState(rd.hardState);
    if (rd.mustSync) this.durableHard = this.disk.hardState();
    this.observer.persisted?.(this, rd);
    if (rd.snapshot) {
      this.machine.restore(rd.snapshot.data, rd.snapshot.meta.membership);
      this.observer.restored?.(this, rd.snapshot);
    }
    for (const entry of rd.committed) {
      this.machine.apply(entry);
      this.observer.applied?.(this, entry);
    }
    for (const state of rd.readStates) {
      this.reads.push(state);
      this.observer.read?.(this, state);
    }
    this.raft.advance(rd);
    return rd.messages;
  }

  /** Processes Readies until there is nothing left to do; returns all messages to send. */
  drain(): Message[] {
    const out: Message[] = [];
    for (let i = 0; i < 1000 && this.raft.hasReady(); i++) out.push(...this.processReady());
    return out;
  }

  /** Power loss: unsynced writes are gone and the RaftNode with its memory. */
  crash(): void {
    this.up = false;
    this.disk.setHardState(this.durableHard);
  }

  restart(): void {
    this.up = true;
    this.boot();
  }

  /** Takes a snapshot of the state machine and compacts the log, keeping `trailing` entries. */
  snapshot(trailing = 0): Snapshot | undefined {
    const index = this.machine.index;
    const term = this.disk.term(index);
    if (index === 0 || term === undefined) return undefined;
    const current = this.disk.snapshot()?.meta.index ?? 0;
    if (index <= current) return undefined;
    const snapshot: Snapshot = { meta: { index, term, membership: this.machine.membership }, data: this.machine.snapshotData() };
    this.raft.compact(snapshot);
    this.disk.compact(Math.max(0, index - trailing), snapshot);
    return snapshot;
  }
}
