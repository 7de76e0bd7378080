// What the machine itself offers: cpu, memory, disk, kernel and OS, as Nomad's attributes.

import { execFile } from "node:child_process";
import { readFileSync, statfsSync } from "node:fs";
import os from "node:os";

export interface HostFacts {
  attributes: Record<string, string>;
  cores: number;
  cpuMhz: number;
  memoryMb: number;
  diskMb: number;
}

/** Node's arch names → Go's, which Nomad's attributes and constraints use. */
const ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386" };

function osRelease(): { name: string; version: string } {
  try {
    const text = readFileSync("/etc/os-release", "utf8");
    const field = (key: string) => new RegExp(`^${key}="?([^"\\n]*)"?$`, "m").exec(text)?.[1] ?? "";
    return { name: field("ID"), version: field("VERSION_ID") };
  } catch {
    return { name: os.platform(), version: os.release() };
  }
}

export function fingerprintHost(dataDir: string): HostFacts {
  const cpus = os.cpus();
  const cores = Math.max(1, cpus.length);
  // Some virtual machines report 0 MHz; Nomad then assumes a nominal clock.
  const mhz = Math.round(cpus[0]?.speed || 2000);
  const memoryBytes = os.totalmem();
  let diskBytes = 0;
  let freeBytes = 0;
  try {
    const stat = statfsSync(dataDir);
    diskBytes = stat.blocks * stat.bsize;
    freeBytes = stat.bavail * stat.bsize;
  } catch {
    // The data dir is created before fingerprinting; a failure here only loses the disk figures.
  }
  const release = osRelease();
  return {
    cores,
    cpuMhz: cores * mhz,
    memoryMb: Math.floor(memoryBytes / 1024 / 1024),
    diskMb: Math.floor(freeBytes / 1024 / 1024),
    attributes: {
      "cpu.arch": ARCH[os.arch()] ?? os.arch(),
      "cpu.numcores": String(cores),
      "cpu.frequency": String(mhz),
      "cpu.modelname": cpus[0]?.model.trim() ?? "",
      "cpu.totalcompute": String(cores * mhz),
      "memory.totalbytes": String(memoryBytes),
      "kernel.name": os.type().toLowerCase(),
      "kernel.version": os.release(),
      "kernel.arch": os.machine(),
      "os.name": release.name,
      "os.version": release.version,
      "unique.hostname": os.hostname(),
      "unique.storage.volume": dataDir,
      "unique.storage.bytestotal": String(diskBytes),
      "unique.storage.bytesfree": String(freeBytes),
    },
  };
}

export interface GpuFacts {
  id: string;
  name: string;
  memoryMb: number;
}

/** NVIDIA GPUs through nvidia-smi; none when it is missing or fails. */
export function fingerprintNvidia(timeoutMs = 5_000): Promise<GpuFacts[]> {
  return new Promise((resolve) => {
    execFile("nvidia-smi", ["--query-gpu=uuid,name,memory.total", "--format=csv,noheader,nounits"], { timeout: timeoutMs }, (err, stdout) => {
      if (err) return resolve([]);
      const gpus = stdout.trim().split("\n").filter((l) => l.trim() !== "").map((line) => {
        const [id = "", name = "", memory = "0"] = line.split(",").map((s) => s.trim());
        return { id, name, memoryMb: Number(memory) || 0 };
      });
      resolve(gpus);
    });
  });
}
