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

async function runCommand(command: Command, path: string, argv: readonly string[], io: CommandIO): Promise<number> {
  if (argv.some((a) => HELP_FLAGS.has(a))) {
    io.stdout(commandHelp(command));
    return 0;
  }
  return command.run(parseFlags(argv, command.flags, path), io);
}

async function dispatch(argv: readonly string[], io: CommandIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(rootHelp(COMMAND_TREE));
    return 1;
  }
  if (HELP_FLAGS.has(first)) {
    io.stdout(rootHelp(COMMAND_TREE));
    return 0;
  }
  if (VERSION_FLAGS.has(first)) return runCommand(version, "version", [], io);
  const entry = COMMAND_TREE.find((e) => e.name === first);
  if (!entry) return unknown("command", first, COMMAND_TREE, io, rootHelp(COMMAND_TREE));
  if (!isGroup(entry)) return runCommand(entry, entry.name, rest, io);
  const [sub, ...args] = rest;
  if (sub === undefined || HELP_FLAGS.has(sub)) {
    (sub === undefined ? io.stderr : io.stdout)(groupHelp(entry));
    return sub === undefined ? 1 : 0;
  }
  const command = entry.commands.find((c) => c.name === sub);
  if (!command) return unknown(`${entry.name} subcommand`, sub, entry.commands, io, groupHelp(entry));
  return runCommand(command, `${entry.name} ${command.name}`, args, io);
}

export async function main(argv: readonly string[], io: CommandIO = defaultIO()): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (isUserError(err)) {
      io.stderr(`Error: ${err.message}\n`);
      return 1;
    }
    io.stderr(`nomadish hit an internal error (a bug; please report it):\n${err instanceof Error ? err.stack : String(err)}\n`);
    return 1;
  }
}
