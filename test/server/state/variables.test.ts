import test from "ava";
import { Harness } from "./fixtures.js";

test("putting a variable stores its items with indexes and times", (t) => {
  const h = new Harness();
  const r = h.apply({ type: "var.put", path: "app/db", items: { user: "app", password: "s3cret" }, timeMs: 100 });
  t.like(r, { ok: true, variable: { path: "app/db", namespace: "default", createIndex: 1, modifyIndex: 1 } });
  t.deepEqual(h.snap.variable("app/db"), {
    namespace: "default", path: "app/db", items: { user: "app", password: "s3cret" }, createIndex: 1, modifyIndex: 1, createTimeMs: 100, modifyTimeMs: 100,
  });
  h.apply({ type: "var.put", path: "app/db", items: { user: "app2" }, timeMs: 200 });
  t.like(h.snap.variable("app/db"), { items: { user: "app2" }, createIndex: 1, modifyIndex: 2, createTimeMs: 100, modifyTimeMs: 200 });
  t.is(h.snap.tableIndex("variables"), 2);
});

test("check-and-set succeeds at the current index and conflicts otherwise", (t) => {
  const h = new Harness();
  h.apply({ type: "var.put", path: "p", items: { a: "1" } });
  t.like(h.apply({ type: "var.put", path: "p", items: { a: "2" }, checkIndex: 1 }), { ok: true, variable: { modifyIndex: 2 } });
  const conflict = h.apply({ type: "var.put", path: "p", items: { a: "3" }, checkIndex: 1 });
  t.like(conflict, { ok: false, code: "cas-conflict", index: 3 });
  if (conflict.ok) return t.fail();
  t.like(conflict.current, { path: "p", modifyIndex: 2, items: { a: "2" } });
  t.regex(conflict.error, /^cas conflict/);
  t.is(h.snap.variable("p")?.items["a"], "2");
  t.is(h.store.latestIndex, 3);
  t.is(h.snap.tableIndex("variables"), 2, "a failed CAS changes nothing");
});

test("check index 0 creates only when the variable does not exist yet", (t) => {
  const h = new Harness();
  t.like(h.apply({ type: "var.put", path: "lock", items: { holder: "a" }, checkIndex: 0 }), { ok: true });
  const second = h.apply({ type: "var.put", path: "lock", items: { holder: "b" }, checkIndex: 0 });
  t.like(second, { ok: false, code: "cas-conflict" });
  t.is(h.snap.variable("lock")?.items["holder"], "a");
  const missing = h.apply({ type: "var.put", path: "other", items: {}, checkIndex: 5 });
  t.like(missing, { ok: false, code: "cas-conflict", current: null });
});

test("deletes honour check-and-set too; deleting what is not there succeeds", (t) => {
  const h = new Harness();
  h.apply({ type: "var.put", path: "p", items: { a: "1" } });
  t.like(h.apply({ type: "var.delete", path: "p", checkIndex: 7 }), { ok: false, code: "cas-conflict" });
  t.like(h.apply({ type: "var.delete", path: "p", checkIndex: 0 }), { ok: false, code: "cas-conflict" });
  t.truthy(h.snap.variable("p"));
  t.like(h.apply({ type: "var.delete", path: "p", checkIndex: 1 }), { ok: true });
  t.is(h.snap.variable("p"), undefined);
  t.like(h.apply({ type: "var.delete", path: "p" }), { ok: true });
  t.like(h.apply({ type: "var.delete", path: "p", checkIndex: 0 }), { ok: true });
  t.like(h.apply({ type: "var.delete", path: "p", checkIndex: 3 }), { ok: false, code: "cas-conflict", current: null });
});

test("variables are listed by path prefix within a namespace", (t) => {
  const h = new Harness();
  for (const path of ["nomad/jobs/web", "nomad/jobs/db", "app/config", "nomad/jobsx"]) h.apply({ type: "var.put", path, items: {} });
  h.apply({ type: "var.put", namespace: "prod", path: "nomad/jobs/web", items: {} });
  t.deepEqual(h.snap.variables("nomad/jobs/").map((v) => v.path), ["nomad/jobs/db", "nomad/jobs/web"]);
  t.deepEqual(h.snap.variables().map((v) => v.path), ["app/config", "nomad/jobs/db", "nomad/jobs/web", "nomad/jobsx"]);
  t.deepEqual(h.snap.variables("nomad/jobs/", "prod").map((v) => `${v.namespace}:${v.path}`), ["prod:nomad/jobs/web"]);
  t.is(h.snap.variables("nomad/jobs/web", "*").length, 2);
  t.is(h.snap.variable("nomad/jobs/web", "prod")?.namespace, "prod");
});

test("a variable needs a path", (t) => {
  const h = new Harness();
  t.like(h.apply({ type: "var.put", path: "", items: {} }), { ok: false, code: "invalid" });
});
