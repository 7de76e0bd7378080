// The nomadish command line: finds the command in the tree, parses its flags, runs it, and turns
// errors into exit codes. User errors print one clear message; anything else is a bug.

import { isUserError } from "../shared/errors.js";
import { didYouMean } from "../shared/suggest.js";
import { isGroup, type Command, type CommandIO, type TreeEntry } from "./command.js";
import { parseFlags } from "./flags.js";
import { commandHelp, groupHelp, rootHelp } from "./help.js";
import { COMMAND_TREE } from "./tree.js";
import { version } from "./commands/version.js";

const HELP_FLAGS = new Set(["-h", "-help", "--help"]);
const VERSION_FLAGS = new Set(["-v", "-version", "--version"]);

function defaultIO(): CommandIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
  };
}

function unknown(kind: string, name: string, candidates: readonly TreeEntry[], io: CommandIO, help: string): number {
  io.stderr(`Unknown ${kind} "${name}"${didYouMean(name, candidates.map((c) => c.name))}\n\n${help}`);
  return 1;
}

/** Accepted by every command, as in Nomad. Command output has no colour codes; the dashboard reads it. */
const NO_COLOR_FLAGS = new Set(["-no-color", "--no-color"]);

async function runCommand(command: Command, path: string, argv: readonly string[], io: CommandIO): Promise<number> {
  if (argv.some((a) => HELP_FLAGS.has(a))) {
    io.stdout(commandHelp(command));
    return 0;
  }
  const ownsNoColor = command.flags.some((f) => f.name === "no-color");
  const args = ownsNoColor ? argv : argv.filter((a) => !NO_COLOR_FLAGS.has(a));
  return command.run(parseFlags(args, command.flags, path), io);
}

async function dispatch(argv: readonly string[], io: CommandIO, tree: readonly TreeEntry[]): Promise<number> {
  const [first] = argv;
  if (first === undefined) {
    io.stderr(rootHelp(tree));
    return 1;
  }
  if (HELP_FLAGS.has(first)) {
    io.stdout(rootHelp(tree));
    return 0;
  }
  if (VERSION_FLAGS.has(first)) return runCommand(version, "version", [], io);
  // Walk down the tree: `operator raft list-peers …` is two groups and a command.
  let entries: readonly TreeEntry[] = tree;
  let help = rootHelp(tree);
  const path: string[] = [];
  for (let i = 0; ; i++) {
    const name = argv[i] as string;
    const entry = entries.find((e) => e.name === name);
    if (!entry) return unknown(path.length === 0 ? "command" : `${path.join(" ")} subcommand`, name, entries, io, help);
    path.push(name);
    if (!isGroup(entry)) return runCommand(entry, path.join(" "), argv.slice(i + 1), io);
    help = groupHelp(entry, path.join(" "));
    const next = argv[i + 1];
    if (next === undefined || HELP_FLAGS.has(next)) {
      (next === undefined ? io.stderr : io.stdout)(help);
      return next === undefined ? 1 : 0;
    }
    entries = entry.commands;
  }
}

/**
 * Runs the command line. `extra` adds top-level commands defined outside cli/ (the agent, which
 * puts servers into the process).
 */
export async function main(argv: readonly string[], io: CommandIO = defaultIO(), extra: readonly TreeEntry[] = []): Promise<number> {
  const tree = [...extra, ...COMMAND_TREE].sort((a, b) => a.name.localeCompare(b.name));
  try {
    return await dispatch(argv, io, tree);
  } catch (err) {
    if (isUserError(err)) {
      io.stderr(`Error: ${err.message}\n`);
      return 1;
    }
    io.stderr(`nomadish hit an internal error (a bug; please report it):\n${err instanceof Error ? err.stack : String(err)}\n`);
    return 1;
  }
}
