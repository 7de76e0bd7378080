// A small seeded PRNG (mulberry32): the same seed gives the same run, in tests and simulations.

import type { Rng } from "../../../../server/raft/core/index.js";

export class Prng implements Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(items.length)] as T;
  }

  /** A derived generator, so that one consumer's draws do not shift another's. */
  fork(): Prng {
    return new Prng(Math.floor(this.next() * 4294967296));
  }
}

/** An Rng that always returns the same value: 0 gives the shortest election timeout, 0.99 the longest. */
export function fixedRng(value: number): Rng {
  return { next: () => value };
}
