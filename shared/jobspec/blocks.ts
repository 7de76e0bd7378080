// Decoders for the blocks that appear at several levels: constraint, affinity, spread, restart,
// reschedule, update, migrate, network, service, check. Each returns what was written; defaults
// and inheritance are applied by canonicalize.ts.

import type {
  Affinity, CheckRestart, Constraint, ConstraintOperator, DelayFunction, HealthCheckMode, MigrateStrategy,
  NetworkResource, Port, ReschedulePolicy, RestartPolicy, Service, ServiceCheck, Spread, UpdateStrategy,
} from "../model/job.js";
import { DEFAULT_AFFINITY_WEIGHT, DEFAULT_SPREAD_WEIGHT } from "../model/defaults.js";
import type { BodyReader } from "./reader.js";

/** `constraint[2]`-style segments for repeated unlabelled blocks, 1-based like Nomad's messages. */
export function indexed(type: string, index: number, total: number): string {
  return total > 1 ? `${type} #${index + 1}` : type;
}

/** Operators written as their own attribute: `distinct_hosts = true`, `version = ">= 1.2"`, … */
const SHORTHAND_OPERATORS = [
  "version", "semver", "regexp", "set_contains", "set_contains_any", "set_contains_all", "distinct_hosts", "distinct_property",
] as const;

function readConstraintFields(reader: BodyReader): Constraint {
  let attribute = reader.string("attribute") ?? "";
  let operator = (reader.string("operator") ?? "=") as ConstraintOperator;
  let value = reader.string("value") ?? "";
  for (const shorthand of SHORTHAND_OPERATORS) {
    if (!reader.has(shorthand)) {
      reader.value(shorthand); // still part of the vocabulary for typo hints
      continue;
    }
    if (shorthand === "distinct_hosts") {
      if (reader.bool(shorthand) === true) operator = "distinct_hosts";
    } else if (shorthand === "distinct_property") {
      operator = "distinct_property";
      attribute = reader.string(shorthand) ?? "";
    } else {
      operator = shorthand;
      value = reader.string(shorthand) ?? "";
    }
  }
  return { attribute, operator, value };
}

export function readConstraints(parent: BodyReader): Constraint[] {
  const blocks = parent.blocks("constraint");
  return blocks.map((block, i) => {
    const reader = parent.child(block, indexed("constraint", i, blocks.length));
    parent.expectLabels(block, 0, "");
    const constraint = readConstraintFields(reader);
    reader.finish();
    return constraint;
  });
}

export function readAffinities(parent: BodyReader): Affinity[] {
  const blocks = parent.blocks("affinity");
  return blocks.map((block, i) => {
    const reader = parent.child(block, indexed("affinity", i, blocks.length));
    parent.expectLabels(block, 0, "");
    const { attribute, operator, value } = readConstraintFields(reader);
    const weight = reader.int("weight") ?? DEFAULT_AFFINITY_WEIGHT;
    reader.finish();
    return { attribute, operator, value, weight };
  });
}

export function readSpreads(parent: BodyReader): Spread[] {
  const blocks = parent.blocks("spread");
  return blocks.map((block, i) => {
    const reader = parent.child(block, indexed("spread", i, blocks.length));
    parent.expectLabels(block, 0, "");
    const attribute = reader.string("attribute") ?? "";
    const weight = reader.int("weight") ?? DEFAULT_SPREAD_WEIGHT;
    const targets = reader.blocks("target").map((targetBlock) => {
      const value = targetBlock.labels[0] ?? "";
      reader.expectLabels(targetBlock, 1, "target value");
      const target = reader.child(targetBlock, `target "${value}"`);
      const percent = target.int("percent") ?? 0;
      target.finish();
      return { value, percent };
    });
    reader.finish();
    return { attribute, weight, targets };
  });
}

type Partial<T> = { [K in keyof T]?: T[K] };

/** Copies only the fields that were written, so `{ ...defaults, ...written }` merges like Nomad. */
function written<T extends object>(fields: { [K in keyof T]: T[K] | undefined }): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(fields) as (keyof T)[]) {
    if (fields[key] !== undefined) out[key] = fields[key];
  }
  return out;
}

export function readRestart(parent: BodyReader): Partial<RestartPolicy> | undefined {
  const block = parent.single("restart");
  if (!block) return undefined;
  const r = parent.child(block, "restart");
  const policy = written<RestartPolicy>({
    attempts: r.int("attempts"),
    intervalMs: r.durationMs("interval"),
    delayMs: r.durationMs("delay"),
    mode: r.string("mode") as RestartPolicy["mode"] | undefined,
    renderTemplates: r.bool("render_templates"),
  });
  r.finish();
  return policy;
}

export function readReschedule(parent: BodyReader): Partial<ReschedulePolicy> | undefined {
  const block = parent.single("reschedule");
  if (!block) return undefined;
  const r = parent.child(block, "reschedule");
  const policy = written<ReschedulePolicy>({
    attempts: r.int("attempts"),
    intervalMs: r.durationMs("interval"),
    delayMs: r.durationMs("delay"),
    delayFunction: r.string("delay_function") as DelayFunction | undefined,
    maxDelayMs: r.durationMs("max_delay"),
    unlimited: r.bool("unlimited"),
  });
  r.finish();
  return policy;
}

export function readUpdate(parent: BodyReader): Partial<UpdateStrategy> | undefined {
  const block = parent.single("update");
  if (!block) return undefined;
  const r = parent.child(block, "update");
  const strategy = written<UpdateStrategy>({
    staggerMs: r.durationMs("stagger"),
    maxParallel: r.int("max_parallel"),
    healthCheck: r.string("health_check") as HealthCheckMode | undefined,
    minHealthyTimeMs: r.durationMs("min_healthy_time"),
    healthyDeadlineMs: r.durationMs("healthy_deadline"),
    progressDeadlineMs: r.durationMs("progress_deadline"),
    autoRevert: r.bool("auto_revert"),
    autoPromote: r.bool("auto_promote"),
    canary: r.int("canary"),
  });
  r.finish();
  return strategy;
}

export function readMigrate(parent: BodyReader): Partial<MigrateStrategy> | undefined {
  const block = parent.single("migrate");
  if (!block) return undefined;
  const r = parent.child(block, "migrate");
  const strategy = written<MigrateStrategy>({
    maxParallel: r.int("max_parallel"),
    healthCheck: r.string("health_check") as HealthCheckMode | undefined,
    minHealthyTimeMs: r.durationMs("min_healthy_time"),
    healthyDeadlineMs: r.durationMs("healthy_deadline"),
  });
  r.finish();
  return strategy;
}

export function readNetworks(parent: BodyReader): NetworkResource[] {
  const blocks = parent.blocks("network");
  return blocks.map((block, i) => {
    parent.expectLabels(block, 0, "");
    const r = parent.child(block, indexed("network", i, blocks.length));
    const network: NetworkResource = {
      mode: r.string("mode") ?? "host",
      mbits: r.int("mbits") ?? 0,
      hostname: r.string("hostname") ?? "",
      reservedPorts: [],
      dynamicPorts: [],
    };
    for (const portBlock of r.blocks("port")) {
      const label = portBlock.labels[0] ?? "";
      r.expectLabels(portBlock, 1, "port label");
      const p = r.child(portBlock, `port "${label}"`);
      const value = p.int("static") ?? 0;
      const port: Port = { label, value, to: p.int("to") ?? 0, hostNetwork: p.string("host_network") ?? "default" };
      p.finish();
      (value > 0 ? network.reservedPorts : network.dynamicPorts).push(port);
    }
    const dnsBlock = r.single("dns");
    if (dnsBlock) {
      const d = r.child(dnsBlock, "dns");
      network.dns = { servers: d.stringList("servers") ?? [], searches: d.stringList("searches") ?? [], options: d.stringList("options") ?? [] };
      d.finish();
    }
    r.finish();
    return network;
  });
}

/** A check_restart block, allowed in a check or in a service (then it applies to all its checks). */
function readCheckRestart(r: BodyReader): CheckRestart | undefined {
  const block = r.single("check_restart");
  if (!block) return undefined;
  const cr = r.child(block, "check_restart");
  const checkRestart = { limit: cr.int("limit") ?? 0, graceMs: cr.durationMs("grace") ?? 1000, ignoreWarnings: cr.bool("ignore_warnings") ?? false };
  cr.finish();
  return checkRestart;
}

function readCheck(r: BodyReader, serviceCheckRestart: CheckRestart | undefined): ServiceCheck {
  const checkRestart = readCheckRestart(r) ?? serviceCheckRestart;
  const header: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(r.stringMap("header") ?? {})) header[key] = [value];
  const check: ServiceCheck = {
    name: r.string("name") ?? "",
    type: r.string("type") ?? "",
    command: r.string("command") ?? "",
    args: r.stringList("args") ?? [],
    path: r.string("path") ?? "",
    protocol: r.string("protocol") ?? "",
    portLabel: r.string("port") ?? "",
    addressMode: r.string("address_mode") ?? "host",
    intervalMs: r.durationMs("interval") ?? 0,
    timeoutMs: r.durationMs("timeout") ?? 0,
    method: r.string("method") ?? "",
    header,
    body: r.string("body") ?? "",
    expose: r.bool("expose") ?? false,
    task: r.string("task") ?? "",
    initialStatus: r.string("initial_status") ?? "",
    successBeforePassing: r.int("success_before_passing") ?? 0,
    failuresBeforeCritical: r.int("failures_before_critical") ?? 0,
    onUpdate: r.string("on_update") ?? "require_healthy",
  };
  for (const name of ["tls_skip_verify", "grpc_use_tls"]) r.bool(name);
  for (const name of ["grpc_service", "tls_server_name"]) r.string(name);
  if (checkRestart) check.checkRestart = checkRestart;
  return check;
}

export function readServices(parent: BodyReader): Service[] {
  const blocks = parent.blocks("service");
  return blocks.map((block, i) => {
    parent.expectLabels(block, 0, "");
    const r = parent.child(block, indexed("service", i, blocks.length));
    const checkBlocks = r.blocks("check");
    const serviceCheckRestart = readCheckRestart(r);
    const service: Service = {
      name: r.string("name") ?? "",
      portLabel: r.string("port") ?? "",
      provider: (r.string("provider") ?? "consul") as Service["provider"],
      addressMode: r.string("address_mode") ?? "auto",
      address: r.string("address") ?? "",
      tags: r.stringList("tags") ?? [],
      canaryTags: r.stringList("canary_tags") ?? [],
      enableTagOverride: r.bool("enable_tag_override") ?? false,
      meta: r.stringMap("meta") ?? {},
      canaryMeta: r.stringMap("canary_meta") ?? {},
      taskName: r.string("task") ?? "",
      onUpdate: r.string("on_update") ?? "require_healthy",
      checks: checkBlocks.map((checkBlock, j) => {
        r.expectLabels(checkBlock, 0, "");
        const c = r.child(checkBlock, indexed("check", j, checkBlocks.length));
        const check = readCheck(c, serviceCheckRestart);
        c.finish();
        return check;
      }),
    };
    const connect = r.single("connect");
    if (connect) service.connect = r.child(connect, "connect").freeform();
    r.stringMap("tagged_addresses");
    const identity = r.single("identity");
    if (identity) r.child(identity, "identity").freeform();
    r.finish();
    return service;
  });
}
