// Errors raised at the wire boundary.

/**
 * A message that breaks the contract: a required block is missing, an enum or string field holds
 * a value the model does not know, or a JSON field is not a JSON object. A server answers a
 * request that raises it with INVALID_ARGUMENT; anywhere else it means the peer is buggy or
 * speaks a different version of the contract.
 */
export class WireError extends Error {
  override readonly name = "WireError";
}
