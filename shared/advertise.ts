// The address an agent tells others to reach it on. An agent bound to every interface
// (0.0.0.0) cannot hand out that address, so, as Nomad does, it advertises its first private
// IPv4 address unless told which one to use.

import os from "node:os";

export function advertisedHost(bind: string, advertise: string | undefined): string {
  if (advertise) return advertise;
  if (bind !== "0.0.0.0") return bind;
  const addresses = Object.values(os.networkInterfaces()).flat().filter((a) => a !== undefined);
  return addresses.find((a) => a.family === "IPv4" && !a.internal)?.address ?? "127.0.0.1";
}
