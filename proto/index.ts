// The wire contract: messages, enums and grpc-js service definitions generated from
// proto/nomadish/v1/*.proto by `npm run gen:proto` (ts-proto; options in buf.gen.yaml).
export * from "./gen/nomadish/v1/types.js";
export * from "./gen/nomadish/v1/raft.js";
export * from "./gen/nomadish/v1/cluster.js";
export * from "./gen/nomadish/v1/client.js";
