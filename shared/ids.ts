// Identifiers that sort by creation time: UUID version 7 (RFC 9562), a 48-bit Unix millisecond
// timestamp, then a 12-bit counter within the millisecond, then random bits.
//
// The state store keeps rows in copy-on-write B+ trees ordered by id. Random (version 4) ids put
// each of a plan's thousand new allocations in a different leaf, so every write copied about a
// thousand leaves, and each copy became garbage the next time its leaf was written. Ids made
// in order land in the last few leaves, and so do the status updates that follow them soon after.

import { randomUUID } from "node:crypto";

let lastMs = 0;
let counter = 0;

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, "0");
}

/** A new UUIDv7: later calls in this process return greater ids (as strings). */
export function timeOrderedId(nowMs: number = Date.now()): string {
  if (nowMs > lastMs) {
    lastMs = nowMs;
    counter = 0;
  } else if (++counter > 0xfff) {
    // More than 4,096 ids in one millisecond (or a clock that went back): borrow the next one.
    lastMs += 1;
    counter = 0;
  }
  const time = hex(lastMs, 12);
  // The variant and 62 random bits: the tail of a random (version 4) UUID, "-yxxx-xxxxxxxxxxxx".
  return `${time.slice(0, 8)}-${time.slice(8)}-7${hex(counter, 3)}${randomUUID().slice(18)}`;
}
