// gRPC channel settings for talking to servers. grpc-js backs off reconnecting to an address
// for up to two minutes by default; servers restart in well under a second, so retry quickly.

import type * as grpc from "@grpc/grpc-js";

export const SERVER_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.initial_reconnect_backoff_ms": 50,
  "grpc.min_reconnect_backoff_ms": 50,
  "grpc.max_reconnect_backoff_ms": 1000,
  "grpc.keepalive_time_ms": 10_000,
  // Lists of many allocations are large (a 50,000-allocation list is about 14 MB).
  "grpc.max_receive_message_length": 256 * 1024 * 1024,
};
