// Variables: small documents of string items stored in Raft, read and written with check-and-set.

export interface Variable {
  namespace: string;
  path: string;
  items: Record<string, string>;
  createIndex: number;
  modifyIndex: number;
  createTimeMs: number;
  modifyTimeMs: number;
}
