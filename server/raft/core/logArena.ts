// Entry data held in memory, copied into a few large buffers that are used again and again
// instead of one buffer per entry.
//
// V8 counts every ArrayBuffer as external memory and starts a full collection of the heap each
// time external memory has grown by 64 MB since the last one. The log keeps entries in memory for
// a minute or more, long enough for their buffers to outlive the young generation, so every 64 MB
// of log cost one marking of the whole heap: with a million allocations stored, one every 15–25 s,
// seconds of work each, although the heap itself was nowhere near its limit. Copied into reused
// chunks, a warm log allocates no external memory at all, and the buffers its entries came in (a
// proposal's encoding, a message from the leader) die young and cheaply.

interface Chunk {
  readonly bytes: Uint8Array;
  used: number;
  /** The highest entry index copied into this chunk. */
  last: number;
}

export class LogArena {
  /** Chunks holding entries, in the order they were filled; the last one is being filled. */
  private readonly filled: Chunk[] = [];
  private readonly spare: Chunk[] = [];

  /**
   * @param capacityBytes chunks made up front and kept for reuse: as much as the log holds at
   *   most in the normal course, so that it never allocates while it runs. Made at the start, they
   *   cost a few collections of a heap that is still empty, and memory only once written to.
   *   A log that grows beyond gets more chunks, and lets them go again once emptied.
   */
  constructor(private readonly capacityBytes: number, private readonly chunkBytes = 16 << 20) {
    for (let n = Math.floor(capacityBytes / chunkBytes); n > 0; n--) this.spare.push(this.newChunk());
  }

  private newChunk(): Chunk {
    return { bytes: new Uint8Array(this.chunkBytes), used: 0, last: 0 };
  }

  /** The entry's data copied into a chunk; data larger than a quarter of a chunk keeps a buffer of its own. */
  copy(index: number, data: Uint8Array): Uint8Array {
    if (data.length === 0 || data.length > this.chunkBytes / 4) return data;
    let chunk = this.filled[this.filled.length - 1];
    if (chunk === undefined || chunk.used + data.length > chunk.bytes.length) {
      chunk = this.spare.pop() ?? this.newChunk();
      chunk.used = 0;
      chunk.last = 0;
      this.filled.push(chunk);
    }
    const view = chunk.bytes.subarray(chunk.used, chunk.used + data.length);
    view.set(data);
    chunk.used += data.length;
    chunk.last = Math.max(chunk.last, index);
    return view;
  }

  /**
   * Every entry up to `index` is gone from the log: the chunks holding only such entries are
   * used again. Their data must no longer be read by anyone (see MemoryStorage.compact).
   */
  releaseThrough(index: number): void {
    while (this.filled.length > 0 && (this.filled[0] as Chunk).last <= index) {
      const chunk = this.filled.shift() as Chunk;
      if ((this.filled.length + this.spare.length + 1) * this.chunkBytes <= this.capacityBytes) this.spare.push(chunk);
    }
  }

  /** Forgets every chunk without using any again: data read from them before stays as it is. */
  reset(): void {
    this.filled.length = 0;
    this.spare.length = 0;
  }

  /** Bytes of the chunks held, filled or spare. */
  heldBytes(): number {
    return (this.filled.length + this.spare.length) * this.chunkBytes;
  }
}
