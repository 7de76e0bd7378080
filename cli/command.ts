// The command tree: groups (`job`, `node`, …) hold commands; each command declares its flags,
// its help text and what it does.

import type { FlagSpec, ParsedFlags } from "./flags.js";

export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

export interface Command {
  name: string;
  synopsis: string;
  usage: string;
  help: string;
  flags: FlagSpec[];
  run(flags: ParsedFlags, io: CommandIO): Promise<number> | number;
}

export interface CommandGroup {
  name: string;
  synopsis: string;
  help: string;
  /** Commands and nested groups (`operator raft list-peers`). */
  commands: TreeEntry[];
}

export type TreeEntry = Command | CommandGroup;

export function isGroup(entry: TreeEntry): entry is CommandGroup {
  return "commands" in entry;
}
