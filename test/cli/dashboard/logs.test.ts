// The logs view's buffer: lines split at newlines across chunks, following the end, pausing when
// scrolled up (holding its place while output arrives), G resuming, and the line limit.

import test from "ava";
import { LogBuffer } from "../../../cli/dashboard/logs.js";

const enc = (s: string) => new TextEncoder().encode(s);

test("chunks become lines at their newlines, the unfinished one shown until it ends", (t) => {
  const b = new LogBuffer();
  b.append(enc("tick 1\ntick"));
  t.deepEqual(b.lines, ["tick 1"]);
  t.deepEqual(b.visible(10), ["tick 1", "tick"]);
  b.append(enc(" 2\r\n\x1b[31mred\x1b[0m\tx\n"));
  t.deepEqual(b.lines, ["tick 1", "tick 2", "red    x"]);
  b.append("last");
  b.end("stream ended");
  t.deepEqual(b.lines.at(-1), "last");
  t.is(b.ended, "stream ended");
});

test("a UTF-8 character split across chunks is decoded whole", (t) => {
  const b = new LogBuffer();
  const bytes = enc("caf\u00e9\n");
  b.append(bytes.slice(0, 4));
  b.append(bytes.slice(4));
  t.deepEqual(b.lines, ["caf\u00e9"]);
});

test("following shows the end; scrolling up pauses and holds the place; G resumes", (t) => {
  const b = new LogBuffer();
  for (let i = 1; i <= 10; i++) b.append(`line ${i}\n`);
  t.deepEqual(b.visible(3), ["line 8", "line 9", "line 10"]);
  b.scrollUp(2, 3);
  t.false(b.following);
  t.deepEqual(b.visible(3), ["line 6", "line 7", "line 8"]);
  b.append("line 11\nline 12\n");
  t.deepEqual(b.visible(3), ["line 6", "line 7", "line 8"], "new output does not move a paused view");
  t.is(b.unseen, 2);
  b.scrollDown(100, 3);
  t.deepEqual(b.visible(3), ["line 10", "line 11", "line 12"]);
  t.false(b.following, "scrolling down to the end does not resume following");
  b.append("line 13\n");
  t.deepEqual(b.visible(3), ["line 10", "line 11", "line 12"]);
  b.scrollToStart();
  t.deepEqual(b.visible(2), ["line 1", "line 2"]);
  b.scrollUp(5, 2);
  t.deepEqual(b.visible(2), ["line 1", "line 2"]);
  b.follow();
  t.true(b.following);
  t.is(b.unseen, 0);
  t.deepEqual(b.visible(2), ["line 12", "line 13"]);
});

test("the buffer keeps only the newest lines, a paused view moving with the dropped ones", (t) => {
  const b = new LogBuffer(5);
  for (let i = 1; i <= 5; i++) b.append(`l${i}\n`);
  b.scrollUp(1, 2);
  t.deepEqual(b.visible(2), ["l3", "l4"]);
  b.append("l6\nl7\n");
  t.deepEqual(b.lines, ["l3", "l4", "l5", "l6", "l7"]);
  t.deepEqual(b.visible(2), ["l3", "l4"]);
});
