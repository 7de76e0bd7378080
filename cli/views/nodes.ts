// How client nodes read in `node status`: the list, the key = value block and the
// Allocated Resources table (what the node's live allocations hold against its capacity).

import type { Allocation, Node } from "../../shared/model/index.js";
import { isTerminalClientStatus } from "../../shared/model/index.js";
import { megabytes } from "../bytes.js";
import { shortId } from "../ids.js";
import { formatTimestamp } from "../time.js";
import { kv, table } from "./layout.js";

/** Nomad's formatDrain: "false", or "true; <deadline>[; ignoring system jobs]". */
export function drainText(node: Node): string {
  const drain = node.drainStrategy;
  if (drain === undefined) return "false";
  let text = "true";
  if (drain.deadlineMs < 0) text += "; force drain";
  else if (drain.forceDeadlineMs <= 0) text += "; no deadline";
  else text += `; ${formatTimestamp(drain.forceDeadlineMs)} deadline`;
  if (drain.ignoreSystemJobs) text += "; ignoring system jobs";
  return text;
}

export function nodeListTable(nodes: readonly Node[], verbose: boolean): string {
  const sorted = [...nodes].sort((a, b) => a.id.localeCompare(b.id));
  const rows = sorted.map((n) => {
    const head = [shortId(n.id, verbose), n.nodePool, n.datacenter, n.name, n.nodeClass];
    const tail = [String(n.drainStrategy !== undefined), n.schedulingEligibility, n.status];
    return verbose ? [...head, n.httpAddr, ...tail] : [...head, ...tail];
  });
  const header = verbose
    ? ["ID", "Node Pool", "DC", "Name", "Class", "Address", "Drain", "Eligibility", "Status"]
    : ["ID", "Node Pool", "DC", "Name", "Class", "Drain", "Eligibility", "Status"];
  return table([header, ...rows]);
}

function driverStatus(node: Node): string {
  return Object.entries(node.drivers).filter(([, d]) => d.detected && d.healthy).map(([name]) => name).sort().join(",");
}

export function nodeKeyValues(node: Node): string {
  return kv([
    ["ID", node.id],
    ["Name", node.name],
    ["Node Pool", node.nodePool],
    ["Class", node.nodeClass],
    ["DC", node.datacenter],
    ["Drain", drainText(node)],
    ["Eligibility", node.schedulingEligibility],
    ["Status", node.status],
    ["Driver Status", driverStatus(node)],
  ]);
}

/** Attributes and meta, for `node status -verbose`. */
export function nodeDetails(node: Node): string {
  const sorted = (record: Record<string, string>) => Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
  const attributes = sorted(node.attributes);
  const meta = sorted(node.meta);
  return `\nAttributes\n${attributes.length > 0 ? kv(attributes) : "<none>\n"}` +
    `\nMeta\n${meta.length > 0 ? kv(meta) : "<none>\n"}`;
}

/** Allocations that hold resources on their node: wanted running and not finished there. */
export function holdsResources(alloc: Pick<Allocation, "desiredStatus" | "clientStatus">): boolean {
  return alloc.desiredStatus === "run" && !isTerminalClientStatus(alloc.clientStatus);
}

/** `CPU  Memory  Disk` as used/total, where total is the node's capacity less what it reserves. */
export function allocatedResourcesTable(node: Node, allocs: readonly Allocation[]): string {
  let cpuMhz = 0;
  let memoryMb = 0;
  let diskMb = 0;
  for (const alloc of allocs.filter(holdsResources)) {
    for (const task of Object.values(alloc.allocatedResources.tasks)) {
      cpuMhz += task.cpuMhz;
      memoryMb += task.memoryMb;
    }
    diskMb += alloc.allocatedResources.diskMb;
  }
  const total = {
    cpuMhz: node.resources.cpuMhz - node.reserved.cpuMhz,
    memoryMb: node.resources.memoryMb - node.reserved.memoryMb,
    diskMb: node.resources.diskMb - node.reserved.diskMb,
  };
  return table([
    ["CPU", "Memory", "Disk"],
    [`${cpuMhz}/${total.cpuMhz} MHz`, `${megabytes(memoryMb)}/${megabytes(total.memoryMb)}`, `${megabytes(diskMb)}/${megabytes(total.diskMb)}`],
  ]);
}
