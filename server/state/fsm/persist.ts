// The whole state as bytes, for Raft snapshots.
//
// Format version 2 is row-wise text: a header line naming the format and its version, then one
// line per row, "<row type> <JSON>", and a closing "end" line that counts the rows (so a snapshot
// cut short at a line boundary is still caught). JSON never holds a raw newline, and no UTF-8
// multi-byte sequence holds the byte 0x0A, so lines can be found in the bytes without decoding.
//
// The bytes are a list of fixed-size chunks, never one buffer or one string: at a million
// allocations the state is gigabytes of JSON, beyond V8's longest string and far beyond what one
// event-loop turn may spend. Lines run across chunk boundaries freely; the reader carries the
// partial line over. A chunk boundary therefore carries no meaning, and whoever moves the bytes
// (disk, network) may split or join chunks as it likes.
//
// Only primary rows are written. Secondary indexes and counters are derived, so `rebuild`
// computes them from the primary rows on restore rather than storing them.
//
// Allocations carry a copy of their job; most of them share the very same job object (the plan's
// job), so jobs are written once into a pool ("pool" lines, numbered in order of appearance) and
// referred to by position, which keeps snapshots small and gives the restored state the same
// sharing.
//
// Version 1 (one JSON document after the header) is still read, for snapshots taken before.

import {
  NO_ALLOC_USAGE, withAllocUsage, type Allocation, type Deployment, type Evaluation, type Job, type JobSummary, type Node, type NodeAllocUsage,
} from "../../../shared/model/index.js";
import { StateRestoreError } from "../errors.js";
import { allocRow, nodeRow, sharedAllocation } from "./intern.js";
import { allocKey, key, pad } from "./keys.js";
import { PIndex } from "./pindex.js";
import { PMap } from "./pmap.js";
import { addCounts, isAllocTerminal, isEvalTerminal, NO_COUNTS, type JobCounts } from "./status.js";
import { zeroTableIndexes, type StateData } from "./tables.js";
import { TABLE_NAMES, type TableName, type Variable } from "./types.js";

const MAGIC = "nomadish-state";
export const SNAPSHOT_FORMAT_VERSION = 2;
const READABLE_VERSIONS = [1, 2];

/** A snapshot's bytes: read them in order; the boundaries between chunks mean nothing. */
export type StateChunks = readonly Uint8Array[];

/** Big enough that a million allocations make a few hundred chunks, small enough for one LevelDB value. */
export const DEFAULT_SNAPSHOT_CHUNK_BYTES = 4 << 20;

type StoredAlloc = Omit<Allocation, "job"> & { job: number };

/** The primary rows of a state: everything a snapshot holds; `rebuild` derives the rest. */
interface PrimaryRows {
  latestIndex: number;
  tableIndexes: Record<TableName, number>;
  jobs: Job[];
  jobVersions: Job[];
  /** [namespace, job id, version] of versions marked stable. */
  stableVersions: [string, string, number][];
  jobSummaries: JobSummary[];
  nodes: Node[];
  /** Rows as the store keeps them (see storedAlloc). */
  allocs: Allocation[];
  /** [node id, index of the last change to its allocations]; absent in older snapshots. */
  nodeAllocsIndex: [string, number][] | undefined;
  evals: Evaluation[];
  deployments: Deployment[];
  variables: Variable[];
}

// --- encoding ---------------------------------------------------------------------------------

/** Text is gathered into pieces of about this many characters before it is turned into bytes. */
const PIECE_CHARS = 64 * 1024;

const textEncoder = new TextEncoder();

/**
 * Appends text to chunks of (about) a fixed size, splitting wherever a chunk fills up. Full
 * chunks wait in `ready` until taken; a taken chunk's buffer may be handed back (`recycle`) once
 * its bytes were written elsewhere, so that encoding a gigabyte state allocates a few chunks'
 * worth of memory rather than gigabytes of buffers left to the garbage collector.
 */
class ChunkWriter {
  readonly ready: Uint8Array[] = [];
  private current: Uint8Array;
  private used = 0;
  private pending: string[] = [];
  private pendingChars = 0;
  private readonly spare: Uint8Array[] = [];
  private readonly size: number;
  bytes = 0;

  constructor(chunkBytes: number) {
    // At least 4 bytes, so that any one character fits into an empty chunk.
    this.size = Math.max(4, chunkBytes);
    this.current = new Uint8Array(this.size);
  }

  line(text: string): void {
    this.pending.push(text, "\n");
    this.pendingChars += text.length + 1;
    if (this.pendingChars >= PIECE_CHARS) this.flush();
  }

  /** A line "<type> <json>", without first joining its parts into a string of their own. */
  row(type: string, json: string): void {
    this.pending.push(type, " ", json, "\n");
    this.pendingChars += type.length + json.length + 2;
    if (this.pendingChars >= PIECE_CHARS) this.flush();
  }

  /** A chunk's buffer whose bytes are no longer needed, to be filled again. */
  recycle(chunk: Uint8Array): void {
    if (chunk.buffer instanceof ArrayBuffer && chunk.buffer.byteLength === this.size && this.spare.length < 2) {
      this.spare.push(new Uint8Array(chunk.buffer));
    }
  }

  private flush(): void {
    if (this.pendingChars === 0) return;
    const piece = this.pending.join("");
    this.pending = [];
    this.pendingChars = 0;
    // Encoded straight into the chunk; what does not fit goes on in a fresh one. A chunk may end
    // up to 3 bytes short when the next character does not fit whole.
    let text = piece;
    for (;;) {
      const { read, written } = textEncoder.encodeInto(text, this.current.subarray(this.used));
      this.used += written;
      this.bytes += written;
      if (read === text.length) return;
      text = text.slice(read);
      this.ready.push(this.current.subarray(0, this.used));
      this.current = this.spare.pop() ?? new Uint8Array(this.size);
      this.used = 0;
    }
  }

  finish(): void {
    this.flush();
    // The last chunk is copied to its size: a small state must not pin a whole chunk's memory.
    if (this.used > 0) this.ready.push(this.current.slice(0, this.used));
    this.current = new Uint8Array(0);
    this.used = 0;
  }
}

/** One table's rows, written in key order by `write`. */
interface Section<V> {
  map: PMap<V>;
  write(k: string, v: V): void;
}

/**
 * Writes a state as v2 rows a slice at a time. The state is immutable, so the encoder can stop
 * anywhere and go on later, however much the store applied in between.
 */
export class StateEncoder {
  private readonly out: ChunkWriter;
  private readonly sections: Section<unknown>[];
  private section = 0;
  /** Key of the last row written of the current section; undefined before its first row. */
  private resumeAfter: string | undefined;
  private rows = 0;
  private readonly pool = new Map<Job, number>();
  private done = false;

  constructor(state: StateData, chunkBytes: number = DEFAULT_SNAPSHOT_CHUNK_BYTES) {
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) throw new RangeError(`snapshot chunk size ${chunkBytes} is not a positive integer`);
    this.out = new ChunkWriter(chunkBytes);
    this.out.line(`${MAGIC} ${SNAPSHOT_FORMAT_VERSION}`);
    this.row("state", JSON.stringify({ latestIndex: state.latestIndex, tableIndexes: state.tableIndexes }));
    const section = <V>(map: PMap<V>, write: (k: string, v: V) => void): Section<unknown> => ({ map, write }) as Section<unknown>;
    this.sections = [
      section(state.jobs, (_k, j) => this.row("job", String(this.ref(j)))),
      section(state.jobVersions, (_k, j) => this.row("version", String(this.ref(j)))),
      section(state.stableVersions, (k, version) => {
        const [namespace = "", jobId = ""] = k.split("\u0000");
        this.row("stable", JSON.stringify([namespace, jobId, version]));
      }),
      section(state.jobSummaries, (_k, s) => this.row("summary", JSON.stringify(s))),
      section(state.nodes, (_k, n) => this.row("node", JSON.stringify(n))),
      section(state.allocs, (_k, a) => this.row("alloc", JSON.stringify({ ...a, job: this.ref(a.job) }))),
      section(state.nodeUsage, (k, usage) => this.row("nodeAllocsIndex", JSON.stringify([k, usage.modifyIndex]))),
      section(state.evals, (_k, e) => this.row("eval", JSON.stringify(e))),
      section(state.deployments, (_k, d) => this.row("deployment", JSON.stringify(d))),
      section(state.variables, (_k, v) => this.row("variable", JSON.stringify(v))),
    ];
  }

  private row(type: string, json: string): void {
    this.out.row(type, json);
    this.rows += 1;
  }

  /** The job's position in the pool; a job seen for the first time is written into it first. */
  private ref(job: Job): number {
    let at = this.pool.get(job);
    if (at === undefined) {
      at = this.pool.size;
      this.pool.set(job, at);
      this.row("pool", JSON.stringify(job));
    }
    return at;
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.out.bytes;
  }

  /** Whether full chunks wait to be taken (`takeChunks`). */
  get hasChunks(): boolean {
    return this.out.ready.length > 0;
  }

  /** The chunks completed since the last call, in order. */
  takeChunks(): Uint8Array[] {
    return this.out.ready.splice(0);
  }

  /** Hands back a taken chunk whose bytes are stored elsewhere now: its buffer is reused. */
  recycle(chunk: Uint8Array): void {
    this.out.recycle(chunk);
  }

  /**
   * Writes rows until `goOn()` says to stop or all are written; true once everything is written.
   * `goOn` is asked every few rows, not for each (it reads a clock, typically).
   */
  step(goOn: () => boolean = () => true): boolean {
    if (this.done) return true;
    let sinceCheck = 0;
    let timeUp = false;
    while (this.section < this.sections.length) {
      const { map, write } = this.sections[this.section] as Section<unknown>;
      const skip = this.resumeAfter;
      let finished = true;
      map.forEachFrom(skip ?? "", (k, v) => {
        if (k === skip) return true;
        if (timeUp) {
          finished = false;
          return false;
        }
        write(k, v);
        this.resumeAfter = k;
        if (++sinceCheck >= 64) {
          sinceCheck = 0;
          if (!goOn()) timeUp = true;
        }
        return true;
      });
      if (!finished) return false;
      this.section += 1;
      this.resumeAfter = undefined;
      if (timeUp) return false;
    }
    this.out.line(`end ${JSON.stringify({ rows: this.rows })}`);
    this.done = true;
    return true;
  }

  /** The chunks not taken yet, the last one included; call once step() returned true. */
  finish(): Uint8Array[] {
    if (!this.done) throw new Error("the state encoder has not written every row yet");
    this.out.finish();
    return this.takeChunks();
  }
}

/** The whole state as snapshot chunks, in one go (tests, tools; the server encodes in the background). */
export function persistState(state: StateData, chunkBytes?: number): Uint8Array[] {
  const encoder = new StateEncoder(state, chunkBytes);
  encoder.step();
  return encoder.finish();
}


// --- decoding ---------------------------------------------------------------------------------

const decoder = new TextDecoder("utf-8", { fatal: true });
const lenientDecoder = new TextDecoder("utf-8");

function decodeText(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new StateRestoreError("state snapshot is corrupt: the bytes are not UTF-8 text");
  }
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Calls `fn` for each line of the chunks pushed, in order. Each chunk is decoded once up to its
 * last newline; the bytes after it wait for the next chunk (a line may span any number of chunks).
 */
class LineReader {
  private carry: Uint8Array[] = [];

  constructor(private readonly fn: (line: string) => void) {}

  push(chunk: Uint8Array): void {
    const { fn } = this;
    const last = chunk.lastIndexOf(10);
    if (last < 0) {
      if (chunk.length > 0) this.carry.push(chunk);
      return;
    }
    let start = 0;
    if (this.carry.length > 0) {
      const end = chunk.indexOf(10);
      this.carry.push(chunk.subarray(0, end));
      fn(decodeText(concatBytes(this.carry)));
      this.carry = [];
      start = end + 1;
    }
    if (last > start) {
      const lines = decodeText(chunk.subarray(start, last)).split("\n");
      for (const line of lines) fn(line);
    } else if (last === start) {
      fn("");
    }
    if (last + 1 < chunk.length) this.carry.push(chunk.subarray(last + 1));
  }

  /** The bytes after the last newline (a line without its end: the data was cut short). */
  rest(): Uint8Array {
    return concatBytes(this.carry.length === 0 ? [new Uint8Array(0)] : this.carry);
  }
}

/** The header's version, read from the first bytes without decoding the rest. */
function headerVersion(chunks: StateChunks): number {
  const head: Uint8Array[] = [];
  let length = 0;
  for (const chunk of chunks) {
    if (length >= 64) break;
    head.push(chunk.subarray(0, 64 - length));
    length += Math.min(chunk.length, 64 - length);
  }
  const bytes = concatBytes(head.length === 0 ? [new Uint8Array(0)] : head);
  const newline = bytes.indexOf(10);
  const header = lenientDecoder.decode(newline < 0 ? bytes.subarray(0, 40) : bytes.subarray(0, newline));
  const match = /^nomadish-state (\d+)$/.exec(header);
  if (!match || newline < 0) throw new StateRestoreError(`not a state snapshot: it starts with ${JSON.stringify(header.slice(0, 40))}`);
  const version = Number(match[1]);
  if (!READABLE_VERSIONS.includes(version)) {
    throw new StateRestoreError(`state snapshot format version ${version} is not supported (this server reads versions ${READABLE_VERSIONS.join(" and ")})`);
  }
  return version;
}

/** Restores a state from snapshot chunks (or the bytes of one, as older snapshots were). */
export function restoreState(data: Uint8Array | StateChunks): StateData {
  const chunks: StateChunks = data instanceof Uint8Array ? [data] : data;
  const version = headerVersion(chunks);
  if (version === 1) return rebuild(readV1(chunks));
  const reader = new V2Reader();
  for (const chunk of chunks) reader.push(chunk);
  return rebuild(reader.end());
}

/**
 * Restores a state from snapshot chunks read one at a time (from disk, typically): rows are
 * decoded as each chunk comes, so the snapshot's bytes are never all in memory at once. Only a
 * version-1 snapshot (one document, written for small states only) is gathered whole.
 */
export async function restoreStateFrom(source: AsyncIterable<Uint8Array>): Promise<StateData> {
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let reader: V2Reader | undefined;
  let v1 = false;
  for await (const chunk of source) {
    if (reader) {
      reader.push(chunk);
      continue;
    }
    head.push(chunk);
    headBytes += chunk.length;
    if (v1 || headBytes < 64) continue;
    if (headerVersion(head) === 1) {
      v1 = true;
      continue;
    }
    reader = new V2Reader();
    for (const c of head.splice(0)) reader.push(c);
  }
  if (reader) return rebuild(reader.end());
  // Less than the header's worth of bytes so far, or version 1.
  const version = headerVersion(head);
  if (version === 1) return rebuild(readV1(head));
  reader = new V2Reader();
  for (const c of head) reader.push(c);
  return rebuild(reader.end());
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new StateRestoreError(`state snapshot is corrupt: ${what} is not an object`);
  return value as Record<string, unknown>;
}

/** A row as an object whose key fields are strings (anything else could not be put in a table). */
function row<T>(value: unknown, what: string, keys: readonly string[]): T {
  const o = object(value, what);
  for (const k of keys) {
    if (typeof o[k] !== "string") throw new StateRestoreError(`state snapshot is corrupt: ${what} has no "${k}"`);
  }
  return o as T;
}

function tuple(value: unknown, what: string, types: readonly ("string" | "number")[]): unknown[] {
  if (!Array.isArray(value) || value.length !== types.length || types.some((t, i) => typeof value[i] !== t)) {
    throw new StateRestoreError(`state snapshot is corrupt: ${what} is not a ${JSON.stringify(types)}`);
  }
  return value as unknown[];
}

function storedIndexes(value: unknown): Record<TableName, number> {
  const tableIndexes = zeroTableIndexes();
  const stored = (value ?? {}) as Record<string, unknown>;
  for (const t of TABLE_NAMES) {
    const v = stored[t];
    if (typeof v === "number") tableIndexes[t] = v;
  }
  return tableIndexes;
}

/** Reads a version-2 snapshot's rows from its chunks, pushed in order. */
class V2Reader {
  private readonly rows: PrimaryRows = {
    latestIndex: -1, tableIndexes: zeroTableIndexes(), jobs: [], jobVersions: [], stableVersions: [], jobSummaries: [], nodes: [],
    allocs: [], nodeAllocsIndex: [], evals: [], deployments: [], variables: [],
  };
  private readonly pool: Job[] = [];
  private readonly nodesById = new Map<string, Node>();
  private line = 0;
  private ended = false;
  private readonly lines = new LineReader((text) => this.read(text));

  push(chunk: Uint8Array): void {
    this.lines.push(chunk);
  }

  private job(at: unknown, line: number): Job {
    const found = typeof at === "number" ? this.pool[at] : undefined;
    if (found === undefined) throw new StateRestoreError(`state snapshot line ${line} refers to job ${String(at)} of ${this.pool.length}`);
    return found;
  }

  private read(text: string): void {
    const { rows, pool } = this;
    const line = ++this.line;
    if (line === 1) return; // the header, checked already
    if (this.ended) throw new StateRestoreError(`state snapshot is corrupt: line ${line} follows the end`);
    const space = text.indexOf(" ");
    const type = space < 0 ? text : text.slice(0, space);
    let value: unknown;
    try {
      value = JSON.parse(text.slice(space + 1));
    } catch (err) {
      throw new StateRestoreError(`state snapshot is corrupt at line ${line} (${JSON.stringify(type.slice(0, 40))}): ${(err as Error).message}`);
    }
    if (space < 0) throw new StateRestoreError(`state snapshot is corrupt at line ${line}: no row type`);
    const what = `line ${line} (${type})`;
    switch (type) {
      case "state": {
        const s = object(value, what);
        if (typeof s["latestIndex"] !== "number") throw new StateRestoreError("state snapshot has no index");
        rows.latestIndex = s["latestIndex"];
        rows.tableIndexes = storedIndexes(s["tableIndexes"]);
        break;
      }
      case "pool": pool.push(row<Job>(value, what, ["id", "namespace"])); break;
      case "job": rows.jobs.push(this.job(value, line)); break;
      case "version": rows.jobVersions.push(this.job(value, line)); break;
      case "stable": rows.stableVersions.push(tuple(value, what, ["string", "string", "number"]) as [string, string, number]); break;
      case "summary": rows.jobSummaries.push(row<JobSummary>(value, what, ["jobId", "namespace"])); break;
      case "node": {
        const n = nodeRow(row<Node>(value, what, ["id"]));
        rows.nodes.push(n);
        this.nodesById.set(n.id, n);
        break;
      }
      case "alloc": {
        // Made into a stored row right away (nodes come before allocations): that work is then
        // spread over the chunks as they are read, not all done in the rebuild at the end.
        const a = row<StoredAlloc>(value, what, ["id", "namespace", "jobId", "nodeId", "evalId", "deploymentId"]);
        rows.allocs.push(storedAlloc({ ...a, job: this.job(a.job, line) }, this.nodesById));
        break;
      }
      case "nodeAllocsIndex": rows.nodeAllocsIndex?.push(tuple(value, what, ["string", "number"]) as [string, number]); break;
      case "eval": rows.evals.push(row<Evaluation>(value, what, ["id", "namespace", "jobId"])); break;
      case "deployment": rows.deployments.push(row<Deployment>(value, what, ["id", "namespace", "jobId"])); break;
      case "variable": rows.variables.push(row<Variable>(value, what, ["namespace", "path"])); break;
      case "end": {
        const stated = object(value, what)["rows"];
        // The header and the end line are not rows.
        if (stated !== line - 2) throw new StateRestoreError(`state snapshot is corrupt: it ends after ${line - 2} rows but says it has ${String(stated)}`);
        this.ended = true;
        break;
      }
      default:
        throw new StateRestoreError(`state snapshot is corrupt: unknown row type ${JSON.stringify(type.slice(0, 40))} at line ${line}`);
    }
  }

  /** The rows read; throws when the snapshot was cut short. */
  end(): PrimaryRows {
    const rest = this.lines.rest();
    const { line } = this;
    if (rest.length > 0 || !this.ended) throw new StateRestoreError(`state snapshot is truncated: it stops after line ${line}${rest.length > 0 ? " in the middle of a row" : ", before its end"}`);
    if (this.rows.latestIndex < 0) throw new StateRestoreError("state snapshot has no index");
    return this.rows;
  }
}

interface SnapshotDocV1 {
  latestIndex: number;
  tableIndexes: Record<TableName, number>;
  jobPool: Job[];
  jobs: number[];
  jobVersions: number[];
  stableVersions: [string, string, number][];
  jobSummaries: JobSummary[];
  nodes: Node[];
  allocs: StoredAlloc[];
  /** [node id, index of the last change to its allocations]; absent in older snapshots. */
  nodeAllocsIndex?: [string, number][];
  evals: Evaluation[];
  deployments: Deployment[];
  variables: Variable[];
}

/** Version 1: one JSON document after the header (only ever written for states small enough). */
function readV1(chunks: StateChunks): PrimaryRows {
  const text = decodeText(concatBytes(chunks));
  let raw: unknown;
  try {
    raw = JSON.parse(text.slice(text.indexOf("\n") + 1));
  } catch (err) {
    throw new StateRestoreError(`state snapshot is corrupt: ${(err as Error).message}`);
  }
  const doc = object(raw, "the document") as Partial<SnapshotDocV1>;
  const array = <T>(field: keyof SnapshotDocV1): T[] => {
    const value = doc[field];
    if (!Array.isArray(value)) throw new StateRestoreError(`state snapshot is missing its "${field}" table`);
    return value as T[];
  };
  const pool = array<Job>("jobPool");
  const job = (at: number): Job => {
    const found = pool[at];
    if (found === undefined) throw new StateRestoreError(`state snapshot refers to job ${at} of ${pool.length}`);
    return found;
  };
  if (typeof doc.latestIndex !== "number") throw new StateRestoreError("state snapshot has no index");
  const nodes = array<Node>("nodes");
  const nodesById = new Map(nodes.map((n) => [n.id, n]));
  return {
    latestIndex: doc.latestIndex,
    tableIndexes: storedIndexes(doc.tableIndexes),
    jobs: array<number>("jobs").map(job),
    jobVersions: array<number>("jobVersions").map(job),
    stableVersions: array<[string, string, number]>("stableVersions"),
    jobSummaries: array<JobSummary>("jobSummaries"),
    nodes,
    allocs: array<StoredAlloc>("allocs").map((a) => storedAlloc({ ...a, job: job(a.job) }, nodesById)),
    nodeAllocsIndex: doc.nodeAllocsIndex !== undefined ? array<[string, number]>("nodeAllocsIndex") : undefined,
    evals: array<Evaluation>("evals"),
    deployments: array<Deployment>("deployments"),
    variables: array<Variable>("variables"),
  };
}

// --- rebuilding -------------------------------------------------------------------------------

/** A decoded allocation as the store keeps rows it applies: sharing what they repeat, one shape. */
function storedAlloc(a: Allocation, nodesById: ReadonlyMap<string, Node>): Allocation {
  return allocRow(sharedAllocation(a, a.job, (id) => nodesById.get(id)));
}

/**
 * Each node's usage, summed from its live allocations, with the index of its last change as the
 * snapshot recorded it. A snapshot from before that was recorded counts every node with
 * allocations as changed at its own index: a client watching from earlier re-reads them.
 */
function nodeUsages(changed: [string, number][] | undefined, allocs: readonly Allocation[], index: number): [string, NodeAllocUsage][] {
  const byNode = new Map<string, NodeAllocUsage>();
  for (const [nodeId, modifyIndex] of changed ?? []) byNode.set(nodeId, { ...NO_ALLOC_USAGE, modifyIndex });
  for (const a of allocs) {
    if (!isAllocTerminal(a)) byNode.set(a.nodeId, withAllocUsage(byNode.get(a.nodeId) ?? { ...NO_ALLOC_USAGE, modifyIndex: index }, a, 1));
  }
  return [...byNode];
}

function sorted<V>(entries: [string, V][]): PMap<V> {
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (let i = 1; i < entries.length; i++) {
    if ((entries[i - 1] as [string, V])[0] === (entries[i] as [string, V])[0]) {
      throw new StateRestoreError(`state snapshot holds two rows with the key ${JSON.stringify((entries[i] as [string, V])[0])}`);
    }
  }
  return PMap.fromSorted(entries);
}

/** The whole state from its primary rows: every secondary index and counter is derived here. */
function rebuild(rows: PrimaryRows): StateData {
  const { latestIndex, evals, deployments, allocs } = rows;
  const counts = new Map<string, JobCounts>();
  const count = (namespace: string, jobId: string, delta: Partial<JobCounts>) => {
    const k = key(namespace, jobId);
    const next = addCounts(counts.get(k) ?? NO_COUNTS, delta);
    if (next === undefined) counts.delete(k);
    else counts.set(k, next);
  };
  for (const a of allocs) count(a.namespace, a.jobId, { allocs: 1, liveAllocs: isAllocTerminal(a) ? 0 : 1 });
  for (const e of evals) {
    count(e.namespace, e.jobId, { evals: 1, liveEvals: isEvalTerminal(e) ? 0 : 1, blockedEvals: e.status === "blocked" ? 1 : 0 });
  }

  return {
    jobs: sorted(rows.jobs.map((j) => [key(j.namespace, j.id), j])),
    jobsById: sorted(rows.jobs.map((j) => [key(j.id, j.namespace), j.id])),
    jobVersions: sorted(rows.jobVersions.map((j) => [key(j.namespace, j.id, pad(j.version)), j])),
    stableVersions: sorted(rows.stableVersions.map(([ns, id, v]) => [key(ns, id, pad(v)), v])),
    jobSummaries: sorted(rows.jobSummaries.map((s) => [key(s.namespace, s.jobId), s])),
    jobCounts: sorted([...counts.entries()]),
    nodes: sorted(rows.nodes.map((n) => [n.id, n])),
    allocs: sorted(allocs.map((a) => [allocKey(a.id), a])),
    allocsByNode: PIndex.from(allocs.map((a) => [a.nodeId, a.id, a.id])),
    nodeUsage: sorted(nodeUsages(rows.nodeAllocsIndex, allocs, latestIndex)),
    allocsByJob: PIndex.from(allocs.map((a) => [key(a.namespace, a.jobId), a.id, a.id])),
    allocsByEval: PIndex.from(allocs.filter((a) => a.evalId !== "").map((a) => [a.evalId, a.id, a.id])),
    allocsByDeployment: PIndex.from(allocs.filter((a) => a.deploymentId !== "").map((a) => [a.deploymentId, a.id, a.id])),
    evals: sorted(evals.map((e) => [e.id, e])),
    evalsByJob: PIndex.from(evals.map((e) => [key(e.namespace, e.jobId), e.id, e.id])),
    deployments: sorted(deployments.map((d) => [d.id, d])),
    deploymentsByJob: sorted(deployments.map((d) => [key(d.namespace, d.jobId, pad(d.createIndex), d.id), d.id])),
    variables: sorted(rows.variables.map((v) => [key(v.namespace, v.path), v])),
    tableIndexes: rows.tableIndexes,
    latestIndex,
  };
}
