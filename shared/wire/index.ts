// Converters between the domain model (shared/model) and the wire contract (proto/): one
// `xToWire` / `xFromWire` pair per object. `FromWire` functions throw WireError for a message
// that breaks the contract.
export * from "./errors.js";
export { enumCodec, type EnumCodec } from "./convert.js";
export * from "./job.js";
export * from "./node.js";
export * from "./alloc.js";
export * from "./eval.js";
export * from "./deployment.js";
export * from "./plan.js";
export * from "./diff.js";
