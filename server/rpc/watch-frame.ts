// Watch frames as bytes. Every allocation carries its job, which the client needs to run the
// tasks, and the allocations of one job share one job object: its bytes are encoded once and
// written into each allocation as they are, instead of being encoded again for every allocation
// of every frame (a million times over at a million allocations). Protobuf decoders accept a
// message field wherever it comes, so the job is written after the allocation's other fields.

import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import * as pb from "../../proto/index.js";

const ALLOCATIONS_FIELD = 3;
const JOB_FIELD = 8;

/** Encoded jobs by the wire job object they were encoded from (allocToClientWire keeps one per job). */
const jobBytes = new WeakMap<pb.Job, Uint8Array>();

function encodedJob(job: pb.Job): Uint8Array {
  let bytes = jobBytes.get(job);
  if (bytes === undefined) jobBytes.set(job, (bytes = pb.Job.encode(job).finish()));
  return bytes;
}

/**
 * One writer for every frame: a fresh one starts at 128 bytes and doubles its buffer up to the
 * frame's size, and at one small frame per placement those typed-array allocations, not the
 * encoding, were most of a frame's cost. Encoding is synchronous, so frames never share it.
 */
let writer = new BinaryWriter();
/** A writer grown past this for one large frame is let go rather than kept at that size. */
const KEPT_WRITER_BYTES = 1 << 20;

/** A frame as the generated encoder writes it, except that each allocation's job comes last in it, as bytes encoded once per job. */
export function encodeWatchFrame(frame: pb.ClientNodeWatchAllocationsResponse): Buffer {
  const w = writer;
  let bytes: Uint8Array;
  try {
    pb.ClientNodeWatchAllocationsResponse.encode({ index: frame.index, allocModifyIndexes: frame.allocModifyIndexes, allocations: [], delta: false, removedIds: [] }, w);
    for (const alloc of frame.allocations) {
      w.uint32((ALLOCATIONS_FIELD << 3) | WireType.LengthDelimited).fork();
      const { job } = alloc;
      pb.Allocation.encode(job === undefined ? alloc : { ...alloc, job: undefined }, w);
      if (job !== undefined) w.uint32((JOB_FIELD << 3) | WireType.LengthDelimited).bytes(encodedJob(job));
      w.join();
    }
    pb.ClientNodeWatchAllocationsResponse.encode({ index: 0, allocModifyIndexes: {}, allocations: [], delta: frame.delta, removedIds: frame.removedIds }, w);
  } finally {
    // finish() copies the bytes out and empties the writer, also after a failure half-way.
    bytes = w.finish();
  }
  if (bytes.byteLength > KEPT_WRITER_BYTES) writer = new BinaryWriter();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The client node service with watch frames encoded by encodeWatchFrame. */
export const clientNodeServiceDefinition: typeof pb.ClientNodeService = {
  ...pb.ClientNodeService,
  watchAllocations: { ...pb.ClientNodeService.watchAllocations, responseSerialize: encodeWatchFrame },
};
