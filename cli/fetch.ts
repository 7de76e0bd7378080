// Reads the commands share, each returning domain objects (shared/model) so the views never
// see the wire types.

import * as pb from "../proto/index.js";
import type { ApiClient } from "../shared/api/client.js";
import { UserError } from "../shared/errors.js";
import type { Allocation, AllocationStub, Evaluation, Job, JobSummary, Node } from "../shared/model/index.js";
import { allocFromWire, allocStubFromWire, evalFromWire, jobFromWire, jobSummaryFromWire, nodeFromWire } from "../shared/wire/index.js";

export async function getJob(client: ApiClient, jobId: string, options: pb.QueryOptions, version?: number): Promise<{ job: Job; summary?: JobSummary }> {
  const response = await client.call(pb.JobsService.get, { jobId, ...(version === undefined ? {} : { version }), options }, "read");
  if (response.job === undefined) throw new UserError(`No job with id "${jobId}" found`);
  const job = jobFromWire(response.job);
  return response.summary === undefined ? { job } : { job, summary: jobSummaryFromWire(response.summary) };
}

export async function jobAllocations(client: ApiClient, jobId: string, all: boolean, options: pb.QueryOptions): Promise<AllocationStub[]> {
  const { allocations } = await client.call(pb.JobsService.allocations, { jobId, all, options }, "read");
  return allocations.map(allocStubFromWire);
}

export async function jobEvaluations(client: ApiClient, jobId: string, options: pb.QueryOptions): Promise<Evaluation[]> {
  const { evaluations } = await client.call(pb.JobsService.evaluations, { jobId, options }, "read");
  return evaluations.map(evalFromWire);
}

export async function getAlloc(client: ApiClient, allocId: string, options: pb.QueryOptions): Promise<Allocation> {
  const { allocation } = await client.call(pb.AllocationsService.get, { allocId, options }, "read");
  if (allocation === undefined) throw new UserError(`No allocation with id "${allocId}" found`);
  return allocFromWire(allocation);
}

export async function getNode(client: ApiClient, nodeId: string, options: pb.QueryOptions): Promise<{ node: Node; index: number }> {
  const { node, meta } = await client.call(pb.NodesService.get, { nodeId, options }, "read");
  if (node === undefined) throw new UserError(`No node with id "${nodeId}" found`);
  return { node: nodeFromWire(node), index: meta?.index ?? 0 };
}

export async function nodeAllocations(client: ApiClient, nodeId: string, options: pb.QueryOptions): Promise<{ allocs: AllocationStub[]; index: number }> {
  const { allocations, meta } = await client.call(pb.AllocationsService.list, { prefix: "", nodeId, options }, "read");
  return { allocs: allocations.map(allocStubFromWire), index: meta?.index ?? 0 };
}

export async function getEval(client: ApiClient, evalId: string, options: pb.QueryOptions): Promise<Evaluation> {
  const { evaluation } = await client.call(pb.EvaluationsService.get, { evalId, options }, "read");
  if (evaluation === undefined) throw new UserError(`No evaluation with id "${evalId}" found`);
  return evalFromWire(evaluation);
}
