// The live logs view's state, kept apart from drawing it: a bounded buffer of a task's output
// lines that follows the end while new output arrives, and stops following (holding its place)
// when the user scrolls up, until `G` resumes. Pure, so it is tested without a terminal.

/** How many lines the buffer keeps; older ones are dropped. */
export const LOG_LINES_LIMIT = 5_000;

/** Where a task's output comes from; `open` returns the function that cancels the stream. */
export interface LogSource {
  open(allocId: string, task: string, handlers: LogHandlers): () => void;
}

export interface LogHandlers {
  data(chunk: Uint8Array): void;
  /** The stream ended: `error` says why when it failed, undefined when it simply finished. */
  end(error?: string): void;
}

/** Control characters (escape sequences included) would move the terminal's cursor: drop them. */
function clean(line: string): string {
  return line.replace(/\r$/, "").replace(/\t/g, "    ").replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "").replace(/[\x00-\x1f\x7f]/g, "");
}

export class LogBuffer {
  readonly lines: string[] = [];
  /** True while the view shows the end and moves with new output. */
  following = true;
  /** While paused: the index of the first line on screen. */
  private top = 0;
  /** Lines that arrived while paused (shown as a hint). */
  unseen = 0;
  /** Set when the stream ended; the message for the user. */
  ended: string | undefined;
  private partial = "";
  private readonly decoder = new TextDecoder("utf-8");

  constructor(private readonly limit = LOG_LINES_LIMIT) {}

  /** Appends a chunk of output; a line is complete at its newline (the rest waits for more). */
  append(chunk: Uint8Array | string): void {
    const text = this.partial + (typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true }));
    const parts = text.split("\n");
    this.partial = parts.pop() ?? "";
    if (parts.length === 0) return;
    this.lines.push(...parts.map(clean));
    if (!this.following) this.unseen += parts.length;
    const over = this.lines.length - this.limit;
    if (over > 0) {
      this.lines.splice(0, over);
      this.top = Math.max(0, this.top - over);
    }
  }

  /** The stream is over: keep any last line without a newline and remember why it ended. */
  end(message: string): void {
    if (this.partial !== "") {
      this.lines.push(clean(this.partial));
      this.partial = "";
    }
    this.ended = message;
  }

  /** All lines, plus the unfinished last one (shown while it is being written). */
  private all(): string[] {
    return this.partial === "" ? this.lines : [...this.lines, clean(this.partial)];
  }

  /** The lines on a screen of `height` rows: the end while following, else from where it stopped. */
  visible(height: number): string[] {
    const all = this.all();
    const start = this.following ? Math.max(0, all.length - height) : Math.min(this.top, Math.max(0, all.length - height));
    return all.slice(start, start + height);
  }

  /** Scrolls up `n` lines: following stops and the view holds its place as output arrives. */
  scrollUp(n: number, height: number): void {
    const start = this.following ? Math.max(0, this.all().length - height) : this.top;
    this.top = Math.max(0, start - n);
    if (this.following) this.unseen = 0;
    this.following = false;
  }

  /** Scrolls down `n` lines, stopping at the end (following stays off until `G`). */
  scrollDown(n: number, height: number): void {
    if (this.following) return;
    this.top = Math.min(Math.max(0, this.all().length - height), this.top + n);
  }

  /** `g`: the first line, paused. */
  scrollToStart(): void {
    if (this.following) this.unseen = 0;
    this.following = false;
    this.top = 0;
  }

  /** `G`: back to the end, following again. */
  follow(): void {
    this.following = true;
    this.unseen = 0;
  }
}
