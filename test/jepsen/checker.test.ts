import test from "ava";
import { performance } from "node:perf_hooks";
import { checkHistory, checkKey, formatViolation, prefixAt, verifyWitness } from "./checker.js";
import { historyFromJson, historyToJson, type JobValue, type Operation, type OpKind, type Outcome } from "./history.js";
import { jobTableModel } from "./model.js";
import { syntheticHistory, withStaleRead } from "./synthetic-history.js";

/** Builds a history from rows: [process, kind, value, invokedAt, completedAt, outcome?, key?]. */
type Row = [number, OpKind, JobValue, number, number, Outcome?, string?];
function history(...rows: Row[]): Operation[] {
  return rows.map(([process, kind, value, invokedAt, completedAt, outcome = "ok", key = "a"], id) => ({
    id, process, kind, key, value, invokedAt, completedAt: outcome === "unknown" ? Infinity : completedAt, outcome,
  }));
}

const check = (ops: Operation[]) => checkHistory(ops, jobTableModel);
const INF = Infinity;

test("an empty history is linearizable", (t) => {
  t.is(check([]).verdict, "linearizable");
});

test("a sequential history that follows the model is linearizable, and the order found is returned", (t) => {
  const ops = history(
    [1, "read", null, 0, 1],
    [1, "register", "v1", 2, 3],
    [2, "read", "v1", 4, 5],
    [2, "deregister", null, 6, 7],
    [1, "read", null, 8, 9],
  );
  const result = check(ops);
  t.is(result.verdict, "linearizable");
  t.deepEqual(result.keys[0]?.witness?.map((op) => op.id), [0, 1, 2, 3, 4]);
});

test("a stale read is rejected, and the explanation names the key, the read and the state it contradicts", (t) => {
  const ops = history(
    [1, "register", "v1", 0, 1],
    [1, "register", "v2", 2, 3],
    [2, "read", "v1", 4, 5],
  );
  const result = check(ops);
  t.is(result.verdict, "not-linearizable");
  const v = result.violation;
  t.is(v?.key, "a");
  t.is(v?.blocked.id, 2);
  t.is(v?.state, "present(v2)");
  t.is(v?.linearizedCount, 2);
  const text = formatViolation(v as NonNullable<typeof v>);
  t.regex(text, /job a: not linearizable/);
  t.regex(text, /#2 p2 read a → v1 \[4\.0, 5\.0\] ms ok: cannot take effect when the job is present\(v2\)/);
});

test("a violation is explained where the history first goes wrong, with the operations around it", (t) => {
  // A stale read early on, then a long valid tail in which the search could get much deeper.
  const tail: Row[] = Array.from({ length: 40 }, (_, i): Row => (i % 2 === 0
    ? [3, "register", `w${i}`, 100 + i * 10, 105 + i * 10]
    : [4, "read", `w${i - 1}`, 100 + i * 10, 105 + i * 10]));
  const ops = history(
    [1, "register", "v1", 0, 1],
    [1, "register", "v2", 2, 3],
    [2, "read", "v1", 4, 5],
    [5, "register", "v3", 4.5, 20], // concurrent with the stale read
    ...tail,
  );
  const v = check(ops).violation;
  t.is(v?.blocked.id, 2);
  t.is(v?.firstFailingAt, 5);
  t.deepEqual(v?.context.map((op) => op.id), [0, 1, 2, 3]);
  t.regex(formatViolation(v as NonNullable<typeof v>), /the history up to 5\.0 ms is already not linearizable/);
});

test("a prefix of a history holds what was invoked by then, with running writes pending and running reads left out", (t) => {
  const ops = history(
    [1, "register", "v1", 0, 10],
    [2, "read", "v1", 1, 10],
    [3, "register", "v2", 2, 3],
    [4, "register", "v3", 20, 30],
  );
  const prefix = prefixAt(ops, 5);
  t.deepEqual(prefix.map((op) => [op.id, op.outcome, op.completedAt]), [[0, "unknown", INF], [2, "ok", 3]]);
});

test("a lost write is rejected: a read after an acknowledged register finds no job", (t) => {
  const ops = history(
    [1, "register", "v1", 0, 1],
    [2, "read", null, 2, 3],
  );
  t.is(check(ops).verdict, "not-linearizable");
});

test("a read of a value never written is rejected", (t) => {
  const ops = history(
    [1, "register", "v1", 0, 1],
    [2, "read", "ghost", 0.5, 3],
  );
  t.is(check(ops).verdict, "not-linearizable");
});

test("read-your-write violated: a process does not see its own acknowledged register", (t) => {
  const ops = history(
    [1, "register", "v1", 0, 10],
    [2, "read", null, 1, 2], // concurrent with the register: fine either way
    [1, "read", null, 11, 12], // after its own register completed: impossible
  );
  t.is(check(ops).verdict, "not-linearizable");
  t.is(check(ops.slice(0, 2)).verdict, "linearizable");
});

test("a read concurrent with a register may see it or not", (t) => {
  t.is(check(history([1, "register", "v1", 0, 10], [2, "read", "v1", 1, 2])).verdict, "linearizable");
  t.is(check(history([1, "register", "v1", 0, 10], [2, "read", null, 1, 2])).verdict, "linearizable");
  // …but once one read saw it, a later read cannot miss it.
  t.is(check(history([1, "register", "v1", 0, 10], [2, "read", "v1", 1, 2], [3, "read", null, 3, 4])).verdict, "not-linearizable");
});

test("two concurrent registers are accepted in either order, but reads must agree on one", (t) => {
  const writes: Row[] = [[1, "register", "v1", 0, 10], [2, "register", "v2", 0, 10]];
  t.is(check(history(...writes, [3, "read", "v1", 11, 12])).verdict, "linearizable");
  t.is(check(history(...writes, [3, "read", "v2", 11, 12])).verdict, "linearizable");
  t.is(check(history(...writes, [3, "read", "v2", 5, 6], [3, "read", "v1", 11, 12])).verdict, "linearizable");
  t.is(check(history(...writes, [3, "read", "v2", 11, 12], [3, "read", "v1", 13, 14])).verdict, "not-linearizable");
});

test("an operation precedes another only if it completed strictly before the other was invoked", (t) => {
  // The read is invoked at the very instant the register completes: they count as concurrent.
  t.is(check(history([1, "register", "v1", 0, 5], [1, "register", "v2", 6, 8], [2, "read", "v1", 8, 9])).verdict, "linearizable");
  t.is(check(history([1, "register", "v1", 0, 5], [1, "register", "v2", 6, 8], [2, "read", "v1", 8.5, 9])).verdict, "not-linearizable");
});

test("a register with an unknown outcome may take effect any time after its invocation", (t) => {
  const unknown: Row = [1, "register", "v1", 0, INF, "unknown"];
  t.is(check(history(unknown, [2, "read", "v1", 5, 6])).verdict, "linearizable");
  t.is(check(history(unknown, [2, "read", null, 5, 6], [2, "read", "v1", 100, 101])).verdict, "linearizable");
  // Once seen it stays, unless something removes it.
  t.is(check(history(unknown, [2, "read", "v1", 5, 6], [2, "read", null, 7, 8])).verdict, "not-linearizable");
  // Not before its invocation.
  t.is(check(history([2, "read", "v1", 0, 1], [1, "register", "v1", 2, INF, "unknown"])).verdict, "not-linearizable");
});

test("a register with an unknown outcome may also never take effect", (t) => {
  t.is(check(history([1, "register", "v1", 0, INF, "unknown"], [2, "read", null, 5, 6], [2, "read", null, 50, 60])).verdict, "linearizable");
});

test("a deregister with an unknown outcome may or may not take effect, but only once", (t) => {
  const base: Row[] = [[1, "register", "v1", 0, 1], [1, "deregister", null, 2, INF, "unknown"]];
  t.is(check(history(...base, [2, "read", "v1", 3, 4], [2, "read", null, 5, 6])).verdict, "linearizable");
  t.is(check(history(...base, [2, "read", "v1", 3, 4], [2, "read", "v1", 50, 60])).verdict, "linearizable");
  t.is(check(history(...base, [2, "read", null, 3, 4], [2, "read", "v1", 5, 6])).verdict, "not-linearizable");
});

test("each unknown deregister takes effect at most once", (t) => {
  const rows: Row[] = [
    [1, "register", "v1", 0, 1],
    [1, "deregister", null, 2, INF, "unknown"],
    [2, "read", null, 3, 4],
    [2, "register", "v2", 5, 6],
    [2, "read", null, 7, 8],
  ];
  // The second absent read needs a second purge after v2 was registered.
  t.is(check(history(...rows)).verdict, "not-linearizable");
  t.is(check(history(...rows, [3, "deregister", null, 2.5, INF, "unknown"])).verdict, "linearizable");
});

test("failed operations had no effect, and reads without an answer observed nothing", (t) => {
  t.is(check(history([1, "register", "v1", 0, 1, "fail"], [2, "read", "v1", 2, 3])).verdict, "not-linearizable");
  t.is(check(history([1, "register", "v1", 0, 1], [1, "deregister", null, 2, 3, "fail"], [2, "read", "v1", 4, 5])).verdict, "linearizable");
  t.is(check(history([1, "register", "v1", 0, 1], [2, "read", "bogus", 2, INF, "unknown"], [2, "read", "garbage", 2, 3, "fail"])).verdict, "linearizable");
});

test("keys are checked separately, and the violation names the key that broke", (t) => {
  const ops = history(
    [1, "register", "v1", 0, 1, "ok", "a"],
    [1, "register", "w1", 0, 1, "ok", "b"],
    [2, "read", "v1", 2, 3, "ok", "a"],
    [2, "read", null, 2, 3, "ok", "b"],
  );
  const result = check(ops);
  t.is(result.verdict, "not-linearizable");
  t.deepEqual(result.keys.map((k) => [k.key, k.verdict]), [["a", "linearizable"], ["b", "not-linearizable"]]);
  t.is(result.violation?.key, "b");
});

test("a pathological history exhausts the search budget and is reported as unknown, not hung", (t) => {
  // Twenty concurrent registers and an impossible read after them: every subset and order of the
  // registers is a distinct configuration to rule out.
  const rows: Row[] = Array.from({ length: 20 }, (_, i): Row => [i, "register", `v${i}`, 0, 100]);
  const ops = history(...rows, [99, "read", "never", 200, 201]);
  const started = performance.now();
  const result = checkHistory(ops, jobTableModel, { maxStepsPerKey: 100_000 });
  t.is(result.verdict, "unknown");
  t.regex(result.keys[0]?.reason ?? "", /budget exhausted/);
  t.true(performance.now() - started < 5_000);
});

test("the order found is checked independently: a bad order is refused", (t) => {
  const ops = history([1, "register", "v1", 0, 1], [2, "read", "v1", 2, 3]);
  const [write, read] = ops as [Operation, Operation];
  t.is(verifyWitness([write, read], ops, jobTableModel), undefined);
  t.regex(verifyWitness([read, write], ops, jobTableModel) ?? "", /cannot take effect|completed before/);
  t.regex(verifyWitness([write], ops, jobTableModel) ?? "", /is missing/);
  t.regex(verifyWitness([write, write, read], ops, jobTableModel) ?? "", /appears twice/);
});

test("a history survives a JSON round trip, unknown completions included", (t) => {
  const ops = history([1, "register", "v1", 0, INF, "unknown"], [2, "read", null, 1, 2]);
  t.deepEqual(historyFromJson(historyToJson(ops)), ops);
});

test("a large random linearizable history is accepted fast, and a stale read planted in it is found", (t) => {
  const ops = syntheticHistory({ seed: 42, operations: 20_000, keys: 5 });
  t.true(ops.filter((op) => op.outcome === "unknown").length > 100);
  let started = performance.now();
  const result = checkHistory(ops, jobTableModel);
  const acceptMs = performance.now() - started;
  t.is(result.verdict, "linearizable", result.keys.map((k) => k.reason ?? "").join(" "));
  t.log(`20,000 operations accepted in ${acceptMs.toFixed(0)} ms (${result.steps} steps)`);
  t.true(acceptMs < 10_000);

  const tampered = withStaleRead(ops);
  if (!tampered) return t.fail("no read to tamper with");
  started = performance.now();
  const rejected = checkHistory(tampered.history, jobTableModel);
  t.log(`tampered copy rejected in ${(performance.now() - started).toFixed(0)} ms (${rejected.steps} steps)`);
  t.is(rejected.verdict, "not-linearizable");
  t.is(rejected.violation?.key, tampered.key);
  t.deepEqual(rejected.keys.filter((k) => k.verdict !== "linearizable").map((k) => k.key), [tampered.key]);
});

test("histories with heavy overlap and many unknown writes are still accepted", (t) => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const ops = syntheticHistory({ seed, operations: 3_000, keys: 2, spreadMs: 20, unknownShare: 0.15 });
    const result = checkHistory(ops, jobTableModel);
    t.is(result.verdict, "linearizable", `seed ${seed}: ${result.keys.map((k) => k.reason ?? "").join(" ")}`);
  }
});

test("checkKey reports how many operations it searched once pruning left out unobserved unknown registers", (t) => {
  const ops = history([1, "register", "v1", 0, INF, "unknown"], [1, "register", "v2", 0, INF, "unknown"], [2, "read", "v2", 3, 4]);
  const result = checkKey("a", ops, jobTableModel);
  t.is(result.verdict, "linearizable");
  t.is(result.operations, 2);
});

/** Linearizability by brute force: every subset of the unknown writes, in every order real time allows. */
function bruteForce(ops: readonly Operation[]): boolean {
  const relevant = ops.filter((op) => op.outcome === "ok" || (op.outcome === "unknown" && op.kind !== "read"));
  const extend = (order: Operation[], left: Operation[], state: JobValue): boolean => {
    if (left.every((op) => op.outcome !== "ok")) return true;
    return left.some((op, i) => {
      // op may go next only if nothing left completed before it was invoked.
      if (left.some((other) => other !== op && other.completedAt < op.invokedAt)) return false;
      const next = jobTableModel.step(state, op);
      if (next === undefined) return false;
      return extend([...order, op], [...left.slice(0, i), ...left.slice(i + 1)], next);
    });
  };
  return extend([], relevant, null);
}

test("on thousands of small random histories the search agrees with brute force", (t) => {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const values = ["v1", "v2", "v3"];
  let rejected = 0;
  for (let round = 0; round < 4000; round++) {
    const rows: Row[] = [];
    const n = 2 + Math.floor(random() * 7);
    for (let i = 0; i < n; i++) {
      const kind = (["register", "deregister", "read", "read"] as const)[Math.floor(random() * 4)] as OpKind;
      const value = kind === "deregister" ? null : kind === "register" ? values[Math.floor(random() * 3)] ?? null : random() < 0.3 ? null : values[Math.floor(random() * 3)] ?? null;
      const start = Math.floor(random() * 20);
      const roll = random();
      const outcome: Outcome = roll < 0.25 ? "unknown" : roll < 0.3 ? "fail" : "ok";
      rows.push([i, kind, value, start, start + 1 + Math.floor(random() * 8), outcome]);
    }
    const ops = history(...rows);
    const expected = bruteForce(ops);
    const got = check(ops).verdict;
    if (!expected) rejected++;
    if (got !== (expected ? "linearizable" : "not-linearizable")) {
      return t.fail(`round ${round}: search says ${got}, brute force ${expected}:\n${JSON.stringify(rows)}`);
    }
  }
  t.log(`${rejected} of 4000 histories were not linearizable`);
  t.true(rejected > 400 && rejected < 3600);
});
