// Node classes: nodes that agree on everything class-only checks read (datacenter, pool, class,
// attributes, meta, drivers, devices, host networks) share a class, so a check's verdict for
// one node holds for all of them. Values under `unique.` are left out — checks that read them
// "escape" the class and are never cached.

import type { Node } from "../../shared/model/index.js";
import { hashString } from "./rng.js";

function sortedEntries(record: Record<string, string>): string {
  return Object.keys(record)
    .filter((k) => !k.startsWith("unique."))
    .sort()
    .map((k) => `${k}=${record[k] ?? ""}`)
    .join("\u0001");
}

/** The fields class-only checks read, as one canonical string. */
function classText(node: Node): string {
  const drivers = Object.keys(node.drivers).sort().map((name) => {
    const d = node.drivers[name];
    return `${name}:${d?.detected === true ? 1 : 0}${d?.healthy === true ? 1 : 0}`;
  });
  const devices = node.resources.devices.map((d) =>
    `${d.vendor}/${d.type}/${d.name}:${d.instances.filter((i) => i.healthy).length}:${sortedEntries(d.attributes)}`).sort();
  const networks = node.resources.networks.map((n) => `${n.mode}/${n.device}`).sort();
  return [
    node.datacenter, node.nodePool, node.nodeClass, sortedEntries(node.attributes), sortedEntries(node.meta),
    drivers.join(","), devices.join("\u0002"), networks.join(","),
  ].join("\u0003");
}

/**
 * A node's class for feasibility caching: `v1:` and 64 bits of hash. Whoever stamps
 * `Node.computedClass` (node registration) should use this function so that blocked evaluations'
 * class eligibility and this cache agree.
 */
export function computeNodeClass(node: Node): string {
  const text = classText(node);
  const hi = hashString(text, 0x9e3779b9).toString(16).padStart(8, "0");
  const lo = hashString(text).toString(16).padStart(8, "0");
  return `v1:${hi}${lo}`;
}

/** Node rows are immutable, so a node's class is computed once per row object. */
export class NodeClassCache {
  private readonly classes = new WeakMap<Node, string>();

  of(node: Node): string {
    // Registration stamps the class with this same function; trust it rather than hash again.
    if (node.computedClass.startsWith("v1:")) return node.computedClass;
    let cls = this.classes.get(node);
    if (cls === undefined) {
      cls = computeNodeClass(node);
      this.classes.set(node, cls);
    }
    return cls;
  }
}

/** A cached verdict: undefined when eligible, else the reason every node of the class fails. */
type Verdict = string | undefined;

/**
 * Per-evaluation memory of class-only verdicts (Nomad's EvalEligibility): one table for the
 * job's constraints and one per task group for drivers, constraints, devices and networks.
 */
export class EvalEligibility {
  private readonly job = new Map<string, Verdict>();
  private readonly groups = new Map<string, Map<string, Verdict>>();
  /** Whether the job's constraints read unique values (then nothing job-level is cached). */
  jobEscaped = false;
  private readonly groupEscaped = new Map<string, boolean>();

  reset(): void {
    this.job.clear();
    this.groups.clear();
    this.groupEscaped.clear();
    this.jobEscaped = false;
  }

  jobVerdict(cls: string): { known: boolean; reason: Verdict } {
    return { known: this.job.has(cls), reason: this.job.get(cls) };
  }

  setJobVerdict(cls: string, reason: Verdict): void {
    this.job.set(cls, reason);
  }

  isGroupEscaped(group: string): boolean {
    return this.groupEscaped.get(group) ?? false;
  }

  setGroupEscaped(group: string, escaped: boolean): void {
    this.groupEscaped.set(group, escaped);
  }

  groupVerdict(group: string, cls: string): { known: boolean; reason: Verdict } {
    const table = this.groups.get(group);
    return { known: table?.has(cls) ?? false, reason: table?.get(cls) };
  }

  setGroupVerdict(group: string, cls: string, reason: Verdict): void {
    let table = this.groups.get(group);
    if (table === undefined) {
      table = new Map();
      this.groups.set(group, table);
    }
    table.set(cls, reason);
  }

  /**
   * Class eligibility for a blocked evaluation (`Evaluation.classEligibility`), as Nomad merges
   * it: a class is eligible if some group found it so, unless the job's own constraints rule it
   * out. Classes never seen are left out (a blocked evaluation treats them as possibly useful).
   */
  classEligibility(): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    for (const table of this.groups.values()) {
      for (const [cls, reason] of table) {
        if (reason === undefined) out[cls] = true;
        else if (!(cls in out)) out[cls] = false;
      }
    }
    for (const [cls, reason] of this.job) {
      if (reason !== undefined) out[cls] = false;
      else if (!(cls in out)) out[cls] = true;
    }
    return out;
  }

  /** Whether some check escaped the class (`Evaluation.escapedComputedClass`). */
  escaped(): boolean {
    return this.jobEscaped || [...this.groupEscaped.values()].some((e) => e);
  }
}
