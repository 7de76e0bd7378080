// `nomadish ui`: the terminal dashboard. Wires the model, its data source (polling and the event
// stream) and the screen together, and restores the terminal on `q`, ctrl-c and SIGINT/SIGTERM.

import * as pb from "../../proto/index.js";
import { ApiClient, parseAddresses } from "../../shared/api/client.js";
import { UserError } from "../../shared/errors.js";
import { ADDRESS_FLAG, DEFAULT_ADDRESS, WRITE_OPTIONS } from "../api.js";
import type { Command } from "../command.js";
import { DashboardApp, type DashboardActions } from "./app.js";
import { DashboardModel } from "./model.js";
import { DashboardSource } from "./source.js";
import { LIST_VIEWS, type ListView } from "./views.js";

/** Deadline of list loads and actions; polls use their own, much shorter one. */
const REQUEST_TIMEOUT_MS = 5_000;

function serverActions(client: ApiClient): DashboardActions {
  return {
    async stopJob(jobId) {
      const response = await client.call(pb.JobsService.deregister, { jobId, purge: false, options: WRITE_OPTIONS }, "write");
      return `job "${jobId}" stopped (evaluation ${response.evalId.slice(0, 8)})`;
    },
  };
}

export const ui: Command = {
  name: "ui",
  synopsis: "Open the terminal dashboard",
  usage: "nomadish ui [options] [view]",
  help: `Opens a live terminal dashboard of the cluster: jobs, allocations, nodes, evaluations, an
event timeline and every server's Raft status (with a NO LEADER timer during elections).
Press ? inside for the keys. The optional view is one of ${LIST_VIEWS.join(", ")}.`,
  flags: [
    ADDRESS_FLAG,
    { name: "read-only", kind: "bool", help: "Disables the actions (stopping jobs)." },
  ],
  run: async (flags, io) => {
    const [first] = flags.args;
    const view = first === undefined ? "jobs" : LIST_VIEWS.find((v) => v === first.replace(/^:/, ""));
    if (view === undefined) throw new UserError(`unknown view "${first ?? ""}": expected one of ${LIST_VIEWS.join(", ")}`);
    if (!process.stdout.isTTY || !process.stdin.isTTY) throw new UserError("nomadish ui needs a terminal");
    const addresses = parseAddresses(flags.strings.get("address") ?? io.env["NOMADISH_ADDR"] ?? DEFAULT_ADDRESS);
    return runDashboard(addresses, view, flags.bools.has("read-only"));
  },
};

function runDashboard(addresses: string[], view: ListView, readOnly: boolean): Promise<number> {
  const client = new ApiClient({ addresses, timeoutMs: REQUEST_TIMEOUT_MS });
  const model = new DashboardModel(addresses, Date.now());
  return new Promise<number>((resolve) => {
    let source: DashboardSource | undefined;
    const finish = () => {
      process.off("SIGINT", finish);
      process.off("SIGTERM", finish);
      app.destroy();
      source?.stop();
      client.close();
      resolve(0);
    };
    const app = new DashboardApp(model, {
      input: process.stdin, output: process.stdout, readOnly,
      ...(readOnly ? {} : { actions: serverActions(client) }),
      onQuit: finish,
    });
    process.once("SIGINT", finish);
    process.once("SIGTERM", finish);
    source = new DashboardSource(model, client, () => app.requestRender());
    app.show(view);
    source.start();
  });
}
