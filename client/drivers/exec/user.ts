// Which uid/gid a task runs as. Names are looked up in /etc/passwd, which is also the task's own
// /etc/passwd (the host's /etc is bound into its root).

import { readFile } from "node:fs/promises";

export const NOBODY = { uid: 65534, gid: 65534 };

/** `""` → nobody; `"1000"`, `"1000:1000"` or a user name; undefined when the name is unknown. */
export async function resolveUser(user: string, passwdFile = "/etc/passwd"): Promise<{ uid: number; gid: number } | undefined> {
  if (user === "") return NOBODY;
  const numeric = /^(\d+)(?::(\d+))?$/.exec(user);
  if (numeric) return { uid: Number(numeric[1]), gid: Number(numeric[2] ?? numeric[1]) };
  const passwd = await readFile(passwdFile, "utf8").catch(() => "");
  for (const line of passwd.split("\n")) {
    const [name, , uid, gid] = line.split(":");
    if (name === user && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}
