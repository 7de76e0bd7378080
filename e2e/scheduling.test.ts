// Scheduling on a real 3-server cluster with simulated clients: jobs get placed and run, a client
// that stops heartbeating loses its allocations to other nodes, a drain moves allocations off a
// node within its deadline, and what cannot be placed waits in one blocked evaluation.

import test from "ava";
import * as grpc from "@grpc/grpc-js";
import * as pb from "../proto/index.js";
import type { Job, UpdateStrategy } from "../shared/model/index.js";
import { allocClientUpdateToWire, jobToWire } from "../shared/wire/index.js";
import { ReportStream } from "../client/report-stream.js";
import type { ApiClient } from "../shared/api/client.js";
import { TestCluster, waitFor } from "../test/support/cluster.js";
import { group, job, task } from "../test/support/model.js";
import { SimFleet, type SimNodeSpec } from "../test/support/sim-client.js";

const FAST_HEARTBEATS = ["-min-heartbeat-ttl", "500ms", "-heartbeat-grace", "500ms"];
const WRITE = { namespace: "", region: "" };
const RUN = pb.AllocDesiredStatus.RUN;
const RUNNING = pb.AllocClientStatus.RUNNING;

function spec(name: string, extra: Partial<SimNodeSpec> = {}): SimNodeSpec {
  return { name, cores: 4, mhzPerCore: 2500, memoryMb: 8192, diskMb: 100_000, ...extra };
}

function mockJob(id: string, count: number, overrides: Partial<Job> = {}): Job {
  return job(id, { taskGroups: [group("app", count, { tasks: [task("main", { driver: "mock" })] })], ...overrides });
}

async function register(client: ApiClient, j: Job): Promise<pb.JobsRegisterResponse> {
  return client.call(pb.JobsService.register, { job: jobToWire(j), preserveCounts: false, options: WRITE }, "write");
}

async function allocs(client: ApiClient, jobId: string): Promise<pb.AllocationStub[]> {
  return (await client.call(pb.JobsService.allocations, { jobId, all: false }, "read")).allocations;
}

const running = (list: pb.AllocationStub[]) => list.filter((a) => a.desiredStatus === RUN && a.clientStatus === RUNNING);

async function start(t: { teardown(fn: () => Promise<void>): void }, nodes: SimNodeSpec[]) {
  const cluster = await TestCluster.start({ servers: 3, flags: FAST_HEARTBEATS });
  t.teardown(() => cluster.stop());
  await cluster.waitForLeader();
  const fleet = await SimFleet.start(cluster.addresses, nodes);
  t.teardown(() => fleet.stop());
  return { cluster, fleet, client: cluster.client() };
}

test.serial("a registered job is placed, its allocations run, and the evaluation completes", async (t) => {
  const { client } = await start(t, [spec("n1"), spec("n2"), spec("n3")]);
  const res = await register(client, mockJob("web", 3));
  t.truthy(res.evalId);
  const placed = await waitFor("3 running allocations", 10_000, async () => {
    const list = running(await allocs(client, "web"));
    return list.length === 3 ? list : undefined;
  });
  // Bin-packing with job anti-affinity: three small allocations still land on distinct nodes here.
  t.is(new Set(placed.map((a) => a.name)).size, 3);
  const ev = await client.call(pb.EvaluationsService.get, { evalId: res.evalId }, "read");
  t.is(ev.evaluation?.status, pb.EvalStatus.COMPLETE);
  const got = await client.call(pb.JobsService.get, { jobId: "web" }, "read");
  t.is(got.summary?.summary["app"]?.running, 3);
});

test.serial("a client that stops heartbeating is marked down and its allocations are replaced elsewhere", async (t) => {
  const { client, fleet } = await start(t, [spec("n1"), spec("n2"), spec("n3")]);
  await register(client, mockJob("web", 2));
  const first = await waitFor("2 running", 10_000, async () => {
    const list = running(await allocs(client, "web"));
    return list.length === 2 ? list : undefined;
  });
  const victimId = first[0]?.nodeId ?? "";
  const victim = fleet.nodes.find((n) => n.id === victimId);
  fleet.stopHeartbeats(victim?.name ?? "");
  await waitFor("the node to be down", 10_000, async () => {
    const { node } = await client.call(pb.NodesService.get, { nodeId: victimId }, "read");
    return node?.status === pb.NodeStatus.DOWN ? true : undefined;
  });
  const after = await waitFor("replacements running on other nodes", 10_000, async () => {
    const list = await allocs(client, "web");
    const live = running(list).filter((a) => a.nodeId !== victimId);
    return live.length === 2 ? list : undefined;
  });
  const lost = after.filter((a) => a.nodeId === victimId);
  t.true(lost.length >= 1);
  t.true(lost.every((a) => a.clientStatus === pb.AllocClientStatus.LOST && a.desiredStatus === pb.AllocDesiredStatus.STOP));
});

test.serial("a drained node's allocations migrate within the deadline and the drain completes", async (t) => {
  const { client } = await start(t, [spec("n1"), spec("n2"), spec("n3")]);
  await register(client, mockJob("web", 6));
  const placed = await waitFor("6 running", 10_000, async () => {
    const list = running(await allocs(client, "web"));
    return list.length === 6 ? list : undefined;
  });
  const counts = new Map<string, number>();
  for (const a of placed) counts.set(a.nodeId, (counts.get(a.nodeId) ?? 0) + 1);
  const [target] = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
  const started = Date.now();
  await client.call(pb.NodesService.updateDrain, {
    nodeId: target ?? "", drain: { deadlineMs: 20_000, force: false, ignoreSystemJobs: false }, markEligible: false, options: WRITE,
  }, "write");
  await waitFor("all allocations off the drained node", 20_000, async () => {
    const live = running(await allocs(client, "web"));
    return live.length === 6 && live.every((a) => a.nodeId !== target) ? true : undefined;
  });
  t.true(Date.now() - started < 20_000);
  const node = await waitFor("the drain to complete", 5_000, async () => {
    const { node } = await client.call(pb.NodesService.get, { nodeId: target ?? "" }, "read");
    return node && !node.drainStrategy ? node : undefined;
  });
  t.is(node.schedulingEligibility, pb.SchedulingEligibility.INELIGIBLE);
});

test.serial("a job that cannot be placed gets one blocked evaluation with its placement failures, and places once capacity appears", async (t) => {
  const { cluster, client } = await start(t, [spec("n1"), spec("n2")]);
  const arm = mockJob("edge", 2, { constraints: [{ attribute: "${attr.cpu.arch}", operator: "=", value: "arm64" }] });
  const res = await register(client, arm);
  const ev = await waitFor("the evaluation to finish", 10_000, async () => {
    const { evaluation } = await client.call(pb.EvaluationsService.get, { evalId: res.evalId }, "read");
    return evaluation?.status === pb.EvalStatus.COMPLETE ? evaluation : undefined;
  });
  const failure = ev.failedTgAllocs["app"];
  t.truthy(failure);
  t.is(failure?.nodesEvaluated, 2);
  t.is(failure?.constraintFiltered["${attr.cpu.arch} = arm64"], 2);
  t.truthy(ev.blockedEval);
  // No retry storm: the job keeps exactly two evaluations (the first and the blocked one).
  await new Promise((r) => setTimeout(r, 1500));
  const evals = (await client.call(pb.JobsService.evaluations, { jobId: "edge" }, "read")).evaluations;
  t.is(evals.length, 2);
  t.is(evals.filter((e) => e.status === pb.EvalStatus.BLOCKED).length, 1);

  // An arm64 node joins: the blocked evaluation wakes and places both allocations there.
  const more = await SimFleet.start(cluster.addresses, [spec("arm1", { arch: "arm64" })]);
  t.teardown(() => more.stop());
  const placed = await waitFor("2 running on the arm64 node", 10_000, async () => {
    const list = running(await allocs(client, "edge"));
    return list.length === 2 ? list : undefined;
  });
  t.true(placed.every((a) => a.nodeId === more.nodes[0]?.id));
});

test.serial("a new version rolls out max_parallel at a time as allocations turn healthy, and the deployment succeeds", async (t) => {
  const { client } = await start(t, [spec("n1"), spec("n2"), spec("n3")]);
  const update: UpdateStrategy = { staggerMs: 0, maxParallel: 1, healthCheck: "task_states", minHealthyTimeMs: 0, healthyDeadlineMs: 60_000, progressDeadlineMs: 60_000, autoRevert: false, autoPromote: false, canary: 0 };
  const v0 = job("web", { taskGroups: [group("app", 3, { update, tasks: [task("main", { driver: "mock", config: { run_for: "0s" } })] })] });
  await register(client, v0);
  await waitFor("3 running", 10_000, async () => (running(await allocs(client, "web")).length === 3 ? true : undefined));
  const v1 = job("web", { taskGroups: [group("app", 3, { update, tasks: [task("main", { driver: "mock", config: { run_for: "1s" } })] })] });
  await register(client, v1);
  await waitFor("3 running allocations of version 1", 20_000, async () => {
    const live = running(await allocs(client, "web"));
    return live.length === 3 && live.every((a) => a.jobVersion === 1) ? true : undefined;
  });
  const deployment = await waitFor("the deployment to succeed", 10_000, async () => {
    const { deployments } = await client.call(pb.DeploymentsService.list, { prefix: "", jobId: "web" }, "read");
    const latest = deployments[0];
    return latest?.jobVersion === 1 && latest.status === pb.DeploymentStatusName.SUCCESSFUL ? latest : undefined;
  });
  t.is(deployment.taskGroups["app"]?.healthyAllocs, 3);
  const versions = await client.call(pb.JobsService.versions, { jobId: "web", diffs: true }, "read");
  t.is(versions.versions.length, 2);
  t.is(versions.diffs.length, 1);
});

test.serial("the event stream delivers a job's registration, its evaluation and its allocations, and replays from an index", async (t) => {
  const { cluster, client } = await start(t, [spec("n1")]);
  const channel = new grpc.Client(cluster.addresses[0] ?? "", grpc.credentials.createInsecure());
  t.teardown(() => channel.close());
  const method = pb.EventsService.subscribe;
  const collect = (fromIndex: number, until: (events: pb.Event[]) => boolean) => new Promise<pb.Event[]>((resolve, reject) => {
    const seen: pb.Event[] = [];
    const call = channel.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, { topics: [], fromIndex, namespace: "" });
    const timer = setTimeout(() => {
      call.cancel();
      reject(new Error(`events seen: ${seen.map((e) => e.type).join(", ")}`));
    }, 10_000);
    call.on("data", (frame: pb.EventsSubscribeResponse) => {
      seen.push(...frame.events);
      if (until(seen)) {
        clearTimeout(timer);
        call.cancel();
        resolve(seen);
      }
    });
    call.on("error", () => undefined);
  });
  const live = collect(0, (es) => es.some((e) => e.type === "AllocationUpdated" && e.payload?.$case === "allocation" && e.payload.allocation.clientStatus === RUNNING));
  await new Promise((r) => setTimeout(r, 200));
  const res = await register(client, mockJob("web", 1));
  const events = await live;
  t.true(events.some((e) => e.type === "JobRegistered" && e.key === "web"));
  t.true(events.some((e) => e.topic === pb.EventTopic.EVALUATION && e.key === res.evalId));
  t.true(events.some((e) => e.type === "AllocationCreated"));
  // A subscriber that reconnects from an index gets what it missed.
  const replay = await collect(res.meta?.index ? res.meta.index - 1 : 1, (es) => es.some((e) => e.type === "JobRegistered"));
  t.true(replay.some((e) => e.key === "web"));
});

test.serial("status reports on a stream to the leader are answered in order once committed; a follower or a wrong secret ends the stream", async (t) => {
  const { cluster, client, fleet } = await start(t, [spec("n1")]);
  await register(client, mockJob("web", 1));
  const [alloc] = await waitFor("1 running", 10_000, async () => {
    const list = running(await allocs(client, "web"));
    return list.length === 1 ? list : undefined;
  });
  const node = fleet.node("n1");
  const leader = await cluster.waitForLeader();
  const follower = cluster.servers.find((s) => s !== leader) as (typeof cluster.servers)[number];
  const channel = (address: string) => {
    const c = new grpc.Client(address, grpc.credentials.createInsecure());
    t.teardown(async () => c.close());
    return c;
  };
  const report = (description: string, secretId = node.secretId) => ({
    nodeId: node.id, secretId,
    updates: [allocClientUpdateToWire({ allocId: alloc?.id ?? "", clientStatus: "running", clientDescription: description, taskStates: {}, modifyTimeMs: Date.now() })],
  });

  const toLeader = new ReportStream(channel(leader.address), 10_000);
  t.teardown(async () => toLeader.close());
  const answers = await Promise.all([toLeader.send(report("first")), toLeader.send(report("second")), toLeader.send(report("third"))]);
  t.true(answers.every((a, i) => a.index > 0 && a.index >= (answers[i - 1]?.index ?? 0)), JSON.stringify(answers));
  const stored = await client.call(pb.AllocationsService.get, { allocId: alloc?.id ?? "" }, "read");
  t.is(stored.allocation?.clientDescription, "third");

  const toFollower = new ReportStream(channel(follower.address), 10_000);
  const refused = await t.throwsAsync(toFollower.send(report("via a follower")));
  t.is((refused as grpc.ServiceError).code, grpc.status.UNAVAILABLE);
  t.regex(refused?.message ?? "", /not the leader; the leader is /);

  const toLeaderAgain = new ReportStream(channel(leader.address), 10_000);
  t.teardown(async () => toLeaderAgain.close());
  const denied = await t.throwsAsync(toLeaderAgain.send(report("wrong secret", "not-the-secret")));
  t.is((denied as grpc.ServiceError).code, grpc.status.PERMISSION_DENIED);
  // The failed stream is gone; the next report opens a new one.
  t.true((await toLeaderAgain.send(report("fourth"))).index >= (answers[2]?.index ?? 0));
  const after = await client.call(pb.AllocationsService.get, { allocId: alloc?.id ?? "" }, "read");
  t.is(after.allocation?.clientDescription, "fourth");
});

test.serial("unknown ids get a clear not-found error and bad requests are rejected", async (t) => {
  const { client } = await start(t, [spec("n1")]);
  const notFound = async (promise: Promise<unknown>, text: RegExp) => {
    const err = await t.throwsAsync(promise);
    t.regex(err?.message ?? "", text);
  };
  await notFound(client.call(pb.JobsService.get, { jobId: "nope" }, "read"), /job "nope" not found/);
  await notFound(client.call(pb.NodesService.get, { nodeId: "0000dead" }, "read"), /node "0000dead" not found/);
  await notFound(client.call(pb.EvaluationsService.get, { evalId: "ffff" }, "read"), /evaluation "ffff" not found/);
  const bad = await t.throwsAsync(client.call(pb.JobsService.register, { job: jobToWire(mockJob("", 1)), preserveCounts: false, options: WRITE }, "write"));
  t.regex(bad?.message ?? "", /job is invalid/);
  const wrongSecret = await t.throwsAsync(client.call(pb.ClientNodeService.heartbeat, { nodeId: "x", secretId: "y", status: pb.NodeStatus.READY }, "write"));
  t.regex(wrongSecret?.message ?? "", /not found/);
  t.is((wrongSecret as unknown as grpc.ServiceError | undefined)?.code ?? grpc.status.NOT_FOUND, grpc.status.NOT_FOUND);
});

test.serial("a leader killed while jobs are being scheduled leaves every job fully placed exactly once", async (t) => {
  const { cluster, client } = await start(t, [spec("n1"), spec("n2"), spec("n3"), spec("n4")]);
  const leader = await cluster.waitForLeader();
  const jobs = Array.from({ length: 8 }, (_, i) => mockJob(`batch-${i}`, 5));
  // A registration cut off by the kill has an unknown outcome; registering the same job again is safe.
  const registering = Promise.all(jobs.map((j) => waitFor(`${j.id} registered`, 20_000, () => register(client, j))));
  await new Promise((r) => setTimeout(r, 30));
  await cluster.kill(leader);
  await registering;
  await cluster.waitForLeader(20_000, leader);
  for (const j of jobs) {
    await waitFor(`${j.id} fully running`, 20_000, async () => {
      const live = running(await allocs(client, j.id));
      return live.length === 5 ? true : undefined;
    });
  }
  for (const j of jobs) {
    const live = (await allocs(client, j.id)).filter((a) => a.desiredStatus === RUN);
    t.is(live.length, 5, `${j.id} has exactly its count of allocations`);
    t.is(new Set(live.map((a) => a.name)).size, 5);
  }
});
