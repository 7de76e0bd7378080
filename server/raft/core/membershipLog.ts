// Which membership is in force at each point of the log. A config entry takes effect as soon as
// it is in the log, committed or not (dissertation §4.1), so a truncated suffix must take its
// config entries with it and the membership falls back to the one before.

import { cloneMembership } from "./membership.js";
import type { Membership } from "./types.js";

interface Change {
  index: number;
  membership: Membership;
}

export class MembershipLog {
  /** The membership as of `baseIndex` (a snapshot's, or the bootstrap one). */
  private base: Membership;
  private baseIndex: number;
  /** Config entries after baseIndex, in log order. */
  private changes: Change[] = [];

  constructor(baseIndex: number, base: Membership) {
    this.baseIndex = baseIndex;
    this.base = cloneMembership(base);
  }

  current(): Membership {
    return this.changes[this.changes.length - 1]?.membership ?? this.base;
  }

  /** Index of the config entry that set the current membership (baseIndex when none). */
  currentIndex(): number {
    return this.changes[this.changes.length - 1]?.index ?? this.baseIndex;
  }

  /** The membership in force at `index`. */
  at(index: number): Membership {
    for (let i = this.changes.length - 1; i >= 0; i--) {
      const change = this.changes[i];
      if (change && change.index <= index) return change.membership;
    }
    return this.base;
  }

  append(index: number, membership: Membership): void {
    this.changes.push({ index, membership });
  }

  /** Forgets config entries at `index` and after; true when the current membership changed. */
  truncateFrom(index: number): boolean {
    const before = this.changes.length;
    while ((this.changes[this.changes.length - 1]?.index ?? -1) >= index) this.changes.pop();
    return this.changes.length !== before;
  }

  /** Everything up to `index` is now a snapshot with this membership. */
  reset(index: number, membership: Membership): void {
    this.baseIndex = index;
    this.base = cloneMembership(membership);
    this.changes = [];
  }

  /** The log was compacted up to `index`: fold the changes it covered into the base. */
  compactTo(index: number): void {
    if (index <= this.baseIndex) return;
    this.base = this.at(index);
    this.baseIndex = index;
    this.changes = this.changes.filter((c) => c.index > index);
  }
}
