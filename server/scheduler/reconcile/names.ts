// Allocation names: `<job>.<group>[<index>]`. New allocations take the lowest free indexes;
// a smaller count frees the highest ones.

import { allocIndex } from "../../../shared/model/index.js";

export function allocName(jobId: string, group: string, index: number): string {
  return `${jobId}.${group}[${index}]`;
}

/** The indexes in use by a group, handing out the lowest free ones. */
export class NameIndex {
  private readonly used = new Set<number>();

  constructor(private readonly jobId: string, private readonly group: string, names: Iterable<string> = []) {
    for (const name of names) this.used.add(allocIndex({ name }));
  }

  has(index: number): boolean {
    return this.used.has(index);
  }

  /** The next `n` names, lowest free indexes first, marking them used. */
  next(n: number): string[] {
    const out: string[] = [];
    for (let i = 0; out.length < n; i++) {
      if (this.used.has(i)) continue;
      this.used.add(i);
      out.push(allocName(this.jobId, this.group, i));
    }
    return out;
  }
}
