// Small one-shot and repeatable wake-ups for the task runner's loop, and an interruptible sleep.

/** Fires once; everyone waiting, now or later, sees the value it fired with. */
export class Latch<T = void> {
  #fired = false;
  #value: T | undefined;
  #resolve!: (value: T) => void;
  readonly promise: Promise<T>;

  constructor() {
    this.promise = new Promise<T>((resolve) => { this.#resolve = resolve; });
  }

  get fired(): boolean {
    return this.#fired;
  }

  get value(): T | undefined {
    return this.#value;
  }

  fire(value: T): void {
    if (this.#fired) return;
    this.#fired = true;
    this.#value = value;
    this.#resolve(value);
  }
}

/** Can fire many times; each `next()` waits for the next firing only. */
export class Pulse {
  #latch = new Latch();

  next(): Promise<void> {
    return this.#latch.promise;
  }

  fire(): void {
    const latch = this.#latch;
    this.#latch = new Latch();
    latch.fire();
  }
}

/** Resolves after `ms`; the timer is cleared when `until` resolves first. */
export function sleep(ms: number, until?: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, ms));
    void until?.then(() => { clearTimeout(timer); resolve(); });
  });
}
