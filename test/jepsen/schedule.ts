// The nemesis schedule: healthy for a while, one fault for a while, healed, and round again,
// cycling through the nemeses until the run ends. A fault under way when the run ends is healed
// at once.

import type { Nemesis } from "./nemesis.js";
import type { Random } from "./random.js";

export interface FaultRecord {
  nemesis: string;
  target: string;
  /** performance.now() times, on the history's clock. */
  startedAt: number;
  healedAt: number;
}

export interface ScheduleOptions {
  nemeses: readonly Nemesis[];
  rng: Random;
  now: () => number;
  /** [min, max) of each fault's length and of each healthy stretch before it. */
  faultMs: [number, number];
  healthyMs: [number, number];
  /** Called for each fault that could not be injected (e.g. no leader to aim at). */
  onSkip?: (nemesis: string, err: unknown) => void;
}

/** A pause that ends early when the schedule is stopped. */
class Stoppable {
  private wake: (() => void) | undefined;
  stopped = false;

  pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
}

export class NemesisSchedule {
  readonly faults: FaultRecord[] = [];
  private readonly clock = new Stoppable();
  private running: Promise<void> | undefined;

  constructor(private readonly opts: ScheduleOptions) {}

  start(): void {
    this.running = this.run();
  }

  private async run(): Promise<void> {
    const { nemeses, rng, now } = this.opts;
    for (let round = 0; !this.clock.stopped; round++) {
      await this.clock.pause(rng.between(...this.opts.healthyMs));
      if (this.clock.stopped) break;
      const nemesis = nemeses[round % nemeses.length];
      if (!nemesis) break;
      const startedAt = now();
      try {
        await nemesis.start();
      } catch (err) {
        this.opts.onSkip?.(nemesis.name, err);
        continue;
      }
      const target = nemesis.target ?? "";
      await this.clock.pause(rng.between(...this.opts.faultMs));
      await nemesis.stop();
      this.faults.push({ nemesis: nemesis.name, target, startedAt, healedAt: now() });
    }
  }

  /** Ends the schedule, healing a fault under way; resolves once everything is healed. */
  async stop(): Promise<void> {
    this.clock.stop();
    await this.running;
  }
}
