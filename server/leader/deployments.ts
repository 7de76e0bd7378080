// The deployment watcher (Nomad's deploymentwatcher), run by the leader: it moves rolling
// updates along as allocations turn healthy, promotes canaries when auto_promote says so, marks
// a deployment successful (and its job version stable) or failed (reverting with auto_revert).

import type { Deployment, Evaluation, Job } from "../../shared/model/index.js";
import type { Logger } from "../../shared/log.js";
import type { StateCommand, StateSnapshot, StateStore } from "../state/index.js";
import { newEval } from "./evals.js";

export interface DeploymentWatcherModules {
  store: StateStore;
  write(command: StateCommand): void;
  logger: Logger;
}

const ACTIVE = new Set(["running", "pending", "blocked", "unblocking"]);

export class DeploymentWatcher {
  /** Per deployment: the healthy count the last follow-up evaluation was made for. */
  private readonly healthySeen = new Map<string, number>();
  /** Deployment → its modify index when a decision was written: not decided again until it changes. */
  private readonly decided = new Map<string, number>();

  constructor(private readonly modules: DeploymentWatcherModules) {}

  tick(): void {
    const snap = this.modules.store.snapshot();
    const live = new Set<string>();
    for (const d of snap.deployments()) {
      if (!ACTIVE.has(d.status)) continue;
      live.add(d.id);
      if (this.decided.get(d.id) !== d.modifyIndex) this.watch(snap, d);
    }
    for (const id of this.healthySeen.keys()) if (!live.has(id)) this.healthySeen.delete(id);
    for (const id of this.decided.keys()) if (!live.has(id)) this.decided.delete(id);
  }

  private watch(snap: StateSnapshot, d: Deployment): void {
    const job = snap.job(d.namespace, d.jobId);
    // A newer version cancels this deployment when it is scheduled; nothing to do here.
    if (!job || job.version !== d.jobVersion || job.stop) return;
    const groups = Object.entries(d.taskGroups);
    const nowMs = Date.now();
    const unhealthy = groups.some(([, s]) => s.unhealthyAllocs > 0);
    const late = groups.some(([, s]) => s.requireProgressByMs > 0 && nowMs > s.requireProgressByMs && s.healthyAllocs < s.desiredTotal);
    if (unhealthy || late) {
      this.fail(snap, d, job, unhealthy ? "Failed due to unhealthy allocations" : "Failed due to progress deadline");
      return;
    }
    const done = groups.every(([, s]) => s.healthyAllocs >= s.desiredTotal && (s.desiredCanaries === 0 || s.promoted));
    if (done) {
      this.decided.set(d.id, d.modifyIndex);
      this.modules.logger.info("deployment successful", { deploymentId: d.id, job: d.jobId, version: d.jobVersion });
      this.modules.write({ type: "deployment.status", updates: [{ deploymentId: d.id, status: "successful", statusDescription: "Deployment completed successfully" }] });
      this.modules.write({ type: "job.stability", namespace: d.namespace, jobId: d.jobId, version: d.jobVersion, stable: true });
      return;
    }
    const canariesReady = groups.every(([, s]) => s.desiredCanaries === 0 || s.promoted || this.healthyCanaries(snap, d, s.placedCanaries) >= s.desiredCanaries);
    const waitingForPromotion = groups.some(([, s]) => s.desiredCanaries > 0 && !s.promoted);
    if (waitingForPromotion && canariesReady && groups.every(([, s]) => s.desiredCanaries === 0 || s.autoPromote)) {
      this.decided.set(d.id, d.modifyIndex);
      this.modules.write({ type: "deployment.promote", deploymentId: d.id, timeMs: nowMs, eval: newEval(job, "deployment-watcher", { deploymentId: d.id }) });
      return;
    }
    // More allocations turned healthy: the scheduler may replace the next batch now.
    const healthy = groups.reduce((n, [, s]) => n + s.healthyAllocs, 0);
    if (healthy > (this.healthySeen.get(d.id) ?? 0)) {
      this.healthySeen.set(d.id, healthy);
      this.modules.write({ type: "eval.upsert", evals: [newEval(job, "deployment-watcher", { deploymentId: d.id })] });
    }
  }

  private healthyCanaries(snap: StateSnapshot, d: Deployment, ids: readonly string[]): number {
    const wanted = new Set(ids);
    return snap.allocsByDeployment(d.id).filter((a) => wanted.has(a.id) && a.deploymentStatus?.healthy === true && a.desiredStatus === "run").length;
  }

  private fail(snap: StateSnapshot, d: Deployment, job: Job, why: string): void {
    this.decided.set(d.id, d.modifyIndex);
    const autoRevert = Object.values(d.taskGroups).some((s) => s.autoRevert);
    const stable = autoRevert ? snap.latestStableJobVersion(d.namespace, d.jobId) : undefined;
    const revertTo = stable && stable.version !== job.version ? stable : undefined;
    const description = revertTo ? `${why} - rolling back to job version ${revertTo.version}` : why;
    this.modules.logger.warn("deployment failed", { deploymentId: d.id, job: d.jobId, why: description });
    const target: Job = revertTo ? { ...revertTo, submitTimeMs: Date.now(), stop: false } : job;
    const ev: Evaluation = newEval(target, "deployment-watcher", { deploymentId: d.id });
    this.modules.write({
      type: "deployment.status", updates: [{ deploymentId: d.id, status: "failed", statusDescription: description }],
      ...(revertTo ? { job: target } : {}), eval: ev,
    });
  }
}
