// Fully populated domain objects: every optional block present, so a round trip through the
// wire proves each field is carried.

import type {
  AllocMetric, Allocation, Deployment, Evaluation, Job, Node, Service, Task, TaskGroup,
} from "../../../shared/model/index.js";

const MINUTE = 60_000;

/** Encodes a message to bytes and decodes it again with a generated codec. */
export function throughBytes<M>(codec: { encode(message: M): { finish(): Uint8Array }; decode(bytes: Uint8Array): M }, message: M): M {
  const bytes = codec.encode(message).finish();
  return codec.decode(bytes);
}

function webService(): Service {
  return {
    name: "web",
    portLabel: "http",
    provider: "nomad",
    addressMode: "auto",
    address: "",
    tags: ["urlprefix-/", "v2"],
    canaryTags: ["canary"],
    enableTagOverride: true,
    meta: { team: "edge" },
    canaryMeta: { canary: "yes" },
    taskName: "server",
    checks: [
      {
        name: "alive",
        type: "http",
        command: "",
        args: [],
        path: "/health",
        protocol: "http",
        portLabel: "http",
        addressMode: "host",
        intervalMs: 10_000,
        timeoutMs: 2_000,
        method: "GET",
        header: { Authorization: ["Basic abc"], "X-Multi": ["a", "b"] },
        body: "",
        expose: false,
        task: "",
        initialStatus: "critical",
        successBeforePassing: 2,
        failuresBeforeCritical: 3,
        checkRestart: { limit: 3, graceMs: 90_000, ignoreWarnings: true },
        onUpdate: "require_healthy",
      },
      {
        name: "script",
        type: "script",
        command: "/bin/check",
        args: ["-v", "--deep"],
        path: "",
        protocol: "",
        portLabel: "",
        addressMode: "",
        intervalMs: 30_000,
        timeoutMs: 5_000,
        method: "",
        header: {},
        body: "",
        expose: false,
        task: "server",
        initialStatus: "",
        successBeforePassing: 0,
        failuresBeforeCritical: 0,
        onUpdate: "ignore",
      },
    ],
    onUpdate: "require_healthy",
    connect: { sidecar_service: { proxy: { upstreams: [{ destination_name: "db", local_bind_port: 5432 }] } } },
  };
}

function serverTask(): Task {
  return {
    name: "server",
    driver: "docker",
    user: "nobody",
    config: { image: "busybox:1.36", args: ["httpd", "-f", "-p", "${NOMAD_PORT_http}"], ports: ["http"], privileged: false, nested: { n: 1.5, nil: null } },
    env: { GREETING: "hello", LEVEL: "debug" },
    meta: { owner: "web" },
    resources: {
      cpuMhz: 500,
      cores: 0,
      memoryMb: 256,
      memoryMaxMb: 512,
      diskMb: 0,
      networks: [],
      devices: [
        {
          name: "nvidia/gpu",
          count: 2,
          constraints: [{ attribute: "${device.attr.memory}", operator: ">=", value: "2 GiB" }],
          affinities: [{ attribute: "${device.model}", operator: "=", value: "Tesla T4", weight: 50 }],
        },
      ],
    },
    restartPolicy: { attempts: 2, intervalMs: 30 * MINUTE, delayMs: 15_000, mode: "delay", renderTemplates: true },
    services: [webService()],
    templates: [
      {
        sourcePath: "",
        destPath: "local/app.env",
        embeddedTmpl: "PORT={{ env \"NOMAD_PORT_http\" }}\n",
        changeMode: "signal",
        changeSignal: "SIGHUP",
        splayMs: 5_000,
        perms: "0644",
        uid: 1000,
        gid: 0,
        leftDelim: "{{",
        rightDelim: "}}",
        envvars: true,
        vaultGraceMs: 15_000,
        errMissingKey: true,
      },
    ],
    artifacts: [
      {
        source: "https://example.com/app.tar.gz",
        destination: "local/app",
        mode: "dir",
        options: { checksum: "sha256:abcd" },
        headers: { "User-Agent": "nomadish" },
      },
    ],
    constraints: [{ attribute: "${attr.kernel.name}", operator: "=", value: "linux" }],
    affinities: [{ attribute: "${node.class}", operator: "!=", value: "spot", weight: -30 }],
    logConfig: { maxFiles: 5, maxFileSizeMb: 20, disabled: false },
    killTimeoutMs: 20_000,
    killSignal: "SIGINT",
    shutdownDelayMs: 3_000,
    leader: true,
    kind: "",
    dispatchPayload: { file: "input.json" },
    volumeMounts: [{ volume: "data", destination: "/srv/data", readOnly: false, propagationMode: "private" }],
    vault: { policies: ["web"], change_mode: "restart" },
    consul: { namespace: "edge" },
    identities: [{ name: "vault_default", aud: ["vault.io"], ttl: "1h" }, { env: true, file: true }],
  };
}

function sidecarTask(): Task {
  return {
    name: "log-shipper",
    driver: "exec",
    user: "",
    config: { command: "/bin/ship", args: ["--to", "syslog"] },
    env: {},
    meta: {},
    resources: { cpuMhz: 0, cores: 1, memoryMb: 64, memoryMaxMb: 0, diskMb: 0, networks: [], devices: [] },
    restartPolicy: { attempts: 10, intervalMs: 5 * MINUTE, delayMs: 1_000, mode: "fail", renderTemplates: false },
    services: [],
    templates: [],
    artifacts: [],
    constraints: [],
    affinities: [],
    lifecycle: { hook: "prestart", sidecar: true },
    logConfig: { maxFiles: 1, maxFileSizeMb: 1, disabled: true },
    killTimeoutMs: 5_000,
    killSignal: "",
    shutdownDelayMs: 0,
    leader: false,
    kind: "",
    volumeMounts: [],
    identities: [],
  };
}

function webGroup(): TaskGroup {
  return {
    name: "web",
    count: 3,
    constraints: [
      { attribute: "", operator: "distinct_hosts", value: "true" },
      { attribute: "${meta.rack}", operator: "set_contains_any", value: "r1,r2" },
    ],
    affinities: [{ attribute: "${node.datacenter}", operator: "=", value: "dc1", weight: 100 }],
    spreads: [
      { attribute: "${node.datacenter}", weight: 70, targets: [{ value: "dc1", percent: 60 }, { value: "dc2", percent: 40 }] },
    ],
    tasks: [serverTask(), sidecarTask()],
    restartPolicy: { attempts: 2, intervalMs: 30 * MINUTE, delayMs: 15_000, mode: "fail", renderTemplates: false },
    reschedulePolicy: {
      attempts: 0, intervalMs: 0, delayMs: 30_000, delayFunction: "exponential", maxDelayMs: 60 * MINUTE, unlimited: true,
    },
    update: {
      staggerMs: 30_000, maxParallel: 2, healthCheck: "checks", minHealthyTimeMs: 10_000, healthyDeadlineMs: 5 * MINUTE,
      progressDeadlineMs: 10 * MINUTE, autoRevert: true, autoPromote: false, canary: 1,
    },
    migrate: { maxParallel: 1, healthCheck: "task_states", minHealthyTimeMs: 10_000, healthyDeadlineMs: 5 * MINUTE },
    ephemeralDisk: { sizeMb: 500, sticky: true, migrate: true },
    networks: [
      {
        mode: "bridge",
        mbits: 10,
        reservedPorts: [{ label: "admin", value: 9000, to: 0, hostNetwork: "private" }],
        dynamicPorts: [{ label: "http", value: 0, to: 8080, hostNetwork: "" }],
        hostname: "web-${NOMAD_ALLOC_INDEX}",
        dns: { servers: ["1.1.1.1"], searches: ["svc.local"], options: ["ndots:2"] },
      },
    ],
    services: [{ ...webService(), name: "web-group", taskName: "", checks: [] }],
    volumes: {
      data: {
        name: "data", type: "host", source: "web-data", readOnly: false, perAlloc: true, accessMode: "single-node-writer",
        attachmentMode: "file-system",
      },
      certs: { name: "certs", type: "csi", source: "certs", readOnly: true, perAlloc: false, accessMode: "", attachmentMode: "" },
    },
    meta: { tier: "frontend" },
    shutdownDelayMs: 5_000,
    stopAfterClientDisconnectMs: 90_000,
    maxClientDisconnectMs: 60 * MINUTE,
    preventRescheduleOnLost: true,
    consul: { cluster: "default" },
  };
}

function workerGroup(): TaskGroup {
  return {
    name: "worker",
    count: 0,
    constraints: [],
    affinities: [],
    spreads: [],
    tasks: [{ ...sidecarTask(), name: "work", lifecycle: { hook: "poststop", sidecar: false } }],
    restartPolicy: { attempts: 3, intervalMs: 24 * 60 * MINUTE, delayMs: 15_000, mode: "fail", renderTemplates: false },
    ephemeralDisk: { sizeMb: 300, sticky: false, migrate: false },
    networks: [],
    services: [],
    volumes: {},
    meta: {},
    shutdownDelayMs: 0,
    preventRescheduleOnLost: false,
  };
}

/** A job with every optional block of every level present, and two groups. */
export function fullJob(): Job {
  return {
    id: "web",
    name: "web",
    namespace: "default",
    region: "global",
    type: "service",
    priority: 70,
    allAtOnce: true,
    datacenters: ["dc1", "dc2"],
    nodePool: "default",
    constraints: [{ attribute: "${attr.cpu.arch}", operator: "regexp", value: "^(amd64|arm64)$" }],
    affinities: [{ attribute: "${meta.ssd}", operator: "is_set", value: "", weight: 25 }],
    spreads: [{ attribute: "${meta.rack}", weight: 50, targets: [] }],
    taskGroups: [webGroup(), workerGroup()],
    update: {
      staggerMs: 30_000, maxParallel: 1, healthCheck: "manual", minHealthyTimeMs: 10_000, healthyDeadlineMs: 5 * MINUTE,
      progressDeadlineMs: 10 * MINUTE, autoRevert: false, autoPromote: true, canary: 0,
    },
    periodic: { enabled: true, specs: ["*/15 * * * *", "@daily"], specType: "cron", prohibitOverlap: true, timeZone: "Europe/Paris" },
    parameterized: { payload: "required", metaRequired: ["customer"], metaOptional: ["priority"] },
    meta: { owner: "platform", "with.dot": "ok" },
    vault: { policies: ["global"] },
    consul: { namespace: "default" },
    consulToken: "consul-secret",
    vaultToken: "vault-secret",
    stop: false,
    status: "running",
    version: 4,
    submitTimeMs: 1_732_000_000_123,
    createIndex: 10,
    modifyIndex: 42,
    jobModifyIndex: 40,
  };
}

/** A job with every optional block absent. */
export function minimalJob(): Job {
  const { lifecycle: _lifecycle, ...task } = sidecarTask();
  return {
    id: "batch",
    name: "batch",
    namespace: "default",
    region: "global",
    type: "batch",
    priority: 50,
    allAtOnce: false,
    datacenters: ["*"],
    nodePool: "default",
    constraints: [],
    affinities: [],
    spreads: [],
    taskGroups: [{ ...workerGroup(), tasks: [{ ...task, config: {} }] }],
    meta: {},
    stop: true,
    status: "pending",
    version: 0,
    submitTimeMs: 0,
    createIndex: 0,
    modifyIndex: 0,
    jobModifyIndex: 0,
  };
}

/** A ready node with two kinds of GPUs, drivers and a drain in progress. */
export function gpuNode(): Node {
  return {
    id: "5f0c3e62-6a41-4d7c-9b53-2c4f3f1a9d10",
    secretId: "0d6a9c1e-secret",
    name: "gpu-1",
    datacenter: "dc1",
    nodePool: "gpu",
    nodeClass: "gpu-large",
    httpAddr: "198.18.0.11:4646",
    attributes: {
      "cpu.arch": "amd64", "cpu.numcores": "16", "kernel.name": "linux", "os.name": "debian", "unique.hostname": "gpu-1",
    },
    meta: { rack: "r1", ssd: "true" },
    resources: {
      cpuMhz: 48_000,
      cores: 16,
      memoryMb: 65_536,
      diskMb: 512_000,
      networks: [
        { mode: "host", device: "eth0", ip: "198.18.0.11", mbits: 1000 },
        { mode: "host", device: "eth1", ip: "10.0.0.11", mbits: 10_000 },
      ],
      devices: [
        {
          vendor: "nvidia",
          type: "gpu",
          name: "Tesla T4",
          instances: [{ id: "GPU-aaaa", healthy: true }, { id: "GPU-bbbb", healthy: false }],
          attributes: { memory: "16384 MiB", cuda_cores: "2560" },
        },
        {
          vendor: "nvidia",
          type: "gpu",
          name: "A100",
          instances: [{ id: "GPU-cccc", healthy: true }],
          attributes: { memory: "40960 MiB" },
        },
      ],
    },
    reserved: { cpuMhz: 500, memoryMb: 1024, diskMb: 10_000, reservedHostPorts: "22,80-90" },
    drivers: {
      docker: { detected: true, healthy: true, healthDescription: "Healthy", attributes: { "driver.docker.version": "20.10.24" } },
      raw_exec: { detected: false, healthy: false, healthDescription: "disabled", attributes: {} },
    },
    status: "ready",
    statusDescription: "",
    schedulingEligibility: "ineligible",
    drainStrategy: { deadlineMs: 60 * MINUTE, ignoreSystemJobs: true, forceDeadlineMs: 1_732_003_600_000, startedAtMs: 1_732_000_000_000 },
    computedClass: "v1:1234567890",
    statusUpdatedAtMs: 1_732_000_000_500,
    createIndex: 7,
    modifyIndex: 99,
  };
}

/** Placement metrics of a scheduling attempt that filtered and exhausted some nodes. */
export function placementMetric(): AllocMetric {
  return {
    nodesEvaluated: 12,
    nodesFiltered: 5,
    nodesInPool: 20,
    nodesAvailable: { dc1: 8, dc2: 4 },
    classFiltered: { "gpu-large": 2 },
    constraintFiltered: { "${attr.kernel.name} = linux": 3 },
    nodesExhausted: 4,
    classExhausted: { small: 4 },
    dimensionExhausted: { memory: 3, cpu: 1 },
    quotaExhausted: [],
    scoreMetaData: [
      { nodeId: "node-a", scores: { binpack: 0.61, "job-anti-affinity": -0.5 }, normScore: 0.055 },
      { nodeId: "node-b", scores: { binpack: 0.42 }, normScore: 0.42 },
    ],
    allocationTimeMs: 0.734,
    coalescedFailures: 2,
  };
}

export function allocation(): Allocation {
  return {
    id: "a1b2c3d4-0000-4000-8000-000000000001",
    namespace: "default",
    evalId: "e1e1e1e1-0000-4000-8000-000000000001",
    name: "web.web[2]",
    nodeId: gpuNode().id,
    nodeName: "gpu-1",
    jobId: "web",
    job: fullJob(),
    taskGroup: "web",
    allocatedResources: {
      tasks: {
        server: { cpuMhz: 500, reservedCores: [], memoryMb: 256, memoryMaxMb: 512, devices: [{ name: "nvidia/gpu/Tesla T4", deviceIds: ["GPU-aaaa"] }] },
        "log-shipper": { cpuMhz: 0, reservedCores: [2], memoryMb: 64, memoryMaxMb: 0, devices: [] },
      },
      diskMb: 500,
      ports: [
        { label: "http", value: 23456, to: 8080, hostIp: "198.18.0.11" },
        { label: "admin", value: 9000, to: 0, hostIp: "10.0.0.11" },
      ],
    },
    metrics: placementMetric(),
    desiredStatus: "run",
    desiredDescription: "",
    clientStatus: "running",
    clientDescription: "Tasks are running",
    taskStates: {
      server: {
        state: "running",
        failed: false,
        restarts: 1,
        lastRestartMs: 1_732_000_100_000,
        startedAtMs: 1_732_000_101_000,
        finishedAtMs: 0,
        events: [
          { type: "Received", timeMs: 1_732_000_050_000, message: "Task received by client", details: {}, failsTask: false },
          {
            type: "Terminated", timeMs: 1_732_000_099_000, message: "Exit Code: 137", details: { oom_killed: "true" },
            exitCode: 137, signal: 9, failsTask: false,
          },
          { type: "Restarting", timeMs: 1_732_000_100_000, message: "", details: { restart_reason: "Restart within policy" }, exitCode: 0, failsTask: false },
        ],
      },
      "log-shipper": {
        state: "dead", failed: true, restarts: 0, lastRestartMs: 0, startedAtMs: 1_732_000_060_000,
        finishedAtMs: 1_732_000_070_000, events: [],
      },
    },
    previousAllocation: "a1b2c3d4-0000-4000-8000-000000000000",
    nextAllocation: "",
    deploymentId: "d1d1d1d1-0000-4000-8000-000000000001",
    deploymentStatus: { healthy: true, timestampMs: 1_732_000_200_000, canary: true, modifyIndex: 120 },
    rescheduleTracker: [
      { rescheduleTimeMs: 1_732_000_000_000, prevAllocId: "prev-1", prevNodeId: "node-x", delayMs: 30_000 },
      { rescheduleTimeMs: 1_732_000_040_000, prevAllocId: "prev-2", prevNodeId: "node-y", delayMs: 60_000 },
    ],
    followupEvalId: "",
    createIndex: 100,
    modifyIndex: 130,
    allocModifyIndex: 101,
    createTimeMs: 1_732_000_000_000,
    modifyTimeMs: 1_732_000_200_000,
  };
}

export function blockedEvaluation(): Evaluation {
  return {
    id: "e1e1e1e1-0000-4000-8000-000000000001",
    namespace: "default",
    priority: 70,
    type: "service",
    triggeredBy: "job-register",
    jobId: "web",
    jobModifyIndex: 40,
    nodeId: "",
    nodeModifyIndex: 0,
    deploymentId: "d1d1d1d1-0000-4000-8000-000000000001",
    status: "blocked",
    statusDescription: "created to place remaining allocations",
    waitUntilMs: 1_732_000_030_000,
    nextEval: "",
    previousEval: "e0e0e0e0-0000-4000-8000-000000000000",
    blockedEval: "",
    failedTgAllocs: { web: placementMetric(), worker: { ...placementMetric(), scoreMetaData: [], coalescedFailures: 0 } },
    classEligibility: { "gpu-large": true, small: false },
    escapedComputedClass: true,
    queuedAllocations: { web: 2, worker: 0 },
    snapshotIndex: 41,
    createIndex: 41,
    modifyIndex: 45,
    createTimeMs: 1_732_000_000_000,
    modifyTimeMs: 1_732_000_001_000,
  };
}

export function canaryDeployment(): Deployment {
  return {
    id: "d1d1d1d1-0000-4000-8000-000000000001",
    namespace: "default",
    jobId: "web",
    jobVersion: 4,
    jobModifyIndex: 40,
    jobCreateIndex: 10,
    taskGroups: {
      web: {
        autoRevert: true,
        autoPromote: false,
        progressDeadlineMs: 10 * MINUTE,
        requireProgressByMs: 1_732_000_600_000,
        promoted: false,
        placedCanaries: ["a1b2c3d4-0000-4000-8000-000000000001"],
        desiredCanaries: 1,
        desiredTotal: 3,
        placedAllocs: 1,
        healthyAllocs: 1,
        unhealthyAllocs: 0,
      },
      worker: {
        autoRevert: false, autoPromote: false, progressDeadlineMs: 0, requireProgressByMs: 0, promoted: true,
        placedCanaries: [], desiredCanaries: 0, desiredTotal: 0, placedAllocs: 0, healthyAllocs: 0, unhealthyAllocs: 0,
      },
    },
    status: "running",
    statusDescription: "Deployment is running but requires manual promotion",
    createIndex: 41,
    modifyIndex: 125,
  };
}
