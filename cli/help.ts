// Help texts in Nomad's layout.

import type { Command, CommandGroup, TreeEntry } from "./command.js";
import { formatFlags } from "./flags.js";

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, text]) => `    ${name.padEnd(width)}    ${text}`).join("\n");
}

function indent(text: string): string {
  return text.split("\n").map((line) => (line === "" ? "" : `  ${line}`)).join("\n");
}

export function rootHelp(tree: readonly TreeEntry[]): string {
  return `Usage: nomadish [-version] [-help] <command> [args]

Commands:
${table(tree.map((e) => [e.name, e.synopsis]))}

Run "nomadish <command> -h" for a command's options.
`;
}

export function groupHelp(group: CommandGroup, path: string = group.name): string {
  return `Usage: nomadish ${path} <subcommand> [options] [args]

${indent(group.help)}

Subcommands:
${table(group.commands.map((c) => [c.name, c.synopsis]))}
`;
}

export function commandHelp(command: Command): string {
  const options = command.flags.length > 0 ? `\nOptions:\n\n${formatFlags(command.flags)}\n` : "";
  return `Usage: ${command.usage}\n\n${indent(command.help)}\n${options}`;
}

