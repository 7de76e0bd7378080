// Flags and argument checks that many commands share.

import { UserError } from "../shared/errors.js";
import type { FlagSpec, ParsedFlags } from "./flags.js";

export const VERBOSE_FLAG: FlagSpec = { name: "verbose", kind: "bool", help: "Shows full ids and exact times, and more detail." };
export const DETACH_FLAG: FlagSpec = {
  name: "detach", kind: "bool",
  help: "Returns as soon as the servers accepted the request, printing the evaluation id,\ninstead of monitoring the evaluation.",
};
/** Accepted for scripts written for Nomad; nomadish never asks for confirmation. */
export const YES_FLAG: FlagSpec = { name: "yes", kind: "bool", help: "Accepted for compatibility; nomadish does not ask for confirmation." };

const COUNT_WORDS = ["no", "one", "two", "three"];

/** The positional arguments, checked against how many the command takes (`what`: "<job> <count>"). */
export function positional(flags: ParsedFlags, what: string, min: number, max = min): string[] {
  if (flags.args.length < min || flags.args.length > max) {
    const n = (k: number) => COUNT_WORDS[k] ?? String(k);
    const plural = (k: number) => `${n(k)} argument${k === 1 ? "" : "s"}`;
    const expected = min === max ? plural(min) : min === 0 ? `at most ${plural(max)}` : `${n(min)} to ${n(max)} arguments`;
    throw new UserError(max === 0 ? "This command takes no arguments" : `This command takes ${expected}: ${what}`);
  }
  return flags.args;
}

/** A whole number flag such as -check-index or -version; undefined when not given. */
export function wholeNumberFlag(flags: ParsedFlags, name: string): number | undefined {
  const text = flags.strings.get(name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UserError(`-${name} must be a whole number, not ${JSON.stringify(text)}`);
  return Number(text);
}

/** Things the servers accepted but the user probably did not mean ("" when there are none). */
export function warningsText(warnings: readonly string[]): string {
  return warnings.length === 0 ? "" : `Job Warnings:\n${warnings.map((w) => `* ${w}`).join("\n")}\n\n`;
}

/** The single positional argument of a command that takes exactly one. */
export function oneArg(flags: ParsedFlags, what: string): string {
  return positional(flags, what, 1)[0] as string;
}
