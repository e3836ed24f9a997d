/**
 * `connect()`: typed clients for the five Warm Transfer services over one gRPC connection.
 *
 * @module
 */

import { type Client, type Interceptor, type Transport, createClient } from "@connectrpc/connect";
import { Http2SessionManager, createGrpcTransport } from "@connectrpc/connect-node";
import { CallService } from "./gen/warmtransfer/v1/call_service_pb.js";
import { ContextService } from "./gen/warmtransfer/v1/context_service_pb.js";
import { SummaryService } from "./gen/warmtransfer/v1/summary_service_pb.js";
import { TranscriptService } from "./gen/warmtransfer/v1/transcript_service_pb.js";
import { TransferService } from "./gen/warmtransfer/v1/transfer_service_pb.js";
import { type RetryOptions, authInterceptor, retryInterceptor } from "./interceptors.js";

/** Where and how to reach a Warm Transfer server. */
export interface ConnectOptions {
  /**
   * The server: `host:port` (plaintext, as `warmtransfer serve --listen` prints it), or a URL
   * such as `http://host:port` or `https://host:port`.
   */
  target: string;
  /** The API key; every call carries it as `authorization: Bearer <apiKey>`. */
  apiKey: string;
  /** Retries of unary calls failing with UNAVAILABLE; `false` turns them off. */
  retry?: RetryOptions | false;
  /** More interceptors, run inside the retry and authentication ones (once per attempt). */
  interceptors?: Interceptor[];
}

/** Typed clients for every service, sharing one HTTP/2 connection. */
export interface WarmTransferClient {
  /** Calls: create, get, list, end; participants and join tokens. */
  readonly calls: Client<typeof CallService>;
  /** Transcript ingest (`streamTranscript`), stored transcripts and call events (`watchCall`). */
  readonly transcripts: Client<typeof TranscriptService>;
  /** The precomputed rolling summary of a call. */
  readonly summaries: Client<typeof SummaryService>;
  /** Warm transfers: start (with the briefing), complete, cancel. */
  readonly transfers: Client<typeof TransferService>;
  /** Search over the tenant's redacted call history. */
  readonly context: Client<typeof ContextService>;
  /** The transport under the clients, for services or helpers of your own. */
  readonly transport: Transport;
  /**
   * The HTTP/2 connection. Aborting it cuts every open call (streams included), as a network
   * failure would; the next call opens a new connection.
   */
  readonly session: Http2SessionManager;
  /** Close the connection, and with it every call still open. */
  close(): void;
}

/**
 * Connect to a Warm Transfer server. The connection itself opens lazily, on the first call.
 *
 * ```ts
 * const client = connect({ target: "127.0.0.1:50051", apiKey: "dev" });
 * const { call } = await client.calls.createCall({ customerId: "cust-42" });
 * client.close();
 * ```
 *
 * @param options - the target, the API key, and optional retry policy and interceptors.
 */
export function connect(options: ConnectOptions): WarmTransferClient {
  if (!options.apiKey) {
    throw new TypeError("connect: apiKey is required");
  }
  const baseUrl = toBaseUrl(options.target);
  const session = new Http2SessionManager(baseUrl);
  const interceptors: Interceptor[] = [];
  if (options.retry !== false) {
    interceptors.push(retryInterceptor(options.retry));
  }
  interceptors.push(authInterceptor(options.apiKey), ...(options.interceptors ?? []));
  const transport = createGrpcTransport({
    baseUrl,
    sessionManager: session,
    interceptors,
  });
  return {
    calls: createClient(CallService, transport),
    transcripts: createClient(TranscriptService, transport),
    summaries: createClient(SummaryService, transport),
    transfers: createClient(TransferService, transport),
    context: createClient(ContextService, transport),
    transport,
    session,
    close: () => session.abort(),
  };
}

/** `host:port` → `http://host:port`; URLs pass through (without a trailing slash). */
function toBaseUrl(target: string): string {
  const trimmed = target.trim();
  if (!trimmed) {
    throw new TypeError("connect: target is required");
  }
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  return url.replace(/\/+$/, "");
}
