// Short ids and prefix lookups. Like Nomad, tables show the first 8 characters of a UUID (all of
// it with -verbose), and commands accept any unique prefix of an id.

import { UserError } from "../shared/errors.js";

export const SHORT_ID_LENGTH = 8;

/** Nomad's `limit`: the id cut to 8 characters unless full ids were asked for. */
export function shortId(id: string, full = false): string {
  return full ? id : id.slice(0, SHORT_ID_LENGTH);
}

export interface PrefixMatch<T> {
  /** Plural noun for messages, e.g. "allocations". */
  plural: string;
  /** Singular noun for the not-found message, e.g. "allocation". */
  singular: string;
  prefix: string;
  /** What the server listed for the prefix. */
  matches: readonly T[];
  id: (item: T) => string;
  /** The table Nomad prints under "Prefix matched multiple …". */
  table: (items: readonly T[]) => string;
}

/**
 * The one item a prefix names: an exact id wins over longer ids it is a prefix of; several
 * matches list them (exit 1), none says so.
 */
export function pickByPrefix<T>(match: PrefixMatch<T>): T {
  const exact = match.matches.find((item) => match.id(item) === match.prefix);
  if (exact !== undefined) return exact;
  const [first, second] = match.matches;
  if (first === undefined) throw new UserError(`No ${match.singular}(s) with prefix or id "${match.prefix}" found`);
  if (second !== undefined) throw new UserError(`Prefix matched multiple ${match.plural}\n\n${match.table(match.matches).trimEnd()}`);
  return first;
}
