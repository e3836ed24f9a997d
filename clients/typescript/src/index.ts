/**
 * The Warm Transfer client for Node.js: typed clients for the five gRPC services
 * ({@link connect}), resumable watches of a call ({@link watchCall}) and of an agent's offers
 * ({@link watchAgent}) and lossless transcript ingest
 * ({@link streamTranscript}, {@link TranscriptStreamer}). The generated messages, enums and
 * service descriptors are re-exported; build messages with `create(XxxSchema, {...})` from
 * `@bufbuild/protobuf`, or pass plain objects to the client methods.
 *
 * @module
 */

export { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
// The protobuf runtime's message helpers, so a consumer shares this package's copy of it.
export { type DescMessage, type MessageShape, create, fromJson, toJson } from "@bufbuild/protobuf";
export { timestampDate } from "@bufbuild/protobuf/wkt";
export { type BackoffOptions, DEFAULT_BACKOFF, backoffDelay, sleep } from "./backoff.js";
export { type ConnectOptions, type WarmTransferClient, connect } from "./client.js";
export {
  type DroppedSegment,
  type SegmentInit,
  type StreamTranscriptOptions,
  type StreamTranscriptResult,
  TranscriptStreamError,
  TranscriptStreamer,
  type TranscriptStreamerOptions,
  streamTranscript,
} from "./ingest.js";
export { type RetryOptions, authInterceptor, retryInterceptor } from "./interceptors.js";
export {
  type ReconnectInfo,
  type WatchAgentOptions,
  type WatchCallOptions,
  watchAgent,
  watchCall,
} from "./watch.js";

export * from "./gen/warmtransfer/v1/call_pb.js";
export * from "./gen/warmtransfer/v1/call_service_pb.js";
export * from "./gen/warmtransfer/v1/context_service_pb.js";
export * from "./gen/warmtransfer/v1/summary_pb.js";
export * from "./gen/warmtransfer/v1/summary_service_pb.js";
export * from "./gen/warmtransfer/v1/transcript_pb.js";
export * from "./gen/warmtransfer/v1/transcript_service_pb.js";
export * from "./gen/warmtransfer/v1/transfer_pb.js";
export * from "./gen/warmtransfer/v1/transfer_service_pb.js";
