// How agent flags become server and client options: the advertised address and -dev's data dirs.

import test from "ava";
import os from "node:os";
import { agentCommand, serverOptionsFrom } from "../../agent/command.js";
import { clientOptionsFrom } from "../../agent/client.js";
import { parseFlags } from "../../cli/flags.js";
import { advertisedHost } from "../../shared/advertise.js";

const io = { cwd: "/work", stdout: () => {}, stderr: () => {} } as unknown as Parameters<typeof serverOptionsFrom>[1];
const flags = (...argv: string[]) => parseFlags(argv, agentCommand.flags ?? [], "agent");

test("an agent advertises its bind address, the -advertise address, or a private address when bound to 0.0.0.0", (t) => {
  t.is(advertisedHost("127.0.0.1", undefined), "127.0.0.1");
  t.is(advertisedHost("0.0.0.0", "10.1.2.3"), "10.1.2.3");
  const wildcard = advertisedHost("0.0.0.0", undefined);
  t.not(wildcard, "0.0.0.0");
  const privateIps = Object.values(os.networkInterfaces()).flat().filter((a) => a?.family === "IPv4" && !a.internal).map((a) => a?.address);
  t.is(wildcard, privateIps[0] ?? "127.0.0.1");
});

test("-advertise reaches the server's and the client's options", (t) => {
  const server = serverOptionsFrom(flags("-server", "-data-dir", "d", "-bind", "0.0.0.0", "-advertise", "10.0.0.7"), io);
  t.is(server.advertise, "10.0.0.7");
  t.is(server.bind, "0.0.0.0");
  t.is(server.dataDir, "/work/d");
  const client = clientOptionsFrom(flags("-client", "-data-dir", "c", "-servers", "10.0.0.7:4647", "-advertise", "10.0.0.8"), io);
  t.is(client.advertise, "10.0.0.8");
  t.is(client.networkIp, "10.0.0.8", "ports are published on the advertised address");
  t.false("advertise" in serverOptionsFrom(flags("-server", "-data-dir", "d"), io));
});
