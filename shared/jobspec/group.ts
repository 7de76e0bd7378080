// Decodes a `group` block; the policies it writes are merged with the job's in canonicalize.ts.

import { defaultEphemeralDisk } from "../model/defaults.js";
import type { EphemeralDisk, MigrateStrategy, ReschedulePolicy, RestartPolicy, TaskGroup, UpdateStrategy, VolumeRequest } from "../model/job.js";
import {
  readAffinities, readConstraints, readMigrate, readNetworks, readReschedule, readRestart, readServices, readSpreads, readUpdate,
} from "./blocks.js";
import type { BodyReader } from "./reader.js";
import { readIntegration, readTask, type DecodedTask } from "./task.js";

/** What the group block wrote, before inheritance from the job and Nomad's defaults. */
export interface DecodedGroup {
  group: TaskGroup;
  tasks: DecodedTask[];
  restart: Partial<RestartPolicy> | undefined;
  reschedule: Partial<ReschedulePolicy> | undefined;
  update: Partial<UpdateStrategy> | undefined;
  migrate: Partial<MigrateStrategy> | undefined;
}

function readEphemeralDisk(parent: BodyReader): EphemeralDisk {
  const disk = defaultEphemeralDisk();
  const block = parent.single("ephemeral_disk");
  if (!block) return disk;
  const r = parent.child(block, "ephemeral_disk");
  disk.sizeMb = r.int("size") ?? disk.sizeMb;
  disk.sticky = r.bool("sticky") ?? false;
  disk.migrate = r.bool("migrate") ?? false;
  r.finish();
  return disk;
}

function readVolumes(parent: BodyReader): Record<string, VolumeRequest> {
  const volumes: Record<string, VolumeRequest> = {};
  for (const block of parent.blocks("volume")) {
    const name = block.labels[0] ?? "";
    parent.expectLabels(block, 1, "volume name");
    const r = parent.child(block, `volume "${name}"`);
    volumes[name] = {
      name,
      type: (r.string("type") ?? "host") as VolumeRequest["type"],
      source: r.string("source") ?? "",
      readOnly: r.bool("read_only") ?? false,
      perAlloc: r.bool("per_alloc") ?? false,
      accessMode: r.string("access_mode") ?? "",
      attachmentMode: r.string("attachment_mode") ?? "",
    };
    const mountOptions = r.single("mount_options");
    if (mountOptions) r.child(mountOptions, "mount_options").freeform();
    r.finish();
  }
  return volumes;
}

export function readGroup(r: BodyReader, name: string): DecodedGroup {
  const taskBlocks = r.blocks("task");
  const tasks = taskBlocks.map((block) => {
    const taskName = block.labels[0] ?? "";
    r.expectLabels(block, 1, "task name");
    const reader = r.child(block, `task "${taskName}"`);
    return readTask(reader, taskName);
  });
  const group: TaskGroup = {
    name,
    count: r.int("count") ?? 1,
    constraints: readConstraints(r),
    affinities: readAffinities(r),
    spreads: readSpreads(r),
    tasks: tasks.map((t) => t.task),
    restartPolicy: { attempts: 0, intervalMs: 0, delayMs: 0, mode: "fail", renderTemplates: false }, // set by canonicalize
    ephemeralDisk: readEphemeralDisk(r),
    networks: readNetworks(r),
    services: readServices(r),
    volumes: readVolumes(r),
    meta: r.stringMap("meta") ?? {},
    shutdownDelayMs: r.durationMs("shutdown_delay") ?? 0,
    preventRescheduleOnLost: r.bool("prevent_reschedule_on_lost") ?? false,
  };
  const stopAfter = r.durationMs("stop_after_client_disconnect");
  if (stopAfter !== undefined) group.stopAfterClientDisconnectMs = stopAfter;
  const maxDisconnect = r.durationMs("max_client_disconnect");
  if (maxDisconnect !== undefined) group.maxClientDisconnectMs = maxDisconnect;
  const consul = readIntegration(r, "consul");
  if (consul) group.consul = consul;
  for (const dataBlock of ["scaling", "disconnect", "vault"]) readIntegration(r, dataBlock);
  const decoded: DecodedGroup = {
    group, tasks,
    restart: readRestart(r),
    reschedule: readReschedule(r),
    update: readUpdate(r),
    migrate: readMigrate(r),
  };
  r.finish();
  return decoded;
}
