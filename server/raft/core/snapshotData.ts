// Reading a snapshot's bytes the same way whether they are in memory or behind a source.

import type { SnapshotData, SnapshotSource } from "./types.js";

export function isSnapshotSource(data: unknown): data is SnapshotSource {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return false;
  const d = data as Partial<SnapshotSource>;
  return typeof d.bytes === "number" && Number.isSafeInteger(d.bytes) && d.bytes >= 0 && typeof d.chunks === "function";
}

/** Total size of a snapshot's bytes, without reading them. */
export function snapshotBytes(data: SnapshotData): number {
  if (isSnapshotSource(data)) return data.bytes;
  let n = 0;
  for (const chunk of data as readonly Uint8Array[]) n += chunk.length;
  return n;
}

/** A snapshot's chunks in order, one at a time (read from the source when it is one). */
export function snapshotChunks(data: SnapshotData): AsyncIterable<Uint8Array> {
  if (isSnapshotSource(data)) return data.chunks();
  const chunks = data as readonly Uint8Array[];
  return (async function* inMemory() {
    for (const chunk of chunks) yield chunk;
  })();
}
