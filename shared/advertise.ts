// The address an agent tells others to reach it on. An agent bound to every interface
// (0.0.0.0) cannot hand out that address, so, like Nomad, it advertises an address of its own
// — the first IPv4 address that is not loopback — unless told which one to use.

import os from "node:os";

export function advertisedHost(bind: string, advertise: string | undefined): string {
  if (advertise) return advertise;
  if (bind !== "0.0.0.0") return bind;
  const addresses = Object.values(os.networkInterfaces()).flat().filter((a) => a !== undefined);
  return addresses.find((a) => a.family === "IPv4" && !a.internal)?.address ?? "127.0.0.1";
}
