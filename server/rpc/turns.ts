// Work that many callers want done at the same moment, done a slice of time per turn of the
// event loop. Thousands of watch streams can wake together (a client that paused drains every
// stream of its connection at once): building and encoding all their frames in one go held the
// event loop for seconds, and the heartbeats and Raft messages waiting behind it cost elections.

export class Turns {
  private readonly queue: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly sliceMs: number) {}

  /** Runs `fn` in its turn, in order of asking: within one turn of the event loop unless many ask at once. */
  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push(() => {
        try {
          resolve(fn());
        } catch (err) {
          reject(err);
        }
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.work());
  }

  private work(): void {
    this.scheduled = false;
    const deadline = performance.now() + this.sliceMs;
    let done = 0;
    while (done < this.queue.length && (done === 0 || performance.now() < deadline)) (this.queue[done++] as () => void)();
    this.queue.splice(0, done);
    // The rest after I/O has had its turn: setImmediate callbacks queued now run in the next loop.
    if (this.queue.length > 0) this.schedule();
  }
}
