/**
 * `watchCall()` and `watchAgent()`: a call's events, or the transfers offered to an agent, as
 * async iterables that survive dropped streams.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";
import { type BackoffOptions, backoffDelay, sleep } from "./backoff.js";
import type { WarmTransferClient } from "./client.js";
import type { WatchCallResponse } from "./gen/warmtransfer/v1/transcript_service_pb.js";
import type { WatchAgentResponse } from "./gen/warmtransfer/v1/transfer_service_pb.js";

/** Options of {@link watchCall}. */
export interface WatchCallOptions {
  /** Resume after the event with this cursor; unset to start from the call's first event. */
  afterCursor?: string;
  /** Skip the stored events: only events from now on (first connection only). */
  liveOnly?: boolean;
  /** Stops the watch: the iteration then throws a CANCELED `ConnectError`. */
  signal?: AbortSignal;
  /** Delays between reconnects (default: 200 ms doubling to 5 s). */
  backoff?: BackoffOptions;
  /**
   * Reconnects in a row that may fail before the watch gives up (default 10). The count starts
   * over whenever a connection delivers an event.
   */
  maxReconnects?: number;
  /** Told of every reconnect, with the error that ended the previous connection. */
  onReconnect?: (info: ReconnectInfo) => void;
}

/** What {@link WatchCallOptions.onReconnect} is told. */
export interface ReconnectInfo {
  /** Reconnects in a row so far, this one included. */
  attempt: number;
  /** The cursor the watch resumes after ("" for the call's first event). */
  cursor: string;
  /** Why the previous connection ended. */
  error: ConnectError;
}

/**
 * Codes that end a watch for good: the request itself is wrong or not allowed, so another
 * connection would fail the same way.
 */
const FATAL_CODES: ReadonlySet<Code> = new Set([
  Code.InvalidArgument,
  Code.NotFound,
  Code.PermissionDenied,
  Code.Unauthenticated,
  Code.FailedPrecondition,
  Code.Unimplemented,
  Code.OutOfRange,
  Code.AlreadyExists,
]);

/**
 * Stream a call's events: every stored event after `afterCursor` (all of them by default),
 * then live ones as they happen. When the stream drops (the network, a server restart), the
 * watch reconnects with backoff from the cursor of the last event it yielded, so the sequence
 * has no gap and no duplicate. It ends when the server ends the stream normally: after the
 * call ended and its final summary was sent.
 *
 * ```ts
 * for await (const event of watchCall(client, callId)) {
 *   if (event.event.case === "summaryUpdated") console.log(event.event.value.summary?.reason);
 * }
 * ```
 *
 * Breaking out of the loop closes the stream. A fatal status (the call is unknown, the key is
 * wrong) or too many failed reconnects in a row is thrown as a `ConnectError`.
 *
 * @param client - a client from `connect()`.
 * @param callId - the call to watch.
 * @param options - where to start, cancellation and reconnect policy.
 */
export async function* watchCall(
  client: WarmTransferClient,
  callId: string,
  options: WatchCallOptions = {},
): AsyncGenerator<WatchCallResponse, void, undefined> {
  let liveOnly = options.liveOnly ?? false;
  yield* resumable(
    (cursor, signal) => {
      const stream = client.transcripts.watchCall({ callId, afterCursor: cursor, liveOnly }, { signal });
      liveOnly = false; // a reconnect resumes from the cursor
      return stream;
    },
    options,
  );
}

/** Options of {@link watchAgent}. */
export type WatchAgentOptions = Omit<WatchCallOptions, "liveOnly">;

/**
 * Stream the transfers offered to one agent (`WatchAgent`): each offer, with its briefing while
 * it is under way, and every later change of it. Without `afterCursor` it starts with the
 * offers still under way. Reconnects like {@link watchCall}, from the last cursor it yielded;
 * it runs until `signal` aborts it.
 *
 * @param client - a client from `connect()`.
 * @param identity - the receiving agent's identity.
 * @param options - where to resume, cancellation and reconnect policy.
 */
export async function* watchAgent(
  client: WarmTransferClient,
  identity: string,
  options: WatchAgentOptions = {},
): AsyncGenerator<WatchAgentResponse, void, undefined> {
  yield* resumable(
    (cursor, signal) => client.transfers.watchAgent({ identity, afterCursor: cursor }, { signal }),
    options,
  );
}

/**
 * The events of server streams opened by `open(cursor, signal)`, reopened after the last cursor
 * yielded whenever one drops, so the sequence has no gap and no duplicate.
 */
async function* resumable<T extends { cursor: string }>(
  open: (cursor: string, signal: AbortSignal) => AsyncIterable<T>,
  options: WatchAgentOptions,
): AsyncGenerator<T, void, undefined> {
  const { signal } = options;
  const backoff: BackoffOptions = { initialDelayMs: 200, maxDelayMs: 5_000, ...options.backoff };
  const maxReconnects = options.maxReconnects ?? 10;
  let cursor = options.afterCursor ?? "";
  let failures = 0;
  for (;;) {
    // Connect does not close a stream whose consumer stops reading: each connection gets its
    // own controller, aborted on the way out (an early `break` included) and when `signal` is.
    const connection = new AbortController();
    const onAbort = (): void => connection.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      signal?.throwIfAborted();
      for await (const event of open(cursor, connection.signal)) {
        // The cursor moves before the event is handed out: whatever the consumer does next,
        // a reconnect resumes after it.
        if (event.cursor) {
          cursor = event.cursor;
        }
        failures = 0;
        yield event;
      }
      return; // ended by the server
    } catch (err) {
      const error = ConnectError.from(err, signal?.aborted ? Code.Canceled : Code.Unknown);
      if (signal?.aborted || FATAL_CODES.has(error.code) || ++failures > maxReconnects) {
        throw error;
      }
      options.onReconnect?.({ attempt: failures, cursor, error });
      try {
        await sleep(backoffDelay(failures, backoff), signal);
      } catch (reason) {
        throw ConnectError.from(reason, Code.Canceled);
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      connection.abort();
    }
  }
}
