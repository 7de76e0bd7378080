// Allocation ids: UUID version 8 (RFC 9562's layout for custom ids) that carry their creation
// time behind 32 random bits:
//
//   rrrrrrrr-TTTT-8TTT-8TTT-TTcccrrrrrrr
//
// r: random; T: Unix milliseconds, 48 bits, most significant first; c: a counter within the
// millisecond. The random head keeps the short ids people type (the first 8 characters, as Nomad
// shows them) as distinct as random UUIDs. The rest lets the state store keep allocations in
// creation order (server/state/fsm/keys.ts allocKey): a plan's thousand placements, and the status
// updates that follow them, then land in the last few leaves of its B+ tree instead of copying a
// thousand random leaves, each of which became garbage on its next write.

import { randomUUID } from "node:crypto";

let lastMs = 0;
let counter = 0;

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, "0");
}

/** A new allocation id; the part after its random head grows with every call in this process. */
export function timeOrderedId(nowMs: number = Date.now()): string {
  if (nowMs > lastMs) {
    lastMs = nowMs;
    counter = 0;
  } else if (++counter > 0xfff) {
    // More than 4,096 ids in one millisecond (or a clock that went back): borrow the next one.
    lastMs += 1;
    counter = 0;
  }
  const t = hex(lastMs, 12);
  const random = randomUUID();
  return `${random.slice(0, 8)}-${t.slice(0, 4)}-8${t.slice(4, 7)}-8${t.slice(7, 10)}-${t.slice(10)}${hex(counter, 3)}${random.slice(29)}`;
}
