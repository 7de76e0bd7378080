// A fault schedule for linearizability runs: partitions the servers of a NetnsCluster again and
// again — the leader cut off, a random server cut off, or a random minority split from the
// majority — each for a while, with the network whole in between. The schedule comes from the
// run's seeded random source, every change is recorded on the run's clock (so a history can be
// read against it), and stop() always leaves the network healed.

import * as pb from "../../proto/index.js";
import type { NetnsCluster } from "./netns.js";

export type PartitionKind = "isolate-leader" | "isolate-random" | "split-minority";

export const PARTITION_KINDS: readonly PartitionKind[] = ["isolate-leader", "isolate-random", "split-minority"];

/** What the nemesis needs of a seeded random source (test/jepsen's Random fits). */
export interface NemesisRandom {
  /** A whole number in [0, n). */
  int(n: number): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
}

export interface PartitionNemesisOptions {
  random: NemesisRandom;
  /** The run's clock, the same one its history uses. */
  now(): number;
  /** Partitions to choose from (default: all). */
  kinds?: readonly PartitionKind[];
  /** How long a partition lasts, [min, max) ms. */
  partitionMs: readonly [number, number];
  /** How long the network stays whole between partitions, [min, max) ms. */
  healedMs: readonly [number, number];
}

export interface NemesisEvent {
  /** On the run's clock, once the change is in force. */
  at: number;
  action: "partition" | "heal";
  kind?: PartitionKind;
  /** Server indexes that can still talk to each other (one group after a heal). */
  groups: number[][];
}

export class PartitionNemesis {
  readonly events: NemesisEvent[] = [];
  private running: Promise<void> | undefined;
  private failure: unknown;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(private readonly cluster: NetnsCluster, private readonly opts: PartitionNemesisOptions) {}

  /** Starts the schedule: first a whole-network pause, then partition, heal, and again. */
  start(): void {
    this.running ??= this.loop().catch((err: unknown) => {
      this.failure = err;
    });
  }

  /** Ends the schedule and heals the network; throws if a partition could not be made. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    await this.heal();
    if (this.failure !== undefined) throw this.failure;
  }

  /** A one-line account of the schedule, for a run's report. */
  summary(): string {
    return this.events.map((e) => `${e.at.toFixed(0)}ms ${e.action}${e.kind ? ` ${e.kind}` : ""} ${e.groups.map((g) => `[${g.join(",")}]`).join(" ")}`).join("; ");
  }

  private async loop(): Promise<void> {
    const kinds = this.opts.kinds ?? PARTITION_KINDS;
    while (!this.stopping) {
      await this.pause(this.opts.healedMs);
      if (this.stopping) return;
      const kind = kinds[this.opts.random.int(kinds.length)] ?? "isolate-random";
      const groups = await this.groupsFor(kind);
      await this.cluster.partition(groups.map((group) => group.map((i) => this.server(i))));
      this.events.push({ at: this.opts.now(), action: "partition", kind, groups });
      await this.pause(this.opts.partitionMs);
      await this.heal();
    }
  }

  private async heal(): Promise<void> {
    const last = this.events.at(-1);
    if (!last || last.action === "heal") return;
    await this.cluster.heal();
    this.events.push({ at: this.opts.now(), action: "heal", groups: [this.cluster.servers.map((s) => s.index)] });
  }

  /** Waits for a random time in [min, max) ms, or less if stop() is called. */
  private pause([min, max]: readonly [number, number]): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.opts.random.between(min, max));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async groupsFor(kind: PartitionKind): Promise<number[][]> {
    const all = this.cluster.servers.map((s) => s.index);
    const alone = (i: number): number[][] => [[i], all.filter((j) => j !== i)];
    switch (kind) {
      case "isolate-leader": {
        // A leader nobody knows of (mid-election) leaves a random server to cut off instead.
        const leader = await this.currentLeader();
        return alone(leader ?? all[this.opts.random.int(all.length)] ?? 0);
      }
      case "isolate-random":
        return alone(all[this.opts.random.int(all.length)] ?? 0);
      case "split-minority": {
        const shuffled = [...all];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = this.opts.random.int(i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j] as number, shuffled[i] as number];
        }
        const minority = 1 + this.opts.random.int(Math.max(1, Math.floor((all.length - 1) / 2)));
        const byIndex = (a: number, b: number): number => a - b;
        return [shuffled.slice(0, minority).sort(byIndex), shuffled.slice(minority).sort(byIndex)];
      }
    }
  }

  /** The index of the server that leads in the highest term any server reports. */
  private async currentLeader(): Promise<number | undefined> {
    const views = await Promise.all(this.cluster.servers.map(async (s) => ({ index: s.index, view: await this.cluster.self(s) })));
    const leaders = views.filter(({ view }) => view?.raft?.state === pb.RaftState.LEADER);
    leaders.sort((a, b) => (b.view?.raft?.term ?? 0) - (a.view?.raft?.term ?? 0));
    return leaders[0]?.index;
  }

  private server(index: number): NetnsCluster["servers"][number] {
    const server = this.cluster.servers[index];
    if (!server) throw new Error(`no server ${index}`);
    return server;
  }
}
