import { appendFileSync, closeSync, existsSync, openSync, writeSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { LogRotator, logFilePath, readLogFrames, readLogs, type ReadLogsOptions } from "../../../client/logs/index.js";
import { eventually, scratchDir } from "../taskrunner/fixtures.js";

/** maxFileSizeMb that makes files rotate past 100 bytes. */
const HUNDRED_BYTES_MB = 100 / (1024 * 1024);

async function setup(t: import("ava").ExecutionContext, maxFiles = 3) {
  const dir = await scratchDir(t);
  const rotator = new LogRotator({ dir, task: "web", stream: "stdout", maxFiles, maxFileSizeMb: HUNDRED_BYTES_MB, checkIntervalMs: 5 });
  rotator.prepare();
  t.teardown(() => rotator.stop());
  // The task's side: one append-mode descriptor for its whole life.
  const fd = openSync(rotator.currentPath, "a");
  t.teardown(() => closeSync(fd));
  const write = (text: string) => writeSync(fd, text);
  const file = (index: number) => readFile(logFilePath(dir, "web", "stdout", index), "utf8");
  return { dir, rotator, write, file };
}

async function collect(opts: ReadLogsOptions): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of readLogs(opts)) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

const line = (n: number) => `line ${String(n).padStart(3, "0")} ${"x".repeat(40)}\n`; // 50 bytes

test("a file over the size limit is copied to .1 and truncated; the task's descriptor keeps appending at the start", async (t) => {
  const { rotator, write, file } = await setup(t);
  write(line(1) + line(2));
  t.false(rotator.rotateIfNeeded(), "100 bytes is not over the limit");
  write(line(3));
  t.true(rotator.rotateIfNeeded());
  t.is(await file(1), line(1) + line(2) + line(3));
  t.is(await file(0), "");
  write(line(4));
  t.is(await file(0), line(4), "no hole of zeros before new output");
});

test("older copies move up an index and those beyond max_files are deleted", async (t) => {
  const { dir, rotator, write, file } = await setup(t, 3);
  for (let i = 1; i <= 4; i++) {
    write(`${"r".repeat(100)}${i}\n`);
    rotator.rotate();
  }
  t.deepEqual((await readdir(dir)).sort(), ["web.stdout.0", "web.stdout.1", "web.stdout.2"]);
  t.is(await file(1), `${"r".repeat(100)}4\n`);
  t.is(await file(2), `${"r".repeat(100)}3\n`);
});

test("with max_files 1 the file is only truncated", async (t) => {
  const { dir, rotator, write } = await setup(t, 1);
  write("z".repeat(150));
  t.true(rotator.rotateIfNeeded());
  t.deepEqual(await readdir(dir), ["web.stdout.0"]);
});

test("the rotator checks on its own once started", async (t) => {
  const { dir, rotator, write, file } = await setup(t);
  rotator.start();
  write("q".repeat(150));
  await eventually("a rotation", () => existsSync(logFilePath(dir, "web", "stdout", 1)));
  t.is(await file(1), "q".repeat(150));
});

test("reading goes through the rotated files oldest first, then the current one", async (t) => {
  const { dir, rotator, write } = await setup(t, 5);
  let expected = "";
  for (let i = 1; i <= 7; i++) {
    write(line(i));
    expected += line(i);
    if (i % 3 === 0) rotator.rotate();
  }
  t.is(await collect({ dir, task: "web", stream: "stdout", follow: false }), expected);
});

test("tail -n counts lines back across file boundaries", async (t) => {
  const { dir, rotator, write } = await setup(t, 5);
  for (let i = 1; i <= 7; i++) {
    write(line(i));
    if (i % 3 === 0) rotator.rotate();
  }
  const opts = { dir, task: "web", stream: "stdout" as const, follow: false };
  t.is(await collect({ ...opts, tailLines: 5 }), [3, 4, 5, 6, 7].map(line).join(""));
  t.is(await collect({ ...opts, tailLines: 1 }), line(7));
  t.is(await collect({ ...opts, tailLines: 100 }), [1, 2, 3, 4, 5, 6, 7].map(line).join(""));
  t.is(await collect({ ...opts, tailLines: 0 }), "");
});

test("byte offsets count from the start or from the end", async (t) => {
  const { dir, rotator, write } = await setup(t, 5);
  write(line(1) + line(2) + line(3));
  rotator.rotate();
  write(line(4));
  const opts = { dir, task: "web", stream: "stdout" as const, follow: false };
  t.is(await collect({ ...opts, offsetBytes: 160 }), line(4).slice(10));
  t.is(await collect({ ...opts, origin: "end", offsetBytes: 60 }), line(3).slice(40) + line(4));
  t.is(await collect({ ...opts, origin: "end", offsetBytes: 10_000 }), [1, 2, 3, 4].map(line).join(""));
});

test("frames name the file and the offset of each chunk", async (t) => {
  const { dir, rotator, write } = await setup(t, 5);
  write(line(1) + line(2) + line(3));
  rotator.rotate();
  write(line(4));
  const frames = [];
  for await (const f of readLogFrames({ dir, task: "web", stream: "stdout", follow: false })) frames.push({ file: f.file, offset: f.offset, bytes: f.data.length });
  t.deepEqual(frames, [{ file: "web.stdout.1", offset: 0, bytes: 150 }, { file: "web.stdout.0", offset: 0, bytes: 50 }]);
});

test("a follower sees new output, across rotations, until it is aborted", async (t) => {
  const { dir, rotator, write } = await setup(t, 3);
  write(line(1));
  const abort = new AbortController();
  t.teardown(() => abort.abort());
  let received = "";
  const done = (async () => {
    for await (const chunk of readLogs({ dir, task: "web", stream: "stdout", follow: true, signal: abort.signal, pollIntervalMs: 5 })) {
      received += chunk.toString("utf8");
    }
  })();
  await eventually("the first line", () => received === line(1));
  write(line(2));
  await eventually("the second line", () => received === line(1) + line(2));
  // Written and rotated away between two polls: the follower finds it in the copy.
  write(line(3));
  rotator.rotate();
  write(line(4));
  await eventually("lines across the rotation", () => received === [1, 2, 3, 4].map(line).join("")).catch((err: Error) => {
    throw new Error(`${err.message}; received ${JSON.stringify(received)}`);
  });
  // Two rotations between polls.
  write(line(5));
  rotator.rotate();
  write(line(6) + line(7));
  rotator.rotate();
  write(line(8));
  const all = [1, 2, 3, 4, 5, 6, 7, 8].map(line).join("");
  await eventually("lines across two rotations", () => received === all).catch((err: Error) => {
    throw new Error(`${err.message}; received ${JSON.stringify(received)}`);
  });
  abort.abort();
  await done;
  t.is(received, all);
});

test("a follower waits for a file that does not exist yet", async (t) => {
  const dir = await scratchDir(t);
  const abort = new AbortController();
  t.teardown(() => abort.abort());
  let received = "";
  const done = (async () => {
    for await (const chunk of readLogs({ dir, task: "late", stream: "stderr", follow: true, signal: abort.signal, pollIntervalMs: 5 })) {
      received += chunk.toString("utf8");
    }
  })();
  appendFileSync(path.join(dir, "late.stderr.0"), "finally\n");
  await eventually("the output", () => received === "finally\n");
  abort.abort();
  await done;
  t.pass();
});
