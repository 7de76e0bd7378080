// An allocation's index, read from its name ("<job>.<group>[<index>]") as Nomad names them.

import test from "ava";
import { allocIndex } from "../../../shared/model/index.js";

test("the index is the number in the name's closing brackets; any other name has index 0", (t) => {
  t.is(allocIndex({ name: "web.frontend[0]" }), 0);
  t.is(allocIndex({ name: "web.frontend[7]" }), 7);
  t.is(allocIndex({ name: "bench-00012.g[999]" }), 999);
  // Brackets inside the job or group name do not count; only the last pair does.
  t.is(allocIndex({ name: "a[3].b[12]" }), 12);
  for (const name of ["web.frontend", "web.frontend[]", "web.frontend[1x]", "web.frontend[-1]", "web.frontend[2] ", "", "]"]) {
    t.is(allocIndex({ name }), 0, JSON.stringify(name));
  }
});
