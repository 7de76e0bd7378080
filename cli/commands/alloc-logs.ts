// `nomadish alloc logs [-stderr] [-f] [-tail] [-n N] <alloc> [task]`: a task's output, read
// straight from the client that runs it (the servers tell where that is).

import * as grpc from "@grpc/grpc-js";
import * as pb from "../../proto/index.js";
import { SERVER_CHANNEL_OPTIONS } from "../../shared/api/channel.js";
import { UserError } from "../../shared/errors.js";
import { ADDRESS_FLAG, queryOptions, withClient } from "../api.js";
import type { Command } from "../command.js";
import { positional, wholeNumberFlag } from "../common.js";
import { getAlloc, getNode } from "../fetch.js";
import { findAlloc } from "../lookup.js";

/** Nomad's default for -tail without -n. */
const DEFAULT_TAIL_LINES = 10;

export const allocLogs: Command = {
  name: "logs",
  synopsis: "Stream the logs of a task",
  usage: "nomadish alloc logs [options] <allocation> [task]",
  help: `Prints the stdout (or with -stderr the stderr) of a task of the allocation, across its
rotated log files. The task may be left out when the allocation has only one. With -f the
command keeps printing new output until interrupted.`,
  flags: [
    ADDRESS_FLAG,
    { name: "stderr", kind: "bool", help: "Prints stderr instead of stdout." },
    { name: "f", kind: "bool", help: "Follows the logs: keeps printing new output." },
    { name: "tail", kind: "bool", help: "Starts from the end of the logs (the last 10 lines unless -n says otherwise)." },
    { name: "n", kind: "string", placeholder: "lines", help: "With -tail: how many lines before the end to start at." },
    { name: "task", kind: "string", placeholder: "name", help: "The task, instead of the second argument." },
  ],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const [allocArg = "", taskArg] = positional(flags, "<allocation> [task]", 1, 2);
    const stub = await findAlloc(client, allocArg, queryOptions(flags));
    const alloc = await getAlloc(client, stub.id, queryOptions(flags));
    const tasks = alloc.job.taskGroups.find((g) => g.name === alloc.taskGroup)?.tasks.map((t) => t.name) ?? [];
    const task = taskArg ?? flags.strings.get("task") ?? (tasks.length === 1 ? tasks[0] : undefined);
    if (task === undefined) throw new UserError(`allocation "${alloc.id.slice(0, 8)}" has several tasks (${tasks.join(", ")}); name one`);
    if (!tasks.includes(task)) throw new UserError(`allocation "${alloc.id.slice(0, 8)}" has no task "${task}" (it has ${tasks.join(", ")})`);
    const { node } = await getNode(client, alloc.nodeId, queryOptions(flags));
    if (!node.httpAddr) throw new UserError(`node "${node.name}" has no address to read logs from`);
    const lines = wholeNumberFlag(flags, "n");
    const tail = flags.bools.has("tail") || lines !== undefined;
    const request: pb.ClientLogsStreamRequest = {
      allocId: alloc.id, task, type: flags.bools.has("stderr") ? pb.LogStreamType.STDERR : pb.LogStreamType.STDOUT,
      follow: flags.bools.has("f"), origin: pb.LogOrigin.START, offset: 0, tailLines: tail ? lines ?? DEFAULT_TAIL_LINES : 0,
    };
    await streamLogs(node.httpAddr, request, node.name, (data) => io.stdout(Buffer.from(data).toString("utf8")));
    return 0;
  }),
};

function streamLogs(address: string, request: pb.ClientLogsStreamRequest, nodeName: string, write: (data: Uint8Array) => void): Promise<void> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), SERVER_CHANNEL_OPTIONS);
  const method = pb.ClientLogsService.stream;
  const call = client.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, request);
  // Ctrl-C ends a followed stream quietly.
  const onSignal = () => call.cancel();
  process.once("SIGINT", onSignal);
  return new Promise<void>((resolve, reject) => {
    call.on("data", (frame: pb.ClientLogsStreamResponse) => write(frame.data));
    call.on("error", (err: grpc.ServiceError) => {
      if (err.code === grpc.status.CANCELLED) return resolve();
      reject(new UserError(err.code === grpc.status.UNAVAILABLE
        ? `cannot reach the client on node "${nodeName}" at ${address} to read logs`
        : `reading logs from node "${nodeName}": ${err.details}`));
    });
    call.on("end", () => resolve());
  }).finally(() => {
    process.off("SIGINT", onSignal);
    client.close();
  });
}
