import test from "ava";
import { Cluster } from "./support/cluster.js";

test("smoke: three servers elect a leader and replicate", (t) => {
  const c = new Cluster(["a", "b", "c"]);
  c.elect("a");
  t.deepEqual(c.propose("a", "x"), { ok: true, index: 2, term: 1 });
  c.stabilize();
  c.run(3);
  for (const id of c.ids()) t.deepEqual(c.values(id), ["x"], id);
  t.deepEqual(c.logger.warnings(), []);
});
