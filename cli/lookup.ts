// Finding the job, allocation, node or evaluation a user named by id or id prefix: the servers
// list what matches, and pickByPrefix decides (one match, an exact id, or "Prefix matched
// multiple …" with the list).

import * as pb from "../proto/index.js";
import type { ApiClient } from "../shared/api/client.js";
import { UserError } from "../shared/errors.js";
import type { AllocationStub, Evaluation, JobListStub, Node } from "../shared/model/index.js";
import { allocStubFromWire, evalFromWire, jobListStubFromWire, nodeFromWire } from "../shared/wire/index.js";
import { pickByPrefix } from "./ids.js";
import { allocListTable } from "./views/allocs.js";
import { evalListTable } from "./views/evals.js";
import { jobListTable } from "./views/jobs.js";
import { nodeListTable } from "./views/nodes.js";

/** UUID prefixes of one character match too much to be meant; Nomad refuses them too. */
function checkIdPrefix(prefix: string): void {
  if (prefix.length === 1) throw new UserError("Identifier must contain at least two characters.");
}

export async function findJob(client: ApiClient, prefix: string, options: pb.QueryOptions): Promise<JobListStub> {
  const { jobs } = await client.call(pb.JobsService.list, { prefix, options }, "read");
  return pickByPrefix({
    singular: "job", plural: "jobs", prefix, matches: jobs.map(jobListStubFromWire), id: (j) => j.id, table: jobListTable,
  });
}

export async function findAlloc(client: ApiClient, prefix: string, options: pb.QueryOptions): Promise<AllocationStub> {
  checkIdPrefix(prefix);
  const { allocations } = await client.call(pb.AllocationsService.list, { prefix, nodeId: "", options }, "read");
  return pickByPrefix({
    singular: "allocation", plural: "allocations", prefix, matches: allocations.map(allocStubFromWire), id: (a) => a.id,
    table: (matches) => allocListTable(matches, { verbose: false, nowMs: Date.now() }),
  });
}

export async function findNode(client: ApiClient, prefix: string, options: pb.QueryOptions): Promise<Node> {
  checkIdPrefix(prefix);
  const { nodes } = await client.call(pb.NodesService.list, { prefix, options }, "read");
  return pickByPrefix({
    singular: "node", plural: "nodes", prefix, matches: nodes.map(nodeFromWire), id: (n) => n.id,
    table: (matches) => nodeListTable(matches, false),
  });
}

export async function findEval(client: ApiClient, prefix: string, options: pb.QueryOptions): Promise<Evaluation> {
  checkIdPrefix(prefix);
  const { evaluations } = await client.call(pb.EvaluationsService.list, { prefix, jobId: "", status: pb.EvalStatus.UNSPECIFIED, options }, "read");
  return pickByPrefix({
    singular: "evaluation", plural: "evaluations", prefix, matches: evaluations.map(evalFromWire), id: (e) => e.id,
    table: (matches) => evalListTable(matches, false),
  });
}
