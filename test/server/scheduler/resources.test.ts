// Fitting a group onto a node: capacity after reserved and used resources, ports, cores, devices.

import test from "ava";
import type { Node, NodeDeviceResource, Port } from "../../../shared/model/index.js";
import { allocsFit, parsePortRanges } from "../../../server/scheduler/index.js";
import { accept, allocation, emptyPlan, engineFor, group, jobWith, MemState, node, placeMany, task, usage } from "./fixtures.js";

const port = (label: string, value = 0, hostNetwork = "default"): Port => ({ label, value, to: 0, hostNetwork });

test("each exhausted dimension is recorded under Nomad's name", (t) => {
  const state = new MemState([
    node("cpu", {}, { cpuMhz: 400 }),
    node("mem", {}, { memoryMb: 200 }),
    node("disk", {}, { diskMb: 100 }),
    node("reserved-cpu", { reserved: { cpuMhz: 3800, memoryMb: 0, diskMb: 0, reservedHostPorts: "" } }),
    node("reserved-mem", { reserved: { cpuMhz: 0, memoryMb: 8000, diskMb: 0, reservedHostPorts: "" } }),
  ]);
  const g = group("web", 1, { tasks: [task("t", {}, { cpuMhz: 500, memoryMb: 256 })] });
  const p = engineFor(state).select(jobWith(g).job, g);
  t.is(p.node, undefined);
  t.deepEqual(p.metrics.dimensionExhausted, { cpu: 2, memory: 2, disk: 1 });
  t.is(p.metrics.nodesExhausted, 5);
  t.is(p.metrics.nodesFiltered, 0);
});

test("allocations on the node use capacity; terminal ones and those the plan stops do not", (t) => {
  const n = node("n", {}, { cpuMhz: 1000, memoryMb: 1024 });
  const g = group("web", 1, { tasks: [task("t", {}, { cpuMhz: 600, memoryMb: 256 })] });
  const { job } = jobWith(g);
  const other = jobWith(group("db"), { id: "db" });
  const running = allocation("running", other.job, other.group, "n", usage(500, 256));
  const failed = allocation("failed", other.job, other.group, "n", usage(500, 256), { clientStatus: "failed" });
  const stopped = allocation("stopped", other.job, other.group, "n", usage(500, 256), { desiredStatus: "stop" });
  const state = new MemState([n], [running, failed, stopped]);
  const blocked = engineFor(state).select(job, g);
  t.is(blocked.node, undefined);
  t.deepEqual(blocked.metrics.dimensionExhausted, { cpu: 1 });
  const plan = emptyPlan();
  plan.nodeUpdate["n"] = [running];
  t.is(engineFor(state).select(job, g, plan).node?.id, "n");
});

test("the plan's own placements use capacity", (t) => {
  const state = new MemState([node("n", {}, { cpuMhz: 1000 })]);
  const g = group("web", 3, { tasks: [task("t", {}, { cpuMhz: 400 })] });
  const { job } = jobWith(g);
  const { nodeIds, placements } = placeMany(engineFor(state), job, g, 3);
  t.deepEqual(nodeIds, ["n", "n", undefined]);
  t.deepEqual(placements[2]?.metrics.dimensionExhausted, { cpu: 1 });
});

test("allocated resources carry each task's cpu and memory and the group's disk", (t) => {
  const state = new MemState([node("n")]);
  const g = group("web", 1, {
    tasks: [task("a", {}, { cpuMhz: 300, memoryMb: 128, memoryMaxMb: 512 }), task("b", {}, { cpuMhz: 200, memoryMb: 64 })],
    ephemeralDisk: { sizeMb: 1500, sticky: false, migrate: false },
  });
  const p = engineFor(state).select(jobWith(g).job, g);
  t.deepEqual(p.node ? p.resources : undefined, {
    tasks: {
      a: { cpuMhz: 300, reservedCores: [], memoryMb: 128, memoryMaxMb: 512, devices: [] },
      b: { cpuMhz: 200, reservedCores: [], memoryMb: 64, memoryMaxMb: 0, devices: [] },
    },
    diskMb: 1500,
    ports: [],
  });
});

test("cores are pinned whole, never twice, and count as their share of MHz", (t) => {
  const state = new MemState([node("n", {}, { cpuMhz: 4000, cores: 4 })]);
  const g = group("web", 3, { tasks: [task("t", {}, { cores: 2, cpuMhz: 0 })] });
  const { job } = jobWith(g);
  const { placements } = placeMany(engineFor(state), job, g, 3);
  const cores = placements.map((p) => (p.node ? p.resources.tasks["t"] : undefined));
  t.deepEqual(cores[0], { cpuMhz: 2000, reservedCores: [0, 1], memoryMb: 256, memoryMaxMb: 0, devices: [] });
  t.deepEqual(cores[1]?.reservedCores, [2, 3]);
  t.is(cores[2], undefined);
  t.deepEqual(placements[2]?.metrics.dimensionExhausted, { cores: 1 });
});

test("static ports collide with other allocations' ports and reserved host ports", (t) => {
  const other = jobWith(group("db"), { id: "db" });
  const busy = allocation("busy", other.job, other.group, "busy", usage(100, 64, { ports: [{ label: "http", value: 8080, to: 0, hostIp: "10.0.0.1" }] }));
  const state = new MemState([
    node("busy"),
    node("reserved", { reserved: { cpuMhz: 0, memoryMb: 0, diskMb: 0, reservedHostPorts: "22,8000-8100" } }),
    node("free", {}, { networks: [{ mode: "host", device: "eth0", ip: "10.0.0.9", mbits: 1000 }] }),
  ], [busy]);
  const g = group("web", 2, { networks: [{ mode: "host", mbits: 0, hostname: "", reservedPorts: [port("http", 8080)], dynamicPorts: [] }] });
  const { job } = jobWith(g);
  const { placements } = placeMany(engineFor(state), job, g, 2);
  const first = placements[0];
  t.is(first?.node?.id, "free");
  t.deepEqual(first?.node ? first.resources.ports : [], [{ label: "http", value: 8080, to: 0, hostIp: "10.0.0.9" }]);
  // The second allocation of the same group collides with the first on "free".
  t.is(placements[1]?.node, undefined);
  t.deepEqual(placements[1]?.metrics.dimensionExhausted, { "network: port collision": 3 });
});

test("dynamic ports come from 20000–32000, avoid used ports and never repeat on a node", (t) => {
  const g = group("web", 40, {
    networks: [{ mode: "host", mbits: 0, hostname: "", reservedPorts: [], dynamicPorts: [port("http"), port("admin")] }],
    tasks: [task("t", {}, { cpuMhz: 10, memoryMb: 10 })],
    ephemeralDisk: { sizeMb: 10, sticky: false, migrate: false },
  });
  const { job } = jobWith(g);
  const { placements } = placeMany(engineFor(new MemState([node("n")])), job, g, 40);
  const ports = placements.flatMap((p) => (p.node ? p.resources.ports : []));
  t.is(ports.length, 80);
  t.true(ports.every((p) => p.value >= 20000 && p.value <= 32000 && p.hostIp === "10.0.0.1"));
  t.is(new Set(ports.map((p) => p.value)).size, 80);
});

test("dynamic port selection fails when the range is used up", (t) => {
  const g = group("web", 3, { networks: [{ mode: "host", mbits: 0, hostname: "", reservedPorts: [], dynamicPorts: [port("http")] }] });
  const { job } = jobWith(g);
  const engine = engineFor(new MemState([node("n", { reserved: { cpuMhz: 0, memoryMb: 0, diskMb: 0, reservedHostPorts: "20000-20001" } })]), {
    dynamicPortMin: 20000, dynamicPortMax: 20003,
  });
  const { placements } = placeMany(engine, job, g, 3);
  const used = placements.flatMap((p) => (p.node ? p.resources.ports.map((x) => x.value) : []));
  t.deepEqual(used.sort(), [20002, 20003]);
  t.deepEqual(placements[2]?.metrics.dimensionExhausted, { "network: dynamic port selection failed": 1 });
});

test("ports on a named host network bind its address; nodes without it are filtered", (t) => {
  const state = new MemState([
    node("public", {}, { networks: [{ mode: "host", device: "eth0", ip: "10.0.0.1", mbits: 0 }, { mode: "host", device: "public", ip: "203.0.113.5", mbits: 0 }] }),
    node("private"),
  ]);
  const g = group("web", 1, { networks: [{ mode: "host", mbits: 0, hostname: "", reservedPorts: [port("https", 443, "public")], dynamicPorts: [] }] });
  const p = engineFor(state).select(jobWith(g).job, g);
  t.is(p.node?.id, "public");
  t.is(p.node ? p.resources.ports[0]?.hostIp : "", "203.0.113.5");
  t.deepEqual(p.metrics.constraintFiltered, { 'missing host network "public" for port "https"': 1 });
});

function gpus(prefix: string, count: number, attrs: Record<string, string> = {}, name = "T4"): NodeDeviceResource {
  return {
    vendor: "nvidia", type: "gpu", name,
    instances: Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, healthy: true })),
    attributes: { memory: "16 GiB", ...attrs },
  };
}

test("device instances are assigned by count, unique across allocations, and exhaust when used up", (t) => {
  const n = node("gpu", {}, { devices: [gpus("GPU", 5)] });
  const g = group("ml", 3, {
    tasks: [task("t", {}, { cpuMhz: 100, devices: [{ name: "nvidia/gpu", count: 2, constraints: [], affinities: [] }] })],
  });
  const { job } = jobWith(g);
  const { placements } = placeMany(engineFor(new MemState([n])), job, g, 3);
  const ids = placements.map((p) => (p.node ? p.resources.tasks["t"]?.devices : undefined));
  t.deepEqual(ids[0], [{ name: "nvidia/gpu/T4", deviceIds: ["GPU-0", "GPU-1"] }]);
  t.deepEqual(ids[1], [{ name: "nvidia/gpu/T4", deviceIds: ["GPU-2", "GPU-3"] }]);
  t.is(ids[2], undefined);
  t.deepEqual(placements[2]?.metrics.dimensionExhausted, { "devices: no devices match request": 1 });
});

test("device requests pick the device group whose constraints hold, by type, vendor/type or full name", (t) => {
  const n = node("gpu", {}, { devices: [gpus("small", 2, { memory: "8192 MiB" }, "T4"), gpus("big", 2, { memory: "40 GiB" }, "A100")] });
  const ask = (name: string, constraints = [] as { attribute: string; operator: "="| ">="; value: string }[]) => {
    const g = group("ml", 1, { tasks: [task("t", {}, { devices: [{ name, count: 1, constraints, affinities: [] }] })] });
    const p = engineFor(new MemState([n])).select(jobWith(g).job, g);
    return p.node ? p.resources.tasks["t"]?.devices[0]?.name : undefined;
  };
  t.is(ask("gpu"), "nvidia/gpu/T4");
  t.is(ask("nvidia/gpu/A100"), "nvidia/gpu/A100");
  t.is(ask("nvidia/gpu", [{ attribute: "${device.attr.memory}", operator: ">=", value: "32 GiB" }]), "nvidia/gpu/A100");
  t.is(ask("nvidia/gpu", [{ attribute: "${device.model}", operator: "=", value: "T4" }]), "nvidia/gpu/T4");
  t.is(ask("amd/gpu"), undefined);
});

test("device affinities choose the preferred device group and score the node", (t) => {
  const n = node("gpu", {}, { devices: [gpus("small", 2, { memory: "8 GiB" }, "T4"), gpus("big", 2, { memory: "40 GiB" }, "A100")] });
  const g = group("ml", 1, {
    tasks: [task("t", {}, {
      devices: [{ name: "nvidia/gpu", count: 1, constraints: [], affinities: [{ attribute: "${device.attr.memory}", operator: ">", value: "16 GiB", weight: 50 }] }],
    })],
  });
  const p = engineFor(new MemState([n])).select(jobWith(g).job, g);
  t.is(p.node ? p.resources.tasks["t"]?.devices[0]?.name : undefined, "nvidia/gpu/A100");
  t.is(p.node ? p.scores["devices"] : undefined, 1);
});

test("the plan applier's re-check finds overcommitted cpu, double-booked ports, cores and devices", (t) => {
  const n: Node = node("n", {}, { cpuMhz: 1000, devices: [gpus("G", 2)] });
  const { job, group: g } = jobWith(group());
  const a = (id: string, extra: Partial<ReturnType<typeof usage>>, cpu = 100) => allocation(id, job, g, "n", usage(cpu, 64, extra));
  t.deepEqual(allocsFit(n, [a("1", {}, 600), a("2", {}, 300)]), { fit: true });
  t.deepEqual(allocsFit(n, [a("1", {}, 600), a("2", {}, 500)]), { fit: false, dimension: "cpu" });
  const p80 = { ports: [{ label: "http", value: 80, to: 0, hostIp: "10.0.0.1" }] };
  t.deepEqual(allocsFit(n, [a("1", p80), a("2", p80)]), { fit: false, dimension: "network: port collision" });
  const dev = (id: string) => ({ tasks: { t: { cpuMhz: 1, reservedCores: [], memoryMb: 1, memoryMaxMb: 0, devices: [{ name: "nvidia/gpu/T4", deviceIds: [id] }] } } });
  t.deepEqual(allocsFit(n, [a("1", dev("G-0")), a("2", dev("G-1"))]), { fit: true });
  t.deepEqual(allocsFit(n, [a("1", dev("G-0")), a("2", dev("G-0"))]), { fit: false, dimension: "devices: no devices match request" });
  t.deepEqual(allocsFit(n, [a("1", dev("G-0")), a("2", dev("G-0"), 100)].map((x, i) => (i === 1 ? { ...x, desiredStatus: "stop" as const } : x))), { fit: true });
});

test("reserved host port specs parse ranges and lists", (t) => {
  t.deepEqual(parsePortRanges("22, 80,8000-8003"), [22, 80, 8000, 8001, 8002, 8003]);
  t.deepEqual(parsePortRanges(""), []);
  t.deepEqual(parsePortRanges("x,5"), [5]);
});

test("accepted placements make allocations the next placement sees", (t) => {
  const plan = emptyPlan();
  const state = new MemState([node("n", {}, { memoryMb: 400 })]);
  const g = group("web", 2);
  const { job } = jobWith(g);
  const engine = engineFor(state);
  const p = engine.select(job, g, plan);
  if (p.node === undefined) return t.fail();
  accept(plan, job, g, p);
  const second = engine.select(job, g, plan);
  t.is(second.node, undefined);
  t.deepEqual(second.metrics.dimensionExhausted, { memory: 1 });
});
