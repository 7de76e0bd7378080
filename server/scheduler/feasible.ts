// Feasibility: which nodes could run the task group at all. A source yields nodes; checkers
// are predicates that return the reason a node fails (recorded in the metrics, never thrown);
// iterators filter the stream. Checks that read only a node's class are cached per class.

import type { Constraint, Job, Node, TaskGroup } from "../../shared/model/index.js";
import type { EvalContext } from "./context.js";
import { checkConstraint } from "./operators.js";
import { devicesFeasible, hostIpFor, requestedPorts } from "./resources.js";
import { constraintString, resolveNodeTarget } from "./target.js";

export interface FeasibleIterator {
  /** The next feasible node, or undefined when the stream is exhausted. */
  next(): Node | undefined;
  /** Prepares for the next placement. */
  reset(): void;
}

/** A predicate over one node: undefined when the node passes, else why it fails. */
export interface FeasibilityChecker {
  check(node: Node): string | undefined;
}

// --- source -----------------------------------------------------------------------------------

/**
 * Yields each node once per placement, starting where the previous placement stopped and
 * wrapping around, so successive placements of one evaluation start on different nodes.
 */
export class StaticIterator implements FeasibleIterator {
  private nodes: readonly Node[] = [];
  private offset = 0;
  private seen = 0;

  constructor(private readonly ctx: EvalContext) {}

  setNodes(nodes: readonly Node[]): void {
    this.nodes = nodes;
    this.offset = 0;
    this.seen = 0;
  }

  /** Current nodes and position, to restore after a placement over a subset. */
  save(): { nodes: readonly Node[]; offset: number } {
    return { nodes: this.nodes, offset: this.offset };
  }

  restore(saved: { nodes: readonly Node[]; offset: number }): void {
    this.nodes = saved.nodes;
    this.offset = saved.offset;
    this.seen = 0;
  }

  next(): Node | undefined {
    const n = this.nodes.length;
    if (this.seen >= n) return undefined;
    const node = this.nodes[this.offset % n] as Node;
    this.offset = (this.offset + 1) % n;
    this.seen++;
    this.ctx.metrics.evaluateNode();
    return node;
  }

  reset(): void {
    this.seen = 0;
  }
}

/** `*` matches any run of characters (Nomad uses the same glob for datacenters). */
export function globMatch(pattern: string, text: string): boolean {
  const parts = pattern.split("*");
  if (parts.length === 1) return pattern === text;
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (!text.startsWith(first) || text.length < first.length + last.length) return false;
  let at = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = text.indexOf(parts[i] as string, at);
    if (found < 0) return false;
    at = found + (parts[i] as string).length;
  }
  return text.length - last.length >= at && text.endsWith(last);
}

/** A node that may receive new allocations: ready, eligible and not draining. */
export function isSchedulable(node: Node): boolean {
  return node.status === "ready" && node.schedulingEligibility === "eligible" && node.drainStrategy === undefined;
}

export function inNodePool(node: Node, pool: string): boolean {
  const wanted = pool === "" ? "default" : pool;
  return wanted === "all" || node.nodePool === wanted;
}

export interface CandidateNodes {
  /** Schedulable nodes in the job's node pool and datacenters, sorted by id. */
  nodes: Node[];
  /** Schedulable nodes in the job's node pool, any datacenter. */
  nodesInPool: number;
  /** `nodes` counted by datacenter. */
  nodesAvailable: Record<string, number>;
}

/**
 * Candidates found earlier, per node list (the state hands out one list per version of its nodes
 * table) and per node pool and datacenters: most evaluations see the same nodes as the last.
 */
const candidateCache = new WeakMap<readonly Node[], Map<string, CandidateNodes>>();

/** The job's candidate nodes; `nodes` is the caller's own copy (schedulers shuffle it). */
export function candidateNodes(all: readonly Node[], job: Pick<Job, "datacenters" | "nodePool">): CandidateNodes {
  let byJobShape = candidateCache.get(all);
  if (byJobShape === undefined) candidateCache.set(all, byJobShape = new Map());
  const shape = `${job.nodePool}\u0000${job.datacenters.join("\u0000")}`;
  let found = byJobShape.get(shape);
  if (found === undefined) byJobShape.set(shape, found = findCandidates(all, job));
  return { ...found, nodes: [...found.nodes] };
}

function findCandidates(all: readonly Node[], job: Pick<Job, "datacenters" | "nodePool">): CandidateNodes {
  const patterns = job.datacenters.length === 0 ? ["*"] : job.datacenters;
  const nodes: Node[] = [];
  const nodesAvailable: Record<string, number> = {};
  let nodesInPool = 0;
  for (const node of all) {
    if (!isSchedulable(node) || !inNodePool(node, job.nodePool)) continue;
    nodesInPool++;
    if (!patterns.some((p) => globMatch(p, node.datacenter))) continue;
    nodes.push(node);
    nodesAvailable[node.datacenter] = (nodesAvailable[node.datacenter] ?? 0) + 1;
  }
  nodes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { nodes, nodesInPool, nodesAvailable };
}

// --- checkers ---------------------------------------------------------------------------------

function truthy(value: string | undefined): boolean {
  if (value === undefined) return false;
  return ["1", "t", "true"].includes(value.trim().toLowerCase());
}

/** The node has every driver the group's tasks use, detected and healthy. */
export class DriverChecker implements FeasibilityChecker {
  private drivers: string[] = [];

  setDrivers(drivers: Iterable<string>): void {
    this.drivers = [...new Set(drivers)];
  }

  check(node: Node): string | undefined {
    for (const name of this.drivers) {
      const info = node.drivers[name];
      const ok = info !== undefined ? info.detected && info.healthy : truthy(node.attributes[`driver.${name}`]);
      if (!ok) return "missing drivers";
    }
    return undefined;
  }
}

/** Every constraint holds on the node; the first that does not is the reason. */
export class ConstraintChecker implements FeasibilityChecker {
  private constraints: readonly Constraint[] = [];

  constructor(private readonly ctx: EvalContext) {}

  setConstraints(constraints: readonly Constraint[]): void {
    this.constraints = constraints.filter((c) => c.operator !== "distinct_hosts" && c.operator !== "distinct_property");
  }

  check(node: Node): string | undefined {
    for (const c of this.constraints) {
      const l = resolveNodeTarget(c.attribute, node);
      const r = resolveNodeTarget(c.value, node);
      if (!checkConstraint(this.ctx.operators, c.operator, l, r)) return constraintString(c);
    }
    return undefined;
  }
}

/** The node has device groups that could serve every device request, usage aside. */
export class DeviceChecker implements FeasibilityChecker {
  private group: TaskGroup | undefined;
  private any = false;

  constructor(private readonly ctx: EvalContext) {}

  setTaskGroup(group: TaskGroup): void {
    this.group = group;
    this.any = group.tasks.some((t) => t.resources.devices.length > 0);
  }

  check(node: Node): string | undefined {
    if (!this.any || this.group === undefined) return undefined;
    return devicesFeasible(node, this.group, this.ctx.operators) ? undefined : "missing devices";
  }
}

/** The node has every host network the group's ports name. */
export class NetworkChecker implements FeasibilityChecker {
  private hostNetworks: { name: string; label: string }[] = [];

  setTaskGroup(group: TaskGroup): void {
    const { statics, dynamics } = requestedPorts(group);
    this.hostNetworks = [...statics, ...dynamics]
      .filter((p) => p.hostNetwork !== "" && p.hostNetwork !== "default")
      .map((p) => ({ name: p.hostNetwork, label: p.label }));
  }

  check(node: Node): string | undefined {
    for (const { name, label } of this.hostNetworks) {
      if (hostIpFor(node, name) === undefined) return `missing host network "${name}" for port "${label}"`;
    }
    return undefined;
  }
}

function firstFailure(checkers: readonly FeasibilityChecker[], node: Node): string | undefined {
  for (const checker of checkers) {
    const reason = checker.check(node);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/**
 * Runs the class-only checkers, answering from the per-class cache when a node of the same
 * class was already checked in this evaluation (unless the checks read unique values). The
 * cached verdict keeps its reason, so metrics are the same with or without the cache.
 */
export class FeasibilityWrapper implements FeasibleIterator {
  private group = "";

  constructor(
    private readonly ctx: EvalContext,
    private readonly source: FeasibleIterator,
    private readonly jobCheckers: readonly FeasibilityChecker[],
    private readonly groupCheckers: readonly FeasibilityChecker[],
  ) {}

  setTaskGroup(name: string): void {
    this.group = name;
  }

  next(): Node | undefined {
    const { eligibility, metrics } = this.ctx;
    const caching = this.ctx.options.classCaching;
    for (;;) {
      const node = this.source.next();
      if (node === undefined) return undefined;
      const cls = caching ? this.ctx.classes.of(node) : undefined;

      const jobCached = cls !== undefined && !eligibility.jobEscaped;
      const job = jobCached ? eligibility.jobVerdict(cls) : { known: false, reason: undefined };
      const jobReason = job.known ? job.reason : firstFailure(this.jobCheckers, node);
      if (jobCached && !job.known) eligibility.setJobVerdict(cls, jobReason);
      if (jobReason !== undefined) {
        metrics.filterNode(node, jobReason);
        continue;
      }

      const groupCached = cls !== undefined && !eligibility.isGroupEscaped(this.group);
      const group = groupCached ? eligibility.groupVerdict(this.group, cls) : { known: false, reason: undefined };
      const groupReason = group.known ? group.reason : firstFailure(this.groupCheckers, node);
      if (groupCached && !group.known) eligibility.setGroupVerdict(this.group, cls, groupReason);
      if (groupReason !== undefined) {
        metrics.filterNode(node, groupReason);
        continue;
      }
      return node;
    }
  }

  reset(): void {
    this.source.reset();
  }
}

// --- job-wide filters (never cached: they depend on where the job's allocations are) ---------

function distinctHostsEnabled(constraints: readonly Constraint[]): boolean {
  return constraints.some((c) => c.operator === "distinct_hosts" && (c.value === "" || truthy(c.value)));
}

/** All constraints that apply to a group: its own and its tasks'. */
export function groupConstraints(group: TaskGroup): Constraint[] {
  return [...group.constraints, ...group.tasks.flatMap((t) => t.constraints)];
}

/** distinct_hosts: no other allocation of the job (job-level) or of the group (group-level) on the node, planned ones included. */
export class DistinctHostsIterator implements FeasibleIterator {
  private job: Job | undefined;
  private group: TaskGroup | undefined;
  private jobLevel = false;
  private groupLevel = false;
  private taken: Set<string> | undefined;

  constructor(private readonly ctx: EvalContext, private readonly source: FeasibleIterator) {}

  setJob(job: Job): void {
    this.job = job;
    this.jobLevel = distinctHostsEnabled(job.constraints);
  }

  setTaskGroup(group: TaskGroup): void {
    this.group = group;
    this.groupLevel = distinctHostsEnabled(groupConstraints(group));
    this.taken = undefined;
  }

  private takenNodes(job: Job, group: TaskGroup): Set<string> {
    if (this.taken === undefined) {
      this.taken = new Set();
      for (const a of this.ctx.proposedJobAllocs(job)) {
        if (this.jobLevel || a.taskGroup === group.name) this.taken.add(a.nodeId);
      }
    }
    return this.taken;
  }

  next(): Node | undefined {
    for (;;) {
      const node = this.source.next();
      if (node === undefined || (!this.jobLevel && !this.groupLevel) || this.job === undefined || this.group === undefined) return node;
      if (!this.takenNodes(this.job, this.group).has(node.id)) return node;
      this.ctx.metrics.filterNode(node, "distinct_hosts");
    }
  }

  reset(): void {
    this.taken = undefined;
    this.source.reset();
  }
}

interface PropertySet {
  constraint: Constraint;
  /** Job-level sets count every allocation of the job, group-level ones only the group's. */
  jobLevel: boolean;
  allowed: number;
  counts: Map<string, number> | undefined;
}

/** distinct_property: at most `value` (default 1) allocations per distinct value of the property. */
export class DistinctPropertyIterator implements FeasibleIterator {
  private job: Job | undefined;
  private group: TaskGroup | undefined;
  private jobSets: PropertySet[] = [];
  private sets: PropertySet[] = [];

  constructor(private readonly ctx: EvalContext, private readonly source: FeasibleIterator) {}

  private static propertySets(constraints: readonly Constraint[], jobLevel: boolean): PropertySet[] {
    return constraints.filter((c) => c.operator === "distinct_property").map((constraint) => {
      const allowed = Number.parseInt(constraint.value, 10);
      return { constraint, jobLevel, allowed: Number.isFinite(allowed) && allowed > 0 ? allowed : 1, counts: undefined };
    });
  }

  setJob(job: Job): void {
    this.job = job;
    this.jobSets = DistinctPropertyIterator.propertySets(job.constraints, true);
  }

  setTaskGroup(group: TaskGroup): void {
    this.group = group;
    this.sets = [...this.jobSets, ...DistinctPropertyIterator.propertySets(groupConstraints(group), false)];
    for (const set of this.sets) set.counts = undefined;
  }

  private counts(set: PropertySet, job: Job, group: TaskGroup): Map<string, number> {
    if (set.counts === undefined) {
      set.counts = new Map();
      for (const a of this.ctx.proposedJobAllocs(job)) {
        if (!set.jobLevel && a.taskGroup !== group.name) continue;
        const node = this.ctx.node(a.nodeId);
        const value = node === undefined ? undefined : resolveNodeTarget(set.constraint.attribute, node);
        if (value !== undefined) set.counts.set(value, (set.counts.get(value) ?? 0) + 1);
      }
    }
    return set.counts;
  }

  private failure(node: Node, job: Job, group: TaskGroup): string | undefined {
    for (const set of this.sets) {
      const attribute = set.constraint.attribute;
      const value = resolveNodeTarget(attribute, node);
      if (value === undefined) return `missing property "${attribute}"`;
      const used = this.counts(set, job, group).get(value) ?? 0;
      if (used >= set.allowed) return `distinct_property: ${attribute}=${value} used by ${used} allocs`;
    }
    return undefined;
  }

  next(): Node | undefined {
    for (;;) {
      const node = this.source.next();
      if (node === undefined || this.sets.length === 0 || this.job === undefined || this.group === undefined) return node;
      const reason = this.failure(node, this.job, this.group);
      if (reason === undefined) return node;
      this.ctx.metrics.filterNode(node, reason);
    }
  }

  reset(): void {
    for (const set of this.sets) set.counts = undefined;
    this.source.reset();
  }
}
