// Client agent settings: from flags and an optional client.hcl, with Nomad's defaults. The
// overrides are how one machine stands in for different hardware in tests and demos.

export interface ClientOptions {
  /** Where the client keeps its state and the allocation directories. */
  dataDir: string;
  /** Servers to register with (host:port), tried in turn. */
  servers: string[];
  /** Defaults to the host name. */
  name: string;
  region: string;
  datacenter: string;
  nodeClass: string;
  nodePool: string;
  meta: Record<string, string>;
  /** Laid over the fingerprinted attributes, e.g. {"cpu.arch": "arm64"}. */
  attributes: Record<string, string>;
  /** Overrides of the fingerprinted capacity; undefined keeps what the machine has. */
  cpuTotalMhz?: number;
  cpuCores?: number;
  memoryMb?: number;
  diskMb?: number;
  reserved: { cpuMhz: number; memoryMb: number; diskMb: number; reservedHostPorts: string };
  /** Address the client's own API (logs, restarts) listens on; port 0 picks a free one. */
  bind: string;
  /** The address servers reach the client's API on; by default the bind address. */
  advertise?: string;
  port: number;
  /** The address allocations' ports are published on; defaults to `bind`. */
  networkIp: string;
  /** raw_exec runs tasks without isolation, so it is off unless enabled. */
  rawExecEnabled: boolean;
  /** Re-fingerprint this often and re-register when something changed. */
  fingerprintIntervalMs: number;
  /** Terminal allocations kept at most this many; older ones are garbage-collected. */
  gcMaxAllocs: number;
  /** Terminal allocations older than this are garbage-collected. */
  gcAllocAgeMs: number;
}

export const DEFAULT_CLIENT_OPTIONS = {
  region: "global",
  datacenter: "dc1",
  nodeClass: "",
  nodePool: "default",
  bind: "127.0.0.1",
  port: 0,
  rawExecEnabled: false,
  fingerprintIntervalMs: 30_000,
  gcMaxAllocs: 50,
  gcAllocAgeMs: 60 * 60_000,
};
