// Allocation status reports, gathered per allocation (the newest wins) and sent in one request
// every flush interval; a failed send keeps them for the next one.

import type { AllocClientUpdate } from "../shared/model/index.js";

export class UpdateQueue {
  private pending = new Map<string, AllocClientUpdate>();
  private sending: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly send: (updates: AllocClientUpdate[]) => Promise<void>, private readonly flushMs: number) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  push(update: AllocClientUpdate): void {
    this.pending.set(update.allocId, update);
  }

  /** Sends what is pending now (after a send in flight); resolves when done or kept for later. */
  async flush(): Promise<void> {
    if (this.sending) await this.sending;
    if (this.sending || this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.sending = this.send([...batch.values()]).catch(() => {
      // Keep what was not sent, unless a newer report for the same allocation arrived meanwhile.
      for (const [id, update] of batch) if (!this.pending.has(id)) this.pending.set(id, update);
    }).finally(() => {
      this.sending = undefined;
    });
    await this.sending;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
