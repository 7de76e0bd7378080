// The set of voters: its wire encoding (the data of a config entry) and single-server changes
// (Raft dissertation §4.1: one server added or removed at a time, so any two consecutive
// configurations share a majority).

import { RaftError } from "./errors.js";
import type { Member, Membership, MembershipChange, NodeId } from "./types.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeMembership(membership: Membership): Uint8Array {
  const voters = membership.voters.map((m) => ({ id: m.id, address: m.address }));
  return encoder.encode(JSON.stringify({ voters }));
}

function isMember(value: unknown): value is Member {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Record<string, unknown>;
  return typeof m["id"] === "string" && m["id"] !== "" && typeof m["address"] === "string";
}

/** A well-formed membership: voters with non-empty, distinct ids. */
export function isMembership(value: unknown): value is Membership {
  if (typeof value !== "object" || value === null) return false;
  const voters = (value as Record<string, unknown>)["voters"];
  if (!Array.isArray(voters) || !voters.every(isMember)) return false;
  return new Set(voters.map((v) => v.id)).size === voters.length;
}

/** The membership in a config entry, or undefined when the bytes are not one. */
export function tryDecodeMembership(bytes: Uint8Array): Membership | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
  if (!isMembership(parsed)) return undefined;
  return { voters: parsed.voters.map((m) => ({ id: m.id, address: m.address })) };
}

export function decodeMembership(bytes: Uint8Array): Membership {
  const membership = tryDecodeMembership(bytes);
  if (!membership) throw new RaftError("raft: config entry does not hold a membership");
  return membership;
}

export function cloneMembership(membership: Membership): Membership {
  return { voters: membership.voters.map((m) => ({ id: m.id, address: m.address })) };
}

export function isVoter(membership: Membership, id: NodeId): boolean {
  return membership.voters.some((m) => m.id === id);
}

/** Votes needed out of `voters`: a strict majority. */
export function quorum(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/**
 * The membership after one change, or undefined when the change is invalid (removing a server
 * that is not a voter, or the last voter). Adding a voter that is already there updates its
 * address.
 */
export function applyChange(membership: Membership, change: MembershipChange): Membership | undefined {
  if (change.type === "add") {
    if (!isMember(change.member)) return undefined;
    const member = { id: change.member.id, address: change.member.address };
    const at = membership.voters.findIndex((m) => m.id === member.id);
    const voters = membership.voters.map((m) => ({ id: m.id, address: m.address }));
    if (at >= 0) voters[at] = member;
    else voters.push(member);
    return { voters };
  }
  if (!isVoter(membership, change.id) || membership.voters.length === 1) return undefined;
  return { voters: membership.voters.filter((m) => m.id !== change.id).map((m) => ({ id: m.id, address: m.address })) };
}
