// Decodes a `task` block into a Task (defaults applied; restart inheritance is canonicalize.ts's).

import { defaultLogConfig, defaultResources, DEFAULT_KILL_TIMEOUT_MS } from "../model/defaults.js";
import type {
  Artifact, IntegrationBlock, Lifecycle, LifecycleHook, RequestedDevice, Resources, Task, Template, VolumeMount,
} from "../model/job.js";
import { indexed, readAffinities, readConstraints, readNetworks, readRestart, readServices } from "./blocks.js";
import type { BodyReader } from "./reader.js";

export interface DecodedTask {
  task: Task;
  /** The task's own restart block, merged over the group's by canonicalize.ts. */
  restart: ReturnType<typeof readRestart>;
}

function readResources(parent: BodyReader): Resources {
  const resources = defaultResources();
  const block = parent.single("resources");
  if (!block) return resources;
  const r = parent.child(block, "resources");
  resources.cpuMhz = r.int("cpu") ?? resources.cpuMhz;
  resources.cores = r.int("cores") ?? 0;
  if (resources.cores > 0 && !r.has("cpu")) resources.cpuMhz = 0;
  resources.memoryMb = r.int("memory") ?? resources.memoryMb;
  resources.memoryMaxMb = r.int("memory_max") ?? 0;
  resources.diskMb = r.int("disk") ?? 0;
  r.int("iops"); // accepted for compatibility; Nomad ignores it too
  resources.networks = readNetworks(r);
  resources.devices = r.blocks("device").map((deviceBlock) => {
    const name = deviceBlock.labels[0] ?? "";
    r.expectLabels(deviceBlock, 1, "device name");
    const d = r.child(deviceBlock, `device "${name}"`);
    const device: RequestedDevice = { name, count: d.int("count") ?? 1, constraints: readConstraints(d), affinities: readAffinities(d) };
    d.finish();
    return device;
  });
  const numa = r.single("numa");
  if (numa) r.child(numa, "numa").freeform();
  r.finish();
  return resources;
}

function readTemplates(parent: BodyReader): Template[] {
  const blocks = parent.blocks("template");
  return blocks.map((block, i) => {
    parent.expectLabels(block, 0, "");
    const r = parent.child(block, indexed("template", i, blocks.length));
    const template: Template = {
      sourcePath: r.string("source") ?? "",
      destPath: r.string("destination") ?? "",
      embeddedTmpl: r.string("data") ?? "",
      changeMode: (r.string("change_mode") ?? "restart") as Template["changeMode"],
      changeSignal: r.string("change_signal") ?? "",
      splayMs: r.durationMs("splay") ?? 5000,
      perms: r.string("perms") ?? "0644",
      leftDelim: r.string("left_delimiter") ?? "{{",
      rightDelim: r.string("right_delimiter") ?? "}}",
      envvars: r.bool("env") ?? false,
      vaultGraceMs: r.durationMs("vault_grace") ?? 0,
      errMissingKey: r.bool("error_on_missing_key") ?? false,
    };
    const uid = r.int("uid");
    const gid = r.int("gid");
    if (uid !== undefined) template.uid = uid;
    if (gid !== undefined) template.gid = gid;
    for (const dataBlock of ["change_script", "wait"]) {
      const b = r.single(dataBlock);
      if (b) r.child(b, dataBlock).freeform();
    }
    r.finish();
    return template;
  });
}

function readArtifacts(parent: BodyReader): Artifact[] {
  const blocks = parent.blocks("artifact");
  return blocks.map((block, i) => {
    parent.expectLabels(block, 0, "");
    const r = parent.child(block, indexed("artifact", i, blocks.length));
    const artifact: Artifact = {
      source: r.string("source") ?? "",
      destination: r.string("destination") ?? "local/",
      mode: (r.string("mode") ?? "any") as Artifact["mode"],
      options: r.stringMap("options") ?? {},
      headers: r.stringMap("headers") ?? {},
    };
    r.finish();
    return artifact;
  });
}

function readLifecycle(parent: BodyReader): Lifecycle | undefined {
  const block = parent.single("lifecycle");
  if (!block) return undefined;
  const r = parent.child(block, "lifecycle");
  const lifecycle = { hook: (r.string("hook") ?? "") as LifecycleHook, sidecar: r.bool("sidecar") ?? false };
  r.finish();
  return lifecycle;
}

function readVolumeMounts(parent: BodyReader): VolumeMount[] {
  const blocks = parent.blocks("volume_mount");
  return blocks.map((block, i) => {
    parent.expectLabels(block, 0, "");
    const r = parent.child(block, indexed("volume_mount", i, blocks.length));
    const mount: VolumeMount = {
      volume: r.string("volume") ?? "",
      destination: r.string("destination") ?? "",
      readOnly: r.bool("read_only") ?? false,
      propagationMode: r.string("propagation_mode") ?? "private",
    };
    r.finish();
    return mount;
  });
}

/** Vault, Consul and similar blocks: kept as data for the integrations that read them. */
export function readIntegration(parent: BodyReader, type: string): IntegrationBlock | undefined {
  const block = parent.single(type);
  return block ? parent.child(block, type).freeform() : undefined;
}

export function readTask(r: BodyReader, name: string): DecodedTask {
  const configBlock = r.single("config");
  const logsBlock = r.single("logs");
  const logConfig = defaultLogConfig();
  if (logsBlock) {
    const l = r.child(logsBlock, "logs");
    logConfig.maxFiles = l.int("max_files") ?? logConfig.maxFiles;
    logConfig.maxFileSizeMb = l.int("max_file_size") ?? logConfig.maxFileSizeMb;
    const enabled = l.bool("enabled");
    logConfig.disabled = l.bool("disabled") ?? (enabled === undefined ? false : !enabled);
    l.finish();
  }
  const task: Task = {
    name,
    driver: r.string("driver") ?? "",
    user: r.string("user") ?? "",
    config: configBlock ? r.child(configBlock, "config").freeform() : {},
    env: r.stringMap("env") ?? {},
    meta: r.stringMap("meta") ?? {},
    resources: readResources(r),
    restartPolicy: { attempts: 0, intervalMs: 0, delayMs: 0, mode: "fail", renderTemplates: false }, // set by canonicalize
    services: readServices(r),
    templates: readTemplates(r),
    artifacts: readArtifacts(r),
    constraints: readConstraints(r),
    affinities: readAffinities(r),
    logConfig,
    killTimeoutMs: r.durationMs("kill_timeout") ?? DEFAULT_KILL_TIMEOUT_MS,
    killSignal: r.string("kill_signal") ?? "",
    shutdownDelayMs: r.durationMs("shutdown_delay") ?? 0,
    leader: r.bool("leader") ?? false,
    kind: r.string("kind") ?? "",
    volumeMounts: readVolumeMounts(r),
    identities: r.blocks("identity").map((block) => r.child(block, "identity").freeform()),
  };
  const restart = readRestart(r);
  const lifecycle = readLifecycle(r);
  if (lifecycle) task.lifecycle = lifecycle;
  const payload = r.single("dispatch_payload");
  if (payload) {
    const p = r.child(payload, "dispatch_payload");
    task.dispatchPayload = { file: p.string("file") ?? "" };
    p.finish();
  }
  const vault = readIntegration(r, "vault");
  if (vault) task.vault = vault;
  const consul = readIntegration(r, "consul");
  if (consul) task.consul = consul;
  for (const dataBlock of ["scaling", "csi_plugin", "schedule"]) readIntegration(r, dataBlock);
  for (const action of r.blocks("action")) r.child(action, `action "${action.labels[0] ?? ""}"`).freeform();
  r.finish();
  return { task, restart };
}
