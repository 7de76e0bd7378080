// The dashboard's screen: draws the page of the current route (views.ts) with blessed and
// handles the keys, like k9s. One keypress handler dispatches by mode (browsing, typing a `:`
// command or a `/` filter, the help overlay, a confirm), so typed text never moves the list.
// Redraws are capped at about 10 a second; the model may change far more often.

import blessed from "blessed";
import type { Readable, Writable } from "node:stream";
import { shortId } from "../ids.js";
import { LogBuffer, type LogSource } from "./logs.js";
import type { DashboardModel } from "./model.js";
import { HELP_TEXT, LIST_VIEWS, allocTasks, colorize, filterRows, headerText, page, type ListView, type Page, type Route, type Row } from "./views.js";

/** At most one redraw per this many ms (about 10 a second). */
export const MIN_REDRAW_INTERVAL_MS = 100;

/** What the dashboard may change on the servers; each is asked for confirmation first. */
export interface DashboardActions {
  /** Stops a job (Jobs.Deregister); each action resolves to a line for the status bar. */
  stopJob(jobId: string): Promise<string>;
  /** Stops an allocation (Allocations.Stop): the scheduler replaces it. */
  stopAlloc(allocId: string): Promise<string>;
  /** Restarts an allocation's tasks in place (Allocations.Restart). */
  restartAlloc(allocId: string): Promise<string>;
  /** Starts (with a deadline) or cancels a node's drain (Nodes.UpdateDrain). */
  setDrain(nodeId: string, enable: boolean): Promise<string>;
  /** Marks a node eligible or ineligible for scheduling (Nodes.UpdateEligibility). */
  setEligibility(nodeId: string, eligible: boolean): Promise<string>;
  /** Hands leadership to another server (Operator.TransferLeadership). */
  transferLeadership(): Promise<string>;
}

export interface DashboardAppOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  readOnly: boolean;
  actions?: DashboardActions;
  /** Where the logs view reads a task's output from; without it `l` says logs are unavailable. */
  logSource?: LogSource;
  /** Colours (status words, the header); off for -no-color, NO_COLOR or no TTY. Default on. */
  color?: boolean;
  now?: () => number;
  /** Called once the user quits (q or ctrl-c), after the terminal is restored. */
  onQuit?: () => void;
}

type Mode =
  | { kind: "browse" }
  | { kind: "command"; text: string }
  | { kind: "filter"; text: string }
  | { kind: "help" }
  | { kind: "confirm"; question: string; run: () => void };

interface Key {
  name?: string;
  full?: string;
  ctrl?: boolean;
}

export class DashboardApp {
  readonly screen: blessed.Widgets.Screen;
  /** Back-stack of routes; the last one is shown. */
  readonly stack: Route[] = [{ view: "jobs" }];
  private mode: Mode = { kind: "browse" };
  /** The filter of each list view, kept when leaving and coming back. */
  private readonly filters = new Map<string, string>();
  private readonly selection = new Map<string, number>();
  private rows: Row[] = [];
  private message = "";
  private lastRenderMs = 0;
  private renderTimer: NodeJS.Timeout | undefined;
  private readonly ticker: NodeJS.Timeout;
  private destroyed = false;
  private readonly now: () => number;
  private readonly header: blessed.Widgets.BoxElement;
  private readonly head: blessed.Widgets.BoxElement;
  private readonly list: blessed.Widgets.ListElement;
  private readonly footer: blessed.Widgets.BoxElement;
  private readonly help: blessed.Widgets.BoxElement;
  private readonly logBox: blessed.Widgets.BoxElement;
  private readonly color: boolean;
  /** The open log stream: its route key, buffer and cancel function. */
  private logs: { key: string; buffer: LogBuffer; cancel: () => void } | undefined;

  constructor(private readonly model: DashboardModel, private readonly opts: DashboardAppOptions) {
    this.now = opts.now ?? Date.now;
    this.color = opts.color ?? true;
    this.screen = blessed.screen({
      // @types/blessed has the two stream types swapped.
      input: opts.input as unknown as Writable, output: opts.output as unknown as Readable, terminal: "xterm-256color", fullUnicode: true,
      smartCSR: true, autoPadding: false, title: "nomadish ui",
    });
    this.header = blessed.box({ parent: this.screen, top: 0, left: 0, width: "100%", height: 1, tags: false, style: this.color ? { fg: "black", bg: "cyan" } : { inverse: true } });
    this.head = blessed.box({ parent: this.screen, top: 1, left: 0, width: "100%", height: 1, tags: false, style: { bold: true } });
    this.list = blessed.list({ parent: this.screen, top: 2, left: 0, width: "100%", height: 1, tags: true, keys: false, mouse: false, style: { selected: { inverse: true } } });
    this.logBox = blessed.box({ parent: this.screen, top: 2, left: 0, width: "100%", height: 1, tags: false, wrap: false, hidden: true });
    this.footer = blessed.box({ parent: this.screen, bottom: 0, left: 0, width: "100%", height: 1, tags: false, style: { inverse: true } });
    this.help = blessed.box({
      parent: this.screen, top: "center", left: "center", width: 72, height: HELP_TEXT.length + 2, border: { type: "line" },
      content: HELP_TEXT.join("\n"), hidden: true, tags: false, label: " Help ",
    });
    this.screen.on("keypress", (ch: string | undefined, key: Key | undefined) => this.onKey(ch, key ?? {}));
    this.screen.on("resize", () => this.render());
    // The NO LEADER timer and the STALE badge move with time even when no data arrives.
    this.ticker = setInterval(() => this.requestRender(), 250);
  }

  get route(): Route {
    return this.stack[this.stack.length - 1] ?? { view: "jobs" };
  }

  private routeKey(route: Route = this.route): string {
    return JSON.stringify(route);
  }

  get filter(): string {
    return this.filters.get(this.routeKey()) ?? "";
  }

  get selectedIndex(): number {
    return this.selection.get(this.routeKey()) ?? 0;
  }

  /** The page as currently drawn, rows filtered (for tests and actions). */
  currentRows(): readonly Row[] {
    return this.rows;
  }

  /** Asks for a redraw; draws at once unless the last one was under MIN_REDRAW_INTERVAL_MS ago. */
  requestRender(): void {
    if (this.destroyed || this.renderTimer) return;
    const wait = this.lastRenderMs + MIN_REDRAW_INTERVAL_MS - Date.now();
    if (wait <= 0) this.render();
    else this.renderTimer = setTimeout(() => this.render(), wait);
  }

  render(): void {
    if (this.destroyed) return;
    clearTimeout(this.renderTimer);
    this.renderTimer = undefined;
    this.lastRenderMs = Date.now();
    const width = Math.max(20, this.screen.cols);
    const nowMs = this.now();
    this.syncLogStream();
    const current: Page = page(this.route, { model: this.model, nowMs, width });
    this.rows = filterRows(current.rows, this.filter);

    const top = headerText(this.model, nowMs, this.opts.readOnly);
    this.header.setContent(top.text);
    if (this.color) {
      this.header.style.bg = top.alert ? "red" : "cyan";
      this.header.style.fg = top.alert ? "white" : "black";
    } else {
      this.header.style.bold = top.alert;
    }

    const filterNote = this.filter ? `  [filter: ${this.filter}]` : "";
    const logs = this.route.view === "logs" ? this.logs?.buffer : undefined;
    const headLines = [`${current.title}${filterNote}`, ...(logs ? [this.logStatus(logs)] : current.head)];
    this.head.height = headLines.length;
    this.head.setContent(headLines.join("\n"));
    const bodyHeight = Math.max(1, this.screen.rows - 2 - headLines.length);
    for (const body of [this.list, this.logBox]) {
      body.top = 1 + headLines.length;
      body.height = bodyHeight;
    }
    this.list.hidden = logs !== undefined;
    this.logBox.hidden = logs === undefined;
    if (logs) {
      const lines = logs.visible(bodyHeight);
      this.logBox.setContent(lines.length > 0 ? lines.map((l) => fit(l, width)).join("\n") : "(no output yet)");
    } else {
      const index = Math.min(this.selectedIndex, Math.max(0, this.rows.length - 1));
      this.selection.set(this.routeKey(), index);
      this.list.setItems(this.rows.length > 0 ? this.rows.map((r) => colorize(r.text, this.color)) : [colorize(current.empty, false)]);
      this.list.select(index);
    }

    this.footer.setContent(this.footerText());
    this.help.hidden = this.mode.kind !== "help";
    if (!this.help.hidden) this.help.setFront();
    this.screen.render();
  }

  private footerText(): string {
    switch (this.mode.kind) {
      case "command": return `:${this.mode.text}`;
      case "filter": return `/${this.mode.text}`;
      case "confirm": return `${this.mode.question} (y/n)`;
      default: return this.message || " <enter> open  <esc> back  : view  / filter  ? help  q quit";
    }
  }

  private onKey(ch: string | undefined, key: Key): void {
    if (key.full === "C-c") return this.quit();
    // blessed reports "\r" twice, as "return" and then as "enter"; only "enter" counts.
    if (key.name === "return") return;
    switch (this.mode.kind) {
      case "help":
        this.mode = { kind: "browse" };
        break;
      case "command":
      case "filter":
        this.onTyping(this.mode, ch, key);
        break;
      case "confirm": {
        const confirmed = ch === "y" || ch === "Y";
        const run = this.mode.run;
        this.mode = { kind: "browse" };
        this.message = confirmed ? "" : "cancelled";
        if (confirmed) run();
        break;
      }
      case "browse":
        this.onBrowseKey(ch, key);
        break;
    }
    this.render();
  }

  private onTyping(mode: { kind: "command" | "filter"; text: string }, ch: string | undefined, key: Key): void {
    if (key.name === "escape") {
      if (mode.kind === "filter") this.filters.delete(this.routeKey());
      this.mode = { kind: "browse" };
    } else if (key.name === "enter") {
      this.mode = { kind: "browse" };
      if (mode.kind === "command") this.runCommand(mode.text);
    } else if (key.name === "backspace") {
      mode.text = mode.text.slice(0, -1);
    } else if (ch !== undefined && ch.length === 1 && ch >= " ") {
      mode.text += ch;
    }
    if (mode.kind === "filter" && this.mode.kind === "filter") {
      this.filters.set(this.routeKey(), mode.text);
      this.selection.set(this.routeKey(), 0);
    }
  }

  /** `:jobs`, `:nodes`, ... (also `:q` to quit); unknown names say so in the status bar. */
  runCommand(text: string): void {
    const name = text.trim().replace(/^:/, "");
    if (name === "q" || name === "quit") return this.quit();
    const view = LIST_VIEWS.find((v) => v === name || (name.length > 0 && v.startsWith(name)));
    if (!view) {
      this.message = `unknown view "${name}" (try ${LIST_VIEWS.map((v) => `:${v}`).join(" ")})`;
      return;
    }
    this.message = "";
    this.stack.splice(0, this.stack.length, { view });
  }

  /** The logs' state line: following, or paused with how many lines came since. */
  private logStatus(logs: LogBuffer): string {
    const state = logs.following ? "following (up/k pauses)" : `paused${logs.unseen > 0 ? `, ${logs.unseen} new lines` : ""} (G follows)`;
    return `${logs.lines.length} lines, ${state}${logs.ended !== undefined ? ` | ${logs.ended}` : ""}`;
  }

  /** The logs view's lines on screen now (for the scroll keys). */
  private logHeight(): number {
    return typeof this.logBox.height === "number" ? this.logBox.height : Math.max(1, this.screen.rows - 4);
  }

  /** Opens the stream of the logs route being shown, and cancels one no longer shown. */
  private syncLogStream(): void {
    const route = this.route;
    const key = route.view === "logs" ? this.routeKey(route) : undefined;
    if (this.logs && this.logs.key !== key) {
      this.logs.cancel();
      this.logs = undefined;
    }
    if (route.view !== "logs" || key === undefined || this.logs) return;
    const buffer = new LogBuffer();
    const source = this.opts.logSource;
    if (!source) {
      buffer.end("logs are not available here");
      this.logs = { key, buffer, cancel: () => undefined };
      return;
    }
    const state = { key, buffer, cancel: () => undefined as void };
    this.logs = state;
    state.cancel = source.open(route.allocId, route.task, {
      data: (chunk) => {
        buffer.append(chunk);
        this.requestRender();
      },
      end: (error) => {
        buffer.end(error === undefined ? "stream ended" : `stream ended: ${error}`);
        this.requestRender();
      },
    });
  }

  /** The buffer of the logs view when it is shown. */
  get logBuffer(): LogBuffer | undefined {
    return this.route.view === "logs" ? this.logs?.buffer : undefined;
  }

  private onLogKey(ch: string | undefined, key: Key, logs: LogBuffer): boolean {
    const height = this.logHeight();
    switch (key.name) {
      case "up": logs.scrollUp(1, height); return true;
      case "down": logs.scrollDown(1, height); return true;
      case "pageup": logs.scrollUp(height, height); return true;
      case "pagedown": logs.scrollDown(height, height); return true;
      case "home": logs.scrollToStart(); return true;
      case "end": logs.follow(); return true;
    }
    switch (ch) {
      case "k": logs.scrollUp(1, height); return true;
      case "j": logs.scrollDown(1, height); return true;
      case "g": logs.scrollToStart(); return true;
      case "G": logs.follow(); return true;
    }
    return false;
  }

  private onBrowseKey(ch: string | undefined, key: Key): void {
    this.message = "";
    const logs = this.logBuffer;
    if (logs && this.onLogKey(ch, key, logs)) return;
    const move = (delta: number) => {
      const next = Math.max(0, Math.min(this.rows.length - 1, this.selectedIndex + delta));
      this.selection.set(this.routeKey(), next);
    };
    switch (key.name) {
      case "up": return move(-1);
      case "down": return move(1);
      case "pageup": return move(-10);
      case "pagedown": return move(10);
      case "home": return move(-Infinity);
      case "end": return move(Infinity);
      case "enter": return this.drillDown();
      case "escape": return this.back();
    }
    switch (ch) {
      case "k": return move(-1);
      case "j": return move(1);
      case "g": return move(-Infinity);
      case "G": return move(Infinity);
      case "q": return this.quit();
      case ":": this.mode = { kind: "command", text: "" }; return;
      case "/": this.mode = { kind: "filter", text: this.filter }; return;
      case "?": this.mode = { kind: "help" }; return;
      case "s": return this.route.view === "alloc" ? this.askAllocAction("stop") : this.askStopJob();
      case "r": return this.askAllocAction("restart");
      case "l": return this.openLogs();
      case "d": return this.askNodeAction("drain");
      case "e": return this.askNodeAction("eligibility");
      case "t": return this.askTransferLeadership();
    }
  }

  /** `l` on an allocation: its task's logs, or a picker when it has several tasks. */
  private openLogs(): void {
    const route = this.route;
    if (route.view !== "alloc") return;
    const tasks = allocTasks(this.model, route.allocId);
    const [only] = tasks;
    if (only === undefined) this.message = "this allocation has no tasks";
    else if (tasks.length === 1) this.stack.push({ view: "logs", allocId: route.allocId, task: only });
    else this.stack.push({ view: "tasks", allocId: route.allocId });
  }

  /** Asks `question`; on y runs the action and shows its outcome in the status bar. */
  private confirm(question: string, doing: string, action: (actions: DashboardActions) => Promise<string>): void {
    const actions = this.opts.actions;
    if (this.opts.readOnly || !actions) {
      this.message = "read-only: actions are disabled";
      return;
    }
    this.mode = {
      kind: "confirm",
      question,
      run: () => {
        this.message = `${doing}...`;
        action(actions).then((text) => (this.message = text), (err: unknown) => {
          this.message = `${doing} failed: ${err instanceof Error ? err.message : String(err)}`;
        }).finally(() => this.requestRender());
      },
    };
  }

  private askAllocAction(kind: "stop" | "restart"): void {
    const route = this.route;
    if (route.view !== "alloc") return;
    const id = route.allocId;
    if (kind === "stop") this.confirm(`Stop allocation ${shortId(id)}?`, `stopping allocation ${shortId(id)}`, (a) => a.stopAlloc(id));
    else this.confirm(`Restart allocation ${shortId(id)}?`, `restarting allocation ${shortId(id)}`, (a) => a.restartAlloc(id));
  }

  private selectedNodeId(): string | undefined {
    const route = this.route;
    if (route.view === "node") return route.nodeId;
    const target = this.rows[this.selectedIndex]?.target;
    return route.view === "nodes" && target?.view === "node" ? target.nodeId : undefined;
  }

  private askNodeAction(kind: "drain" | "eligibility"): void {
    const nodeId = this.selectedNodeId();
    const node = nodeId === undefined ? undefined : this.model.nodes.get(nodeId);
    if (nodeId === undefined || !node) return;
    if (kind === "drain") {
      const enable = !node.drainStrategy;
      this.confirm(enable ? `Drain node ${node.name} (deadline 1h)?` : `Cancel the drain of node ${node.name}?`,
        enable ? `draining node ${node.name}` : `cancelling the drain of node ${node.name}`, (a) => a.setDrain(nodeId, enable));
    } else {
      const eligible = node.schedulingEligibility !== "eligible";
      this.confirm(`Mark node ${node.name} ${eligible ? "eligible" : "ineligible"}?`,
        `marking node ${node.name} ${eligible ? "eligible" : "ineligible"}`, (a) => a.setEligibility(nodeId, eligible));
    }
  }

  private askTransferLeadership(): void {
    if (this.route.view !== "cluster") return;
    this.confirm("Transfer leadership to another server?", "transferring leadership", (a) => a.transferLeadership());
  }

  private drillDown(): void {
    const target = this.rows[this.selectedIndex]?.target;
    if (target) this.stack.push(target);
  }

  private back(): void {
    if (this.filter) this.filters.delete(this.routeKey());
    else if (this.stack.length > 1) this.stack.pop();
  }

  private selectedJobId(): string | undefined {
    const route = this.route;
    if (route.view === "job") return route.jobId;
    const target = this.rows[this.selectedIndex]?.target;
    return route.view === "jobs" && target?.view === "job" ? target.jobId : undefined;
  }

  private askStopJob(): void {
    const jobId = this.selectedJobId();
    if (jobId === undefined) return;
    this.confirm(`Stop job "${jobId}"?`, `stopping job "${jobId}"`, (a) => a.stopJob(jobId));
  }

  /** Shows a view directly (tests, and the `ui` command's first view). */
  show(view: ListView): void {
    this.runCommand(view);
    this.render();
  }

  quit(): void {
    if (this.destroyed) return;
    this.destroy();
    this.opts.onQuit?.();
  }

  /** Restores the terminal (normal screen, cursor, cooked mode) and stops the timers. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearTimeout(this.renderTimer);
    clearInterval(this.ticker);
    this.logs?.cancel();
    this.logs = undefined;
    this.screen.destroy();
  }
}

function fit(line: string, width: number): string {
  return line.length > width ? line.slice(0, width) : line;
}
