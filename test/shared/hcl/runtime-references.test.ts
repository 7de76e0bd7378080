import test from "ava";
import type { Value } from "../../../shared/hcl/index.js";
import { errorAt, evalAttribute, evalExpr } from "./support.js";

const vars: Record<string, Value> = { var: { dc: "dc1", ports: [80, 443], on: true }, local: { name: "web" } };
const ev = (src: string): Value => evalExpr(src, vars);

test("a bare reference to a runtime root becomes its own interpolation", (t) => {
  t.is(ev("attr.kernel.name"), "${attr.kernel.name}");
  t.is(ev("NOMAD_ALLOC_DIR"), "${NOMAD_ALLOC_DIR}");
  t.is(ev('env["FOO"]'), '${env["FOO"]}');
  t.is(ev("meta.rack"), "${meta.rack}");
});

test("runtime references inside templates stay as text next to evaluated parts", (t) => {
  t.is(ev('"a-${node.unique.name}-b"'), "a-${node.unique.name}-b");
  t.is(ev('"${attr.kernel.name}"'), "${attr.kernel.name}");
  t.is(ev('"${NOMAD_ALLOC_DIR}/data/${local.name}"'), "${NOMAD_ALLOC_DIR}/data/web");
  t.is(ev('"${ node.datacenter }"'), "${node.datacenter}");
  t.is(ev('"${NOMAD_META_x}${var.dc}"'), "${NOMAD_META_x}dc1");
});

test("a computation that needs a runtime value keeps the whole interpolation's source", (t) => {
  t.is(ev('"${upper(attr.x)}"'), "${upper(attr.x)}");
  t.is(ev('"${attr.x == "a" ? 1 : 2}"'), '${attr.x == "a" ? 1 : 2}');
  t.is(ev('"id-${meta.id + 1}"'), "id-${meta.id + 1}");
  t.is(ev('upper("x-${attr.y}")'), '${upper("x-${attr.y}")}');
  t.is(ev("var.ports[attr.i]"), "${var.ports[attr.i]}");
  t.is(ev("[for p in node.list : p]"), "${[for p in node.list : p]}");
});

test("a known condition chooses a branch, which may itself be a runtime reference", (t) => {
  t.is(ev('var.on ? attr.a : "b"'), "${attr.a}");
  t.is(ev('!var.on ? attr.a : "b"'), "b");
});

test("runtime references in collections become strings that functions can use", (t) => {
  t.deepEqual(ev('[attr.x, "${var.dc}"]'), ["${attr.x}", "dc1"]);
  t.deepEqual(ev("{ dir = NOMAD_TASK_DIR }"), { dir: "${NOMAD_TASK_DIR}" });
  t.is(ev('join(",", [attr.x, "b"])'), "${attr.x},b");
  t.deepEqual(ev('[for p in var.ports : "${NOMAD_IP_http}:${p}"]'), ["${NOMAD_IP_http}:80", "${NOMAD_IP_http}:443"]);
});

test("roots present in the context still report missing attributes", (t) => {
  t.is(errorAt(() => ev("var.region")), '1:1: undefined variable "var.region"');
  t.is(errorAt(() => ev('"${local.nope}"')), '1:4: undefined variable "local.nope"');
});

test("template directives cannot wait for runtime values", (t) => {
  t.is(errorAt(() => ev('"%{ if attr.a }x%{ endif }"')), '1:8: "%{ if }" cannot depend on ${attr.a}, which is only known when the task runs');
});

test("a jobspec constraint and env block keep their runtime interpolations", (t) => {
  const src = `
constraint_attr = "\${attr.kernel.name}"
env = {
  ALLOC  = "\${NOMAD_ALLOC_DIR}/x"
  REGION = var.dc
}
`;
  t.is(evalAttribute(src, "constraint_attr", vars), "${attr.kernel.name}");
  t.deepEqual(evalAttribute(src, "env", vars), { ALLOC: "${NOMAD_ALLOC_DIR}/x", REGION: "dc1" });
});
