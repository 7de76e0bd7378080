// Deployments track a rolling update of a service job's version.

export type DeploymentStatusName =
  | "running" | "paused" | "failed" | "successful" | "cancelled" | "pending" | "blocked" | "unblocking";

export interface DeploymentState {
  autoRevert: boolean;
  autoPromote: boolean;
  progressDeadlineMs: number;
  requireProgressByMs: number;
  promoted: boolean;
  placedCanaries: string[];
  desiredCanaries: number;
  desiredTotal: number;
  placedAllocs: number;
  healthyAllocs: number;
  unhealthyAllocs: number;
}

export interface Deployment {
  id: string;
  namespace: string;
  jobId: string;
  jobVersion: number;
  jobModifyIndex: number;
  jobCreateIndex: number;
  taskGroups: Record<string, DeploymentState>;
  status: DeploymentStatusName;
  statusDescription: string;
  createIndex: number;
  modifyIndex: number;
}

export interface DeploymentStatusUpdate {
  deploymentId: string;
  status: DeploymentStatusName;
  statusDescription: string;
}
