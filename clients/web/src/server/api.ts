/**
 * The console's one connection to the Warm Transfer server. Server-side only: the API key never
 * reaches a browser, and browsers never speak gRPC.
 *
 *   WARMTRANSFER_SERVER   host:port of the gRPC API (default 127.0.0.1:50051)
 *   WARMTRANSFER_API_KEY  the API key the console acts with (default `dev`: the server's dev-mode key, as `make run` starts it)
 */
import "server-only";
import { type WarmTransferClient, connect } from "@warmtransfer/client";

const globalForClient = globalThis as unknown as { warmTransferClient?: WarmTransferClient };

export function api(): WarmTransferClient {
  globalForClient.warmTransferClient ??= connect({
    target: process.env.WARMTRANSFER_SERVER ?? "127.0.0.1:50051",
    apiKey: process.env.WARMTRANSFER_API_KEY ?? "dev",
  });
  return globalForClient.warmTransferClient;
}
