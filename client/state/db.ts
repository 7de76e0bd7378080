// The client's own state in LevelDB, so that a restarted client knows who it is, which
// allocations it runs and how to find their tasks again (driver handles) instead of restarting them.

import { ClassicLevel } from "classic-level";
import { UserError } from "../../shared/errors.js";
import type { Allocation, TaskState } from "../../shared/model/index.js";
import type { TaskHandle } from "../drivers/driver.js";
import type { NodeIdentity } from "../fingerprint/index.js";

export interface StoredAlloc {
  alloc: Allocation;
  /** The last task states reported, so a restarted client continues from them. */
  taskStates: Record<string, TaskState>;
}

const IDENTITY = "node/identity";
const ALLOC = "alloc/";
const HANDLE = "handle/";

export class ClientStateDb {
  private constructor(private readonly db: ClassicLevel<string, string>) {}

  static async open(dir: string): Promise<ClientStateDb> {
    const db = new ClassicLevel<string, string>(dir, { valueEncoding: "utf8" });
    try {
      await db.open();
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      if ((err as { code?: string }).code === "LEVEL_LOCKED" || cause?.code === "LEVEL_LOCKED") {
        throw new UserError(`the data dir ${dir} is already in use by another nomadish client`);
      }
      throw err;
    }
    return new ClientStateDb(db);
  }

  async identity(): Promise<NodeIdentity | undefined> {
    const text = await this.db.get(IDENTITY);
    return text === undefined ? undefined : (JSON.parse(text) as NodeIdentity);
  }

  async setIdentity(identity: NodeIdentity): Promise<void> {
    await this.db.put(IDENTITY, JSON.stringify(identity), { sync: true });
  }

  async allocs(): Promise<StoredAlloc[]> {
    const out: StoredAlloc[] = [];
    for await (const value of this.db.values({ gt: ALLOC, lt: `${ALLOC}\xff` })) out.push(JSON.parse(value) as StoredAlloc);
    return out;
  }

  async putAlloc(stored: StoredAlloc): Promise<void> {
    await this.db.put(ALLOC + stored.alloc.id, JSON.stringify(stored));
  }

  async deleteAlloc(allocId: string): Promise<void> {
    const batch = this.db.batch().del(ALLOC + allocId);
    for await (const key of this.db.keys({ gt: `${HANDLE}${allocId}/`, lt: `${HANDLE}${allocId}/\xff` })) batch.del(key);
    await batch.write();
  }

  async handles(allocId: string): Promise<Record<string, TaskHandle>> {
    const out: Record<string, TaskHandle> = {};
    const prefix = `${HANDLE}${allocId}/`;
    for await (const [key, value] of this.db.iterator({ gt: prefix, lt: `${prefix}\xff` })) out[key.slice(prefix.length)] = JSON.parse(value) as TaskHandle;
    return out;
  }

  /** Written durably: a task started but not recorded would be orphaned by a crash. */
  async putHandle(allocId: string, task: string, handle: TaskHandle | undefined): Promise<void> {
    const key = `${HANDLE}${allocId}/${task}`;
    if (handle) await this.db.put(key, JSON.stringify(handle), { sync: true });
    else await this.db.del(key);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
