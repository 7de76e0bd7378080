// The job specification: what a user asks the cluster to run. Field names follow Nomad's API
// (camelCase), durations are milliseconds and sizes megabytes unless the name says otherwise.

export type JobType = "service" | "batch" | "system" | "sysbatch";
export const JOB_TYPES: readonly JobType[] = ["service", "batch", "system", "sysbatch"];

export type JobStatus = "pending" | "running" | "dead";

export type ConstraintOperator =
  | "=" | "==" | "is" | "!=" | "not" | ">" | ">=" | "<" | "<="
  | "regexp" | "set_contains" | "set_contains_all" | "set_contains_any"
  | "version" | "semver" | "is_set" | "is_not_set" | "distinct_hosts" | "distinct_property";

export const CONSTRAINT_OPERATORS: readonly ConstraintOperator[] = [
  "=", "==", "is", "!=", "not", ">", ">=", "<", "<=", "regexp", "set_contains", "set_contains_all",
  "set_contains_any", "version", "semver", "is_set", "is_not_set", "distinct_hosts", "distinct_property",
];

/** Nomad's LTarget / Operand / RTarget: `attribute operator value`. */
export interface Constraint {
  attribute: string;
  operator: ConstraintOperator;
  value: string;
}

export interface Affinity {
  attribute: string;
  operator: ConstraintOperator;
  value: string;
  /** -100..100, never 0; negative weights repel. */
  weight: number;
}

export interface SpreadTarget {
  value: string;
  percent: number;
}

export interface Spread {
  attribute: string;
  weight: number;
  targets: SpreadTarget[];
}

export type RestartMode = "fail" | "delay";

export interface RestartPolicy {
  attempts: number;
  intervalMs: number;
  delayMs: number;
  mode: RestartMode;
  renderTemplates: boolean;
}

export type DelayFunction = "constant" | "exponential" | "fibonacci";

export interface ReschedulePolicy {
  attempts: number;
  intervalMs: number;
  delayMs: number;
  delayFunction: DelayFunction;
  maxDelayMs: number;
  unlimited: boolean;
}

export type HealthCheckMode = "checks" | "task_states" | "manual";

export interface UpdateStrategy {
  staggerMs: number;
  maxParallel: number;
  healthCheck: HealthCheckMode;
  minHealthyTimeMs: number;
  healthyDeadlineMs: number;
  progressDeadlineMs: number;
  autoRevert: boolean;
  autoPromote: boolean;
  canary: number;
}

export interface MigrateStrategy {
  maxParallel: number;
  healthCheck: HealthCheckMode;
  minHealthyTimeMs: number;
  healthyDeadlineMs: number;
}

export interface EphemeralDisk {
  sizeMb: number;
  sticky: boolean;
  migrate: boolean;
}

export interface Port {
  label: string;
  /** 0 asks the scheduler for a dynamic port. */
  value: number;
  /** Port inside the task's network namespace (container port); 0 means the same as `value`. */
  to: number;
  hostNetwork: string;
}

export interface NetworkResource {
  mode: string;
  mbits: number;
  reservedPorts: Port[];
  dynamicPorts: Port[];
  hostname: string;
  dns?: { servers: string[]; searches: string[]; options: string[] };
}

export interface RequestedDevice {
  /** `vendor/type/name`, `vendor/type` or `type`, e.g. "nvidia/gpu". */
  name: string;
  count: number;
  constraints: Constraint[];
  affinities: Affinity[];
}

export interface Resources {
  cpuMhz: number;
  /** Whole cores reserved instead of MHz shares; 0 when `cpu` is used. */
  cores: number;
  memoryMb: number;
  /** Upper bound for memory oversubscription; 0 means no oversubscription. */
  memoryMaxMb: number;
  diskMb: number;
  networks: NetworkResource[];
  devices: RequestedDevice[];
}

export interface CheckRestart {
  limit: number;
  graceMs: number;
  ignoreWarnings: boolean;
}

export interface ServiceCheck {
  name: string;
  type: string;
  command: string;
  args: string[];
  path: string;
  protocol: string;
  portLabel: string;
  addressMode: string;
  intervalMs: number;
  timeoutMs: number;
  method: string;
  header: Record<string, string[]>;
  body: string;
  expose: boolean;
  task: string;
  initialStatus: string;
  successBeforePassing: number;
  failuresBeforeCritical: number;
  checkRestart?: CheckRestart;
  onUpdate: string;
}

export interface Service {
  name: string;
  portLabel: string;
  provider: "consul" | "nomad";
  addressMode: string;
  address: string;
  tags: string[];
  canaryTags: string[];
  enableTagOverride: boolean;
  meta: Record<string, string>;
  canaryMeta: Record<string, string>;
  taskName: string;
  checks: ServiceCheck[];
  onUpdate: string;
  /** A Consul Connect block, accepted and kept as data. */
  connect?: Record<string, unknown>;
}

export interface Template {
  sourcePath: string;
  destPath: string;
  embeddedTmpl: string;
  changeMode: "noop" | "restart" | "signal" | "script";
  changeSignal: string;
  splayMs: number;
  perms: string;
  uid?: number;
  gid?: number;
  leftDelim: string;
  rightDelim: string;
  envvars: boolean;
  vaultGraceMs: number;
  errMissingKey: boolean;
}

export interface Artifact {
  source: string;
  destination: string;
  mode: "any" | "file" | "dir";
  options: Record<string, string>;
  headers: Record<string, string>;
}

export type LifecycleHook = "prestart" | "poststart" | "poststop";

export interface Lifecycle {
  hook: LifecycleHook;
  sidecar: boolean;
}

export interface LogConfig {
  maxFiles: number;
  maxFileSizeMb: number;
  disabled: boolean;
}

export interface DispatchPayload {
  file: string;
}

export interface VolumeRequest {
  name: string;
  type: "host" | "csi";
  source: string;
  readOnly: boolean;
  perAlloc: boolean;
  accessMode: string;
  attachmentMode: string;
}

export interface VolumeMount {
  volume: string;
  destination: string;
  readOnly: boolean;
  propagationMode: string;
}

/** Vault, Consul, identity and similar integration blocks: accepted and kept as data. */
export type IntegrationBlock = Record<string, unknown>;

export interface Task {
  name: string;
  driver: string;
  user: string;
  /** Driver-specific configuration, kept as parsed; the driver validates it. */
  config: Record<string, unknown>;
  env: Record<string, string>;
  meta: Record<string, string>;
  resources: Resources;
  restartPolicy: RestartPolicy;
  services: Service[];
  templates: Template[];
  artifacts: Artifact[];
  constraints: Constraint[];
  affinities: Affinity[];
  lifecycle?: Lifecycle;
  logConfig: LogConfig;
  killTimeoutMs: number;
  killSignal: string;
  shutdownDelayMs: number;
  leader: boolean;
  kind: string;
  dispatchPayload?: DispatchPayload;
  volumeMounts: VolumeMount[];
  vault?: IntegrationBlock;
  consul?: IntegrationBlock;
  identities: IntegrationBlock[];
}

export interface TaskGroup {
  name: string;
  count: number;
  constraints: Constraint[];
  affinities: Affinity[];
  spreads: Spread[];
  tasks: Task[];
  restartPolicy: RestartPolicy;
  reschedulePolicy?: ReschedulePolicy;
  update?: UpdateStrategy;
  migrate?: MigrateStrategy;
  ephemeralDisk: EphemeralDisk;
  networks: NetworkResource[];
  services: Service[];
  volumes: Record<string, VolumeRequest>;
  meta: Record<string, string>;
  shutdownDelayMs: number;
  stopAfterClientDisconnectMs?: number;
  maxClientDisconnectMs?: number;
  preventRescheduleOnLost: boolean;
  consul?: IntegrationBlock;
}

export interface PeriodicConfig {
  enabled: boolean;
  specs: string[];
  specType: "cron";
  prohibitOverlap: boolean;
  timeZone: string;
}

export interface ParameterizedConfig {
  payload: "optional" | "required" | "forbidden";
  metaRequired: string[];
  metaOptional: string[];
}

export interface Job {
  id: string;
  name: string;
  namespace: string;
  region: string;
  type: JobType;
  priority: number;
  allAtOnce: boolean;
  datacenters: string[];
  nodePool: string;
  constraints: Constraint[];
  affinities: Affinity[];
  spreads: Spread[];
  taskGroups: TaskGroup[];
  /** The job-level update block as written; groups hold the merged result. */
  update?: UpdateStrategy;
  periodic?: PeriodicConfig;
  parameterized?: ParameterizedConfig;
  meta: Record<string, string>;
  vault?: IntegrationBlock;
  consul?: IntegrationBlock;
  consulToken?: string;
  vaultToken?: string;
  stop: boolean;
  // Set by the servers, not by the jobspec.
  status: JobStatus;
  version: number;
  submitTimeMs: number;
  createIndex: number;
  modifyIndex: number;
  jobModifyIndex: number;
}
