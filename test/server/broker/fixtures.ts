// Fake timers the tests advance by hand, and evaluations with defaults.

import type { Evaluation } from "../../../shared/model/index.js";
import { evaluation as baseEvaluation } from "../../support/model.js";
import type { BrokerTimers } from "../../../server/broker/index.js";

export class FakeTimers implements BrokerTimers {
  private nowMs = 1_000_000;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.nowMs;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const id = ++this.seq;
    this.pending.set(id, { at: this.nowMs + Math.max(0, ms), fn });
    return () => this.pending.delete(id);
  }

  get timerCount(): number {
    return this.pending.size;
  }

  /** Moves time forward, firing due timers in order of their deadlines. */
  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      let nextId = -1;
      let next: { at: number; fn: () => void } | undefined;
      for (const [id, timer] of this.pending) {
        if (timer.at <= target && (!next || timer.at < next.at)) {
          next = timer;
          nextId = id;
        }
      }
      if (!next) break;
      this.pending.delete(nextId);
      this.nowMs = Math.max(this.nowMs, next.at);
      next.fn();
    }
    this.nowMs = target;
  }
}

let evalSeq = 0;

export function evaluation(overrides: Partial<Evaluation> = {}): Evaluation {
  evalSeq++;
  return baseEvaluation(`eval-${evalSeq}`, `job-${evalSeq}`, {
    jobModifyIndex: 1, createIndex: evalSeq, modifyIndex: evalSeq, createTimeMs: 0, modifyTimeMs: 0, ...overrides,
  });
}
