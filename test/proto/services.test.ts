// The executable summary of the wire contract: every service, its methods and their streaming
// kinds. A change here is a change to the contract that servers, clients and the CLI share.

import test from "ava";
import * as pb from "../../proto/index.js";

type Kind = "unary" | "client-stream" | "server-stream" | "bidi";

interface MethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
}

const contract: [string, Record<string, MethodDefinition>, Record<string, Kind>][] = [
  ["Raft", pb.RaftService, {
    Messages: "client-stream",
    InstallSnapshot: "client-stream",
  }],
  ["Jobs", pb.JobsService, {
    Register: "unary",
    Deregister: "unary",
    Plan: "unary",
    List: "unary",
    Get: "unary",
    Versions: "unary",
    Allocations: "unary",
    Evaluations: "unary",
    Scale: "unary",
    Revert: "unary",
    Dispatch: "unary",
  }],
  ["Nodes", pb.NodesService, { List: "unary", Get: "unary", UpdateEligibility: "unary", UpdateDrain: "unary" }],
  ["Allocations", pb.AllocationsService, { List: "unary", Get: "unary", Stop: "unary", Restart: "unary" }],
  ["Evaluations", pb.EvaluationsService, { List: "unary", Get: "unary" }],
  ["Deployments", pb.DeploymentsService, { List: "unary", Get: "unary", Promote: "unary", Fail: "unary", Pause: "unary" }],
  ["Operator", pb.OperatorService, { RaftListPeers: "unary", TransferLeadership: "unary", AddPeer: "unary", RemovePeer: "unary" }],
  ["Status", pb.StatusService, { Leader: "unary", Peers: "unary", Members: "unary", Self: "unary" }],
  ["Variables", pb.VariablesService, { Put: "unary", PutMany: "unary", Get: "unary", List: "unary", Delete: "unary" }],
  ["Events", pb.EventsService, { Subscribe: "server-stream" }],
  ["ClientNode", pb.ClientNodeService, {
    Register: "unary",
    Heartbeat: "unary",
    WatchAllocations: "server-stream",
    UpdateAllocations: "unary",
    ReportAllocations: "bidi",
    GetAllocations: "unary",
  }],
  ["ClientLogs", pb.ClientLogsService, { Stream: "server-stream" }],
  ["ClientAllocations", pb.ClientAllocationsService, { Restart: "unary" }],
];

function kindOf(method: MethodDefinition): Kind {
  if (method.requestStream) return method.responseStream ? "bidi" : "client-stream";
  return method.responseStream ? "server-stream" : "unary";
}

for (const [service, definition, methods] of contract) {
  test(`service ${service} has exactly the contract's methods with their streaming kinds`, (t) => {
    const actual = Object.fromEntries(
      Object.values(definition).map((method) => [method.path.replace(`/nomadish.v1.${service}/`, ""), kindOf(method)]),
    );
    t.deepEqual(actual, methods);
    for (const method of Object.values(definition)) t.regex(method.path, new RegExp(`^/nomadish\\.v1\\.${service}/`));
  });
}

test("every service has a grpc-js client class", (t) => {
  const clients = [
    pb.RaftClient, pb.JobsClient, pb.NodesClient, pb.AllocationsClient, pb.EvaluationsClient, pb.DeploymentsClient,
    pb.OperatorClient, pb.StatusClient, pb.VariablesClient, pb.EventsClient, pb.ClientNodeClient, pb.ClientLogsClient, pb.ClientAllocationsClient,
  ];
  t.is(clients.length, contract.length);
  for (const client of clients) t.is(typeof client, "function");
});
