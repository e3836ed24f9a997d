/**
 * Transcript ingest over the bidirectional `StreamTranscript` without losing a segment.
 *
 * Every final segment is kept until the server acknowledges it (an acknowledgement means it is
 * durably stored). When the stream breaks (the server restarts, the network drops) the streamer
 * reconnects with backoff and re-sends every unacknowledged segment, in seq order, before any
 * new one; the server acknowledges a re-sent seq it already stored as a duplicate and does not
 * store it twice. Interim segments are sent only while connected and never re-sent: a later
 * final one replaces them.
 *
 * What cannot be retried ends the streamer: the call is unknown or not this key's (NOT_FOUND,
 * PERMISSION_DENIED, UNAUTHENTICATED). A segment the server rejects (INVALID_ARGUMENT,
 * RESOURCE_EXHAUSTED) is dropped and the others go on.
 *
 * @module
 */

import { type MessageInitShape, create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type BackoffOptions, backoffDelay, sleep } from "./backoff.js";
import { Channel } from "./channel.js";
import type { WarmTransferClient } from "./client.js";
import {
  type TranscriptSegment,
  TranscriptSegmentSchema,
} from "./gen/warmtransfer/v1/transcript_pb.js";
import type { StreamTranscriptRequestSchema } from "./gen/warmtransfer/v1/transcript_service_pb.js";

/** A segment to send: a `TranscriptSegment` or the fields to create one from. */
export type SegmentInit = MessageInitShape<typeof TranscriptSegmentSchema>;

type Request = MessageInitShape<typeof StreamTranscriptRequestSchema>;

/** Codes after which re-sending cannot help: the streamer stops. */
const FATAL_CODES: ReadonlySet<Code> = new Set([
  Code.NotFound,
  Code.PermissionDenied,
  Code.Unauthenticated,
]);

/** Codes that condemn one segment (the oldest unacknowledged): it is dropped, the rest go on. */
const REJECTED_CODES: ReadonlySet<Code> = new Set([Code.InvalidArgument, Code.ResourceExhausted]);

/** Options of {@link TranscriptStreamer}. */
export interface TranscriptStreamerOptions {
  /** Delays between reconnects (default: 200 ms doubling to 2 s). */
  backoff?: BackoffOptions;
  /** Called for every acknowledgement of a pending segment. */
  onAck?: (seq: bigint, duplicate: boolean) => void;
  /** Called when a broken stream is about to be reopened. */
  onReconnect?: (error: ConnectError) => void;
  /** Stops the streamer at once, whatever is still unacknowledged. */
  signal?: AbortSignal;
}

/** A segment the server refused, and why. */
export interface DroppedSegment {
  /** The segment's seq. */
  seq: bigint;
  /** The status that refused it. */
  error: ConnectError;
}

/**
 * Streams one call's transcript segments, re-sending the unacknowledged after reconnects.
 *
 * ```ts
 * const streamer = new TranscriptStreamer(client, callId);
 * streamer.start();
 * streamer.send({ seq: 1n, speakerRole: SpeakerRole.CALLER, text: "Hello", isFinal: true });
 * const left = await streamer.close(); // waits (bounded) until everything is acknowledged
 * ```
 */
export class TranscriptStreamer {
  /** The status that stopped the streamer for good, if one did. */
  error: ConnectError | undefined;
  /** Segments the server rejected (and that were therefore not stored). */
  readonly dropped: DroppedSegment[] = [];
  /** How many times the stream was reopened. */
  reconnects = 0;
  /** Acknowledgements received for pending segments, duplicates included. */
  acknowledged = 0;
  /** Of those, how many said the seq was already stored. */
  duplicates = 0;

  readonly #client: WarmTransferClient;
  readonly #callId: string;
  readonly #options: TranscriptStreamerOptions;
  readonly #pending = new Map<bigint, TranscriptSegment>();
  readonly #stop = new AbortController();
  #outbox: Channel<Request> | undefined;
  #closing = false;
  #task: Promise<void> | undefined;
  #waiters: (() => void)[] = [];

  /**
   * @param client - the client to stream through.
   * @param callId - the call every segment belongs to.
   * @param options - backoff, callbacks and cancellation.
   */
  constructor(client: WarmTransferClient, callId: string, options: TranscriptStreamerOptions = {}) {
    this.#client = client;
    this.#callId = callId;
    this.#options = options;
    options.signal?.addEventListener("abort", () => this.#stop.abort(options.signal?.reason), {
      once: true,
    });
  }

  /** The call the segments belong to. */
  get callId(): string {
    return this.#callId;
  }

  /** Final segments sent (or queued) and not yet acknowledged. */
  get unacknowledged(): number {
    return this.#pending.size;
  }

  /** The seqs of the final segments not yet acknowledged, in order. */
  get unacknowledgedSeqs(): bigint[] {
    return sortedSeqs(this.#pending);
  }

  /** Connect in the background, and keep reconnecting until closed. */
  start(): void {
    this.#task ??= this.#run().finally(() => this.#settle());
  }

  /**
   * Queue a segment; a final one is kept until acknowledged. Never blocks.
   *
   * @throws Error once the streamer is closing or stopped.
   */
  send(init: SegmentInit): void {
    if (this.#closing || this.error !== undefined || this.#stop.signal.aborted) {
      throw new Error(`the transcript stream of call ${this.#callId} is closed`);
    }
    const segment = create(TranscriptSegmentSchema, init);
    if (segment.isFinal) {
      this.#pending.set(segment.seq, segment);
    }
    this.#outbox?.push(segmentRequest(segment));
  }

  /**
   * Wait until every final segment sent so far is acknowledged.
   *
   * @param timeoutMs - give up after this long (default: no limit).
   * @returns true when all are acknowledged; false on timeout or when the streamer stopped.
   */
  async waitAcknowledged(timeoutMs?: number): Promise<boolean> {
    if (this.#pending.size > 0 && this.error === undefined && !this.#stop.signal.aborted) {
      const settled = new Promise<void>((resolve) => this.#waiters.push(resolve));
      await withTimeout(settled, timeoutMs);
    }
    return this.#pending.size === 0;
  }

  /**
   * Stop taking segments, wait up to `timeoutMs` for the pending ones to be acknowledged, then
   * disconnect.
   *
   * @param timeoutMs - how long to wait for acknowledgements (default 10 s).
   * @returns how many final segments were left unacknowledged.
   */
  async close(timeoutMs = 10_000): Promise<number> {
    this.#closing = true;
    if (this.#pending.size === 0) {
      this.#outbox?.close();
    }
    if (this.#task !== undefined) {
      if (!(await withTimeout(this.#task, timeoutMs))) {
        this.#stop.abort(new ConnectError("the transcript streamer was closed", Code.Canceled));
        await this.#task;
      }
    }
    this.#settle();
    return this.#pending.size;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let failures = 0;
    for (;;) {
      if ((this.#closing && this.#pending.size === 0) || signal.aborted) {
        return;
      }
      let error: ConnectError;
      try {
        if (await this.#session()) {
          failures = 0;
        }
        error = new ConnectError("the server ended the transcript stream", Code.Unavailable);
      } catch (err) {
        if (signal.aborted) {
          return;
        }
        error = ConnectError.from(err);
        if (FATAL_CODES.has(error.code)) {
          this.error = error;
          this.#settle();
          return;
        }
        const oldest = sortedSeqs(this.#pending)[0];
        if (REJECTED_CODES.has(error.code) && oldest !== undefined) {
          this.#pending.delete(oldest);
          this.dropped.push({ seq: oldest, error });
          this.#settleIfDone();
          continue;
        }
      }
      if (this.#closing && this.#pending.size === 0) {
        return;
      }
      this.reconnects++;
      failures++;
      this.#options.onReconnect?.(error);
      const backoff = { initialDelayMs: 200, maxDelayMs: 2_000, ...this.#options.backoff };
      // Closing does not cut the wait short: pending segments still need a server.
      await sleep(backoffDelay(failures, backoff), signal).catch(() => undefined);
    }
  }

  /** One connection: re-send what is pending, then what `send()` queues. True if acked. */
  async #session(): Promise<boolean> {
    const outbox = new Channel<Request>();
    outbox.push({ request: { case: "config", value: { callId: this.#callId } } });
    for (const seq of sortedSeqs(this.#pending)) {
      outbox.push(segmentRequest(this.#pending.get(seq) as TranscriptSegment));
    }
    if (this.#closing && this.#pending.size === 0) {
      outbox.close();
    }
    this.#outbox = outbox;
    let progressed = false;
    try {
      const responses = this.#client.transcripts.streamTranscript(outbox, {
        signal: this.#stop.signal,
      });
      for await (const response of responses) {
        progressed = true;
        this.#acked(response.ackedSeq, response.duplicate);
        if (this.#closing && this.#pending.size === 0) {
          outbox.close(); // half-close: the server then ends the stream
        }
      }
    } finally {
      this.#outbox = undefined;
      outbox.close();
    }
    return progressed;
  }

  #acked(seq: bigint, duplicate: boolean): void {
    if (this.#pending.delete(seq)) {
      this.acknowledged++;
      if (duplicate) {
        this.duplicates++;
      }
      this.#options.onAck?.(seq, duplicate);
    }
    this.#settleIfDone();
  }

  #settleIfDone(): void {
    if (this.#pending.size === 0) {
      this.#settle();
    }
  }

  #settle(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) {
      wake();
    }
  }
}

/** Options of {@link streamTranscript}. */
export interface StreamTranscriptOptions extends TranscriptStreamerOptions {
  /** How long to wait for the last acknowledgements once every segment is sent (default 30 s). */
  ackTimeoutMs?: number;
}

/** What {@link streamTranscript} achieved. */
export interface StreamTranscriptResult {
  /** Final segments acknowledged (every one sent). */
  acknowledged: number;
  /** Of those, how many the server already had (re-sends after a reconnect). */
  duplicates: number;
  /** How many times the stream was reopened. */
  reconnects: number;
}

/** Some segments were not stored: refused by the server, or never acknowledged in time. */
export class TranscriptStreamError extends Error {
  override readonly name = "TranscriptStreamError";

  /**
   * @param callId - the call.
   * @param unacknowledged - seqs never acknowledged.
   * @param dropped - segments the server refused.
   */
  constructor(
    readonly callId: string,
    readonly unacknowledged: readonly bigint[],
    readonly dropped: readonly DroppedSegment[],
  ) {
    const parts = [
      unacknowledged.length > 0 ? `unacknowledged seqs ${unacknowledged.join(", ")}` : "",
      ...dropped.map(({ seq, error }) => `seq ${seq} refused: ${error.message}`),
    ];
    super(`call ${callId}: transcript not fully stored: ${parts.filter(Boolean).join("; ")}`, {
      cause: dropped[0]?.error,
    });
  }
}

/**
 * Send a call's segments over `StreamTranscript` (a config message, then the segments) and
 * resolve once every final seq is acknowledged, re-sending the unacknowledged ones after a
 * reconnect. Segments come from an array or any (async) iterable, which may pace them.
 *
 * ```ts
 * await streamTranscript(client, callId, [
 *   { seq: 1n, speakerRole: SpeakerRole.CALLER, text: "My internet drops.", isFinal: true },
 * ]);
 * ```
 *
 * @param client - a client from `connect()`.
 * @param callId - the call the segments belong to.
 * @param segments - the segments, in seq order; only final ones are acknowledged.
 * @param options - acknowledgement timeout, backoff, callbacks and cancellation.
 * @throws ConnectError when the server refuses the stream (unknown call, wrong key).
 * @throws TranscriptStreamError when a segment was refused or left unacknowledged.
 */
export async function streamTranscript(
  client: WarmTransferClient,
  callId: string,
  segments: Iterable<SegmentInit> | AsyncIterable<SegmentInit>,
  options: StreamTranscriptOptions = {},
): Promise<StreamTranscriptResult> {
  const streamer = new TranscriptStreamer(client, callId, options);
  streamer.start();
  try {
    for await (const segment of segments) {
      if (streamer.error !== undefined) {
        break;
      }
      options.signal?.throwIfAborted();
      streamer.send(segment);
    }
  } catch (err) {
    await streamer.close(0);
    throw err;
  }
  const left = await streamer.close(options.ackTimeoutMs ?? 30_000);
  if (streamer.error !== undefined) {
    throw streamer.error;
  }
  options.signal?.throwIfAborted();
  if (left > 0 || streamer.dropped.length > 0) {
    throw new TranscriptStreamError(callId, streamer.unacknowledgedSeqs, streamer.dropped);
  }
  return {
    acknowledged: streamer.acknowledged,
    duplicates: streamer.duplicates,
    reconnects: streamer.reconnects,
  };
}

function segmentRequest(segment: TranscriptSegment): Request {
  return { request: { case: "segment", value: segment } };
}

function sortedSeqs(pending: Map<bigint, unknown>): bigint[] {
  return [...pending.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Wait for `promise` at most `timeoutMs` (forever when undefined); true if it settled. */
async function withTimeout(promise: Promise<unknown>, timeoutMs?: number): Promise<boolean> {
  if (timeoutMs === undefined) {
    await promise;
    return true;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
