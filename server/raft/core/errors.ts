// Errors the Raft core raises. The core never throws on input from the network (it logs and
// ignores); these are for callers that break its contract: invalid options, misuse of storage,
// bytes that are not a membership.

export class RaftError extends Error {
  override readonly name = "RaftError";
}
