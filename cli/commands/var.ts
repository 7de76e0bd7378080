// `nomadish var put | get | list | purge`: small documents stored in the servers' Raft log.

import * as pb from "../../proto/index.js";
import { UserError } from "../../shared/errors.js";
import { ADDRESS_FLAG, JSON_FLAG, queryOptions, STALE_FLAG, withClient, WRITE_OPTIONS } from "../api.js";
import type { Command, CommandGroup } from "../command.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";
import { columns, formatTime, json, keyValues } from "../format.js";

const CHECK_INDEX_FLAG: FlagSpec = {
  name: "check-index", kind: "string", placeholder: "index",
  help: "Check-and-set: act only if the variable's modify index is this (0: only if it does not exist).",
};

function checkIndex(flags: ParsedFlags): number | undefined {
  const text = flags.strings.get("check-index");
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UserError(`-check-index must be a whole number, not ${JSON.stringify(text)}`);
  return Number(text);
}

function describe(v: pb.Variable, withItems: boolean): string {
  const head = keyValues([
    ["Namespace", v.namespace], ["Path", v.path], ["Create Time", formatTime(v.createTimeMs)], ["Check Index", String(v.modifyIndex)],
  ]);
  if (!withItems) return head;
  const items = Object.entries(v.items).sort(([a], [b]) => a.localeCompare(b));
  return `${head}\nItems\n${items.length > 0 ? keyValues(items) : "(none)\n"}`;
}

function asJson(v: pb.Variable, withItems = true): unknown {
  const meta = { Namespace: v.namespace, Path: v.path, CreateIndex: v.createIndex, ModifyIndex: v.modifyIndex, CreateTime: v.createTimeMs, ModifyTime: v.modifyTimeMs };
  return withItems ? { ...meta, Items: v.items } : meta;
}

const put: Command = {
  name: "put",
  synopsis: "Create or update a variable",
  usage: "nomadish var put [options] <path> <key>=<value> [<key>=<value>…]",
  help: "Writes the variable at <path> with the given items, replacing the items it had.",
  flags: [ADDRESS_FLAG, CHECK_INDEX_FLAG, JSON_FLAG],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const [path, ...pairs] = flags.args;
    if (!path || pairs.length === 0) throw new UserError("usage: nomadish var put [options] <path> <key>=<value> …");
    const items: Record<string, string> = {};
    for (const pair of pairs) {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new UserError(`item ${JSON.stringify(pair)}: expected key=value`);
      items[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const index = checkIndex(flags);
    const response = await client.call(pb.VariablesService.put, { path, items, ...(index === undefined ? {} : { checkIndex: index }), options: WRITE_OPTIONS }, "write");
    if (response.conflict) {
      throw new UserError(`check-and-set conflict: the variable's modify index is ${response.variable?.modifyIndex ?? "none (it does not exist)"}, not ${index}`);
    }
    if (!response.variable) throw new Error("the server answered without the variable");
    io.stdout(flags.bools.has("json") ? json(asJson(response.variable)) : `Created variable "${path}" with modify index ${response.variable.modifyIndex}\n`);
    return 0;
  }),
};

const get: Command = {
  name: "get",
  synopsis: "Read a variable",
  usage: "nomadish var get [options] <path>",
  help: "Prints the variable at <path> and its items.",
  flags: [ADDRESS_FLAG, STALE_FLAG, JSON_FLAG],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const [path] = flags.args;
    if (!path || flags.args.length > 1) throw new UserError("usage: nomadish var get [options] <path>");
    const { variable } = await client.call(pb.VariablesService.get, { path, options: queryOptions(flags) }, "read");
    if (!variable) throw new UserError(`variable "${path}" not found`);
    io.stdout(flags.bools.has("json") ? json(asJson(variable)) : describe(variable, true));
    return 0;
  }),
};

const list: Command = {
  name: "list",
  synopsis: "List variables",
  usage: "nomadish var list [options] [prefix]",
  help: "Lists the variables whose path starts with [prefix] (all when left out).",
  flags: [ADDRESS_FLAG, STALE_FLAG, JSON_FLAG],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const prefix = flags.args[0] ?? "";
    const { variables } = await client.call(pb.VariablesService.list, { prefix, options: queryOptions(flags) }, "read");
    if (flags.bools.has("json")) io.stdout(json(variables.map((v) => asJson(v, false))));
    else if (variables.length === 0) io.stdout("No matching variables found\n");
    else io.stdout(columns([["Namespace", "Path", "Last Updated"], ...variables.map((v) => [v.namespace, v.path, formatTime(v.modifyTimeMs)])]));
    return 0;
  }),
};

const purge: Command = {
  name: "purge",
  synopsis: "Delete a variable",
  usage: "nomadish var purge [options] <path>",
  help: "Deletes the variable at <path>.",
  flags: [ADDRESS_FLAG, CHECK_INDEX_FLAG],
  run: (flags, io) => withClient(flags, io, async (client) => {
    const [path] = flags.args;
    if (!path || flags.args.length > 1) throw new UserError("usage: nomadish var purge [options] <path>");
    const index = checkIndex(flags);
    const response = await client.call(pb.VariablesService.delete, { path, ...(index === undefined ? {} : { checkIndex: index }), options: WRITE_OPTIONS }, "write");
    if (response.conflict) throw new UserError(`check-and-set conflict: the variable's modify index is ${response.current?.modifyIndex ?? "none"}, not ${index}`);
    io.stdout(`Successfully purged variable "${path}"\n`);
    return 0;
  }),
};

export const varGroup: CommandGroup = {
  name: "var",
  synopsis: "Interact with variables",
  help: "This command groups subcommands for reading and writing variables: small documents of\nkey = value items kept in the servers' replicated state.",
  commands: [get, list, purge, put],
};
