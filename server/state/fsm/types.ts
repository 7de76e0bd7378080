// The state store's vocabulary: the commands the Raft log carries, what applying one returns,
// the events it publishes, and the rows the model does not define (variables).

import type {
  AllocClientStatus, AllocClientUpdate, Allocation, Deployment, DeploymentStatusUpdate, DrainStrategy,
  Evaluation, Job, Node, NodeStatus, SchedulingEligibility, Variable,
} from "../../../shared/model/index.js";

export type { Variable };

// ---------------------------------------------------------------------------------------------
// Tables

/** Tables a blocking query can wait on; each has the index of the last write that changed it. */
export type TableName =
  | "jobs" | "jobVersions" | "jobSummaries" | "nodes" | "allocs" | "evals" | "deployments" | "variables";

export const TABLE_NAMES: readonly TableName[] = [
  "jobs", "jobVersions", "jobSummaries", "nodes", "allocs", "evals", "deployments", "variables",
];

/** Tables whose rows can be found by the first characters of their id (`nomad ... <short id>`). */
export type PrefixTable = "jobs" | "nodes" | "allocs" | "evals" | "deployments";

export interface PrefixRows {
  jobs: Job;
  nodes: Node;
  allocs: Allocation;
  evals: Evaluation;
  deployments: Deployment;
}

/** A variable's description without its items: what lists and events carry. */
export type VariableMetadata = Omit<Variable, "items">;

// ---------------------------------------------------------------------------------------------
// Commands

/** An allocation as a plan carries it: its job may be left out and is then taken from the state. */
export type AllocationInput = Omit<Allocation, "job"> & { job?: Job };

/** A plan's instruction to stop (or evict) an existing allocation, without the whole row. */
export interface AllocStop {
  allocId: string;
  /** "stop" unless given; "evict" for preemption. */
  desiredStatus?: "stop" | "evict";
  desiredDescription: string;
  /** Set by the scheduler only for allocations it declares lost or unknown. */
  clientStatus?: AllocClientStatus;
  clientDescription?: string;
  followupEvalId?: string;
  modifyTimeMs?: number;
}

/** Registers a job, creating a new version when its spec changed, and optionally an eval. */
export interface JobRegisterCommand {
  type: "job.register";
  job: Job;
  eval?: Evaluation;
}

/** Stops a job (a new version with `stop = true`), or with `purge` deletes it and its history. */
export interface JobDeregisterCommand {
  type: "job.deregister";
  namespace: string;
  jobId: string;
  purge: boolean;
  /** Submit time of the stopped version. */
  submitTimeMs?: number;
  eval?: Evaluation;
}

/** Marks a job version stable (a deployment succeeded) or not; auto-revert goes to stable ones. */
export interface JobStabilityCommand {
  type: "job.stability";
  namespace: string;
  jobId: string;
  version: number;
  stable: boolean;
}

/** Changes one task group's count, as a new job version. */
export interface JobScaleCommand {
  type: "job.scale";
  namespace: string;
  jobId: string;
  group: string;
  count: number;
  submitTimeMs?: number;
  eval?: Evaluation;
}

/** A client registers (or re-registers) its node. */
export interface NodeRegisterCommand {
  type: "node.register";
  node: Node;
  evals?: Evaluation[];
}

export interface NodeStatusCommand {
  type: "node.status";
  nodeId: string;
  status: NodeStatus;
  statusDescription?: string;
  updatedAtMs: number;
  evals?: Evaluation[];
}

export interface NodeEligibilityCommand {
  type: "node.eligibility";
  nodeId: string;
  eligibility: SchedulingEligibility;
  evals?: Evaluation[];
}

/** Starts a drain (with a strategy) or ends one (without); ending may make the node eligible. */
export interface NodeDrainCommand {
  type: "node.drain";
  nodeId: string;
  drainStrategy?: DrainStrategy;
  markEligible?: boolean;
  evals?: Evaluation[];
}

export interface NodeDeregisterCommand {
  type: "node.deregister";
  nodeIds: string[];
}

/** A whole plan result, committed at once by the plan applier. */
export interface AllocUpsertCommand {
  type: "alloc.upsert";
  /** The job of the plan; allocations without their own `job` run this one. */
  job?: Job;
  /** Allocations placed or updated in place. */
  allocs: AllocationInput[];
  stopped?: AllocStop[];
  /** Allocations evicted to make room for higher-priority ones. */
  preempted?: AllocStop[];
  deployment?: Deployment;
  deploymentUpdates?: DeploymentStatusUpdate[];
  /** Evaluations the plan creates (e.g. for jobs whose allocations were preempted). */
  evals?: Evaluation[];
  /** The evaluation that produced the plan; its modify index is bumped. */
  evalId?: string;
}

/** Clients report what their allocations are doing; only client-owned fields change. */
export interface AllocClientUpdateCommand {
  type: "alloc.clientUpdate";
  updates: AllocClientUpdate[];
  /** Follow-up evaluations, e.g. to reschedule failed allocations. */
  evals?: Evaluation[];
}

export interface EvalUpsertCommand {
  type: "eval.upsert";
  evals: Evaluation[];
}

/** Garbage collection of evaluations and the allocations they made. */
export interface EvalDeleteCommand {
  type: "eval.delete";
  evalIds: string[];
  allocIds: string[];
}

export interface DeploymentUpsertCommand {
  type: "deployment.upsert";
  deployment: Deployment;
}

export interface DeploymentStatusCommand {
  type: "deployment.status";
  updates: DeploymentStatusUpdate[];
  /** A job to register with the update, e.g. the stable version on auto-revert. */
  job?: Job;
  eval?: Evaluation;
}

/** Promotes the canaries of some (or all) task groups of a deployment. */
export interface DeploymentPromoteCommand {
  type: "deployment.promote";
  deploymentId: string;
  /** Task groups to promote; all when left out. */
  groups?: string[];
  /** When the promotion happens, to restart the progress deadline. */
  timeMs: number;
  eval?: Evaluation;
}

/** Sets the deployment health of allocations (the deployment watcher's decision or the user's). */
export interface DeploymentAllocHealthCommand {
  type: "deployment.allocHealth";
  deploymentId: string;
  healthyAllocIds: string[];
  unhealthyAllocIds: string[];
  timestampMs: number;
  update?: DeploymentStatusUpdate;
  job?: Job;
  eval?: Evaluation;
}

export interface DeploymentDeleteCommand {
  type: "deployment.delete";
  deploymentIds: string[];
}

/**
 * Writes a variable. With `checkIndex` the write is a check-and-set: 0 means the variable must
 * not exist yet, any other value must equal the variable's modify index.
 */
export interface VarPutCommand {
  type: "var.put";
  /** "default" when left out. */
  namespace?: string;
  path: string;
  items: Record<string, string>;
  checkIndex?: number;
  timeMs?: number;
}

export interface VarDeleteCommand {
  type: "var.delete";
  namespace?: string;
  path: string;
  checkIndex?: number;
}

/** Every change to the state goes through the Raft log as one of these. */
export type StateCommand =
  | JobRegisterCommand | JobDeregisterCommand | JobStabilityCommand | JobScaleCommand
  | NodeRegisterCommand | NodeStatusCommand | NodeEligibilityCommand | NodeDrainCommand | NodeDeregisterCommand
  | AllocUpsertCommand | AllocClientUpdateCommand
  | EvalUpsertCommand | EvalDeleteCommand
  | DeploymentUpsertCommand | DeploymentStatusCommand | DeploymentPromoteCommand | DeploymentAllocHealthCommand
  | DeploymentDeleteCommand
  | VarPutCommand | VarDeleteCommand;

export type StateCommandType = StateCommand["type"];

// ---------------------------------------------------------------------------------------------
// Results

export interface ApplyOk {
  ok: true;
  index: number;
  /** Ids a batch command referred to that do not exist; those parts were skipped. */
  notFound?: string[];
  /** job.register / deregister / scale: the job's modify index and version after the write. */
  jobModifyIndex?: number;
  jobVersion?: number;
  /** job.register: false when the spec was identical and no new version was stored. */
  jobChanged?: boolean;
  /** var.put: the written variable's metadata. */
  variable?: VariableMetadata;
}

export type ApplyErrorCode =
  /** A check-and-set did not match; `current` holds what is there (null: nothing). */
  | "cas-conflict"
  /** The row the command is about does not exist; nothing was changed. */
  | "not-found"
  /** The command is not allowed in the current state, or could not be decoded. */
  | "invalid"
  /** The entry's index is not above the last applied index; it was ignored. */
  | "stale-index"
  /** Applying the command failed unexpectedly (a bug); nothing was changed. */
  | "internal";

export interface ApplyFailure {
  ok: false;
  index: number;
  code: ApplyErrorCode;
  error: string;
  /** cas-conflict only. */
  current?: Variable | null;
}

export type ApplyResult = ApplyOk | ApplyFailure;

// ---------------------------------------------------------------------------------------------
// Events

export type EventTopic = "Job" | "Node" | "Allocation" | "Evaluation" | "Deployment" | "Variable";

export const EVENT_TOPICS: readonly EventTopic[] = ["Job", "Node", "Allocation", "Evaluation", "Deployment", "Variable"];

export type JobEventType = "JobRegistered" | "JobDeregistered" | "JobStatusUpdated" | "JobStabilityUpdated";
export type NodeEventType = "NodeRegistration" | "NodeDeregistration" | "NodeStatusUpdate" | "NodeEligibility" | "NodeDrain";
export type AllocationEventType =
  | "AllocationCreated" | "AllocationUpdated" | "AllocationUpdateDesiredStatus" | "AllocationDeleted";
export type EvaluationEventType = "EvaluationUpdated" | "EvaluationDeleted";
export type DeploymentEventType =
  | "DeploymentCreated" | "DeploymentUpdated" | "DeploymentStatusUpdate" | "DeploymentPromotion"
  | "DeploymentAllocHealth" | "DeploymentDeleted";
export type VariableEventType = "VariableUpserted" | "VariableDeleted";

export type EventType =
  | JobEventType | NodeEventType | AllocationEventType | EvaluationEventType | DeploymentEventType | VariableEventType;

interface EventCommon {
  /** The row's id (job id, node id, alloc id, eval id, deployment id, variable path). */
  key: string;
  /** "" for nodes, which belong to no namespace. */
  namespace: string;
  /** Raft index of the write. */
  index: number;
  /** Other keys a subscriber may filter on: the job id of an allocation, evaluation or deployment, … */
  filterKeys: string[];
}

export type StateEvent =
  | (EventCommon & { topic: "Job"; type: JobEventType; payload: { job: Job } })
  /** The node's secret id is blanked. */
  | (EventCommon & { topic: "Node"; type: NodeEventType; payload: { node: Node } })
  | (EventCommon & {
    topic: "Allocation";
    type: AllocationEventType;
    /** The stored row itself (it is never changed); subscribers outside the server see its stub. */
    payload: { allocation: Allocation };
  })
  | (EventCommon & { topic: "Evaluation"; type: EvaluationEventType; payload: { evaluation: Evaluation } })
  | (EventCommon & { topic: "Deployment"; type: DeploymentEventType; payload: { deployment: Deployment } })
  /** Items are never published, only metadata. */
  | (EventCommon & { topic: "Variable"; type: VariableEventType; payload: { variable: VariableMetadata } });

/** The events of one Raft index. */
export interface EventBatch {
  index: number;
  events: StateEvent[];
}

/** Optional logger; the store logs little (restores, skipped entries). */
export interface StateLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}
