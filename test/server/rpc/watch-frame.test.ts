import test from "ava";
import * as pb from "../../../proto/index.js";
import { encodeWatchFrame } from "../../../server/rpc/watch-frame.js";
import { allocToClientWire } from "../../../shared/wire/index.js";
import { decodeWatchFrame } from "../../support/sim-client.js";
import { bigState } from "../state/bigstate.js";

type Frame = pb.ClientNodeWatchAllocationsResponse;

const generated = (frame: Frame): Frame => pb.ClientNodeWatchAllocationsResponse.decode(pb.ClientNodeWatchAllocationsResponse.encode(frame).finish());
const spliced = (frame: Frame): Frame => pb.ClientNodeWatchAllocationsResponse.decode(encodeWatchFrame(frame));

function allocs(n: number): pb.Allocation[] {
  return bigState({ allocs: n, perJob: 2 }).store.snapshot().allocs().map(allocToClientWire);
}

test("a complete frame decodes to what the generated encoder's bytes decode to, jobs included", (t) => {
  const allocations = allocs(5);
  const frame: Frame = {
    index: 42, allocModifyIndexes: Object.fromEntries(allocations.map((a, i) => [a.id, 10 + i])), allocations, delta: false, removedIds: [],
  };
  const decoded = spliced(frame);
  t.deepEqual(decoded, generated(frame));
  t.is(decoded.allocations.length, 5);
  for (const a of decoded.allocations) t.truthy(a.job?.taskGroups.length, "every allocation carries its job");
  // Allocations of one job share the job's bytes, and a second frame reuses them.
  t.deepEqual(spliced(frame), decoded);
});

test("a delta frame keeps its removed ids, its flag and allocations without a job", (t) => {
  const [first, second] = allocs(2) as [pb.Allocation, pb.Allocation];
  const frame: Frame = {
    index: 7, allocModifyIndexes: { [first.id]: 7 }, allocations: [first, { ...second, job: undefined }], delta: true, removedIds: ["gone-1", "gone-2"],
  };
  const decoded = spliced(frame);
  t.deepEqual(decoded, generated(frame));
  t.is(decoded.allocations[1]?.job, undefined);
  t.deepEqual(decoded.removedIds, ["gone-1", "gone-2"]);
  t.true(decoded.delta);
});

test("the simulated clients' reader sees the same frame in the spliced bytes", (t) => {
  const allocations = allocs(3);
  const frame: Frame = { index: 9, allocModifyIndexes: Object.fromEntries(allocations.map((a) => [a.id, 9])), allocations, delta: false, removedIds: [] };
  const read = decodeWatchFrame(encodeWatchFrame(frame));
  t.is(read.index, 9);
  t.is(read.allocCount, 3);
  t.deepEqual(read.allocations.map((a) => a.id), allocations.map((a) => a.id));
});

test("an empty frame is the generated encoder's bytes exactly", (t) => {
  const frame: Frame = { index: 3, allocModifyIndexes: {}, allocations: [], delta: true, removedIds: ["x"] };
  t.deepEqual(new Uint8Array(encodeWatchFrame(frame)), pb.ClientNodeWatchAllocationsResponse.encode(frame).finish());
});
