// Docker's errors, translated at the boundary into what a user can act on.

/** The daemon's own message from a dockerode error (`err.json.message`), else the error's. */
export function dockerMessage(err: unknown): string {
  const json = (err as { json?: { message?: unknown } } | undefined)?.json;
  if (json && typeof json.message === "string") return json.message.trim();
  return err instanceof Error ? err.message.trim() : String(err);
}

export function statusCode(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof code === "number" ? code : undefined;
}

/**
 * The host port in a "port taken" error: docker-proxy's `listen tcp4 127.0.0.1:8080: bind: address
 * already in use`, or docker's own `Bind for 0.0.0.0:8080 failed: port is already allocated`.
 */
export function takenPort(message: string): { address: string; port: number } | undefined {
  if (!/address already in use|port is already allocated/.test(message)) return undefined;
  const m = /(?:listen \w+ |Bind for )(\S*):(\d+)/.exec(message);
  return m ? { address: m[1] ?? "", port: Number(m[2]) } : undefined;
}
