/**
 * The core story, end to end against a running server:
 *
 * 1. create a call for a customer;
 * 2. stream a scripted support conversation into it (as a speech-to-text worker would);
 * 3. watch the call until the rolling summary knows why the customer called;
 * 4. start a warm transfer from agent-a to agent-b and print the briefing agent-b gets;
 * 5. search the customer's history for the problem;
 * 6. end the call.
 *
 * Run it with `npx tsx examples/core-story.ts`. Environment: `WARMTRANSFER_TARGET` (default
 * 127.0.0.1:50051), `WARMTRANSFER_API_KEY` (default `dev`, the dev-mode key) and optionally
 * `WARMTRANSFER_CUSTOMER_ID` (default: a new id per run).
 */

import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import {
  type CallSummary,
  CallState,
  type ContextSnippet,
  ParticipantRole,
  type SegmentInit,
  SpeakerRole,
  type TranscriptSegment,
  connect,
  streamTranscript,
  watchCall,
  type WarmTransferClient,
} from "../src/index.js";

const target = process.env.WARMTRANSFER_TARGET || "127.0.0.1:50051";
const apiKey = process.env.WARMTRANSFER_API_KEY || "dev";
const customerId = process.env.WARMTRANSFER_CUSTOMER_ID || `cust-${randomUUID().slice(0, 8)}`;

const { CALLER, AGENT } = SpeakerRole;

/** The conversation: who speaks, and what they say. */
const SCRIPT: readonly (readonly [SpeakerRole, string])[] = [
  [AGENT, "Thank you for calling Northwind Broadband, this is Sam. How can I help you today?"],
  [CALLER, "Hi Sam. My internet keeps dropping every evening, and it has been like that all week."],
  [AGENT, "I'm sorry to hear that. Have you tried restarting the router?"],
  [CALLER, "Yes, I restarted the router twice and it still drops. I work from home, it's awful."],
  [AGENT, "I can see your modem lost its connection six times yesterday evening."],
  [AGENT, "I've reset your line from our side and pushed a firmware update to the modem."],
  [CALLER, "Thanks. Can I also get a credit for the evenings it was down?"],
  [AGENT, "Credits are handled by billing, so I'm transferring you to a billing specialist now."],
];

const HISTORY_QUERY = "internet connection dropping in the evening";
const SUMMARY_TIMEOUT_MS = 60_000;
const HISTORY_TIMEOUT_MS = 60_000;

async function main(): Promise<void> {
  const client = connect({ target, apiKey });
  try {
    await story(client);
  } finally {
    client.close();
  }
}

async function story(client: WarmTransferClient): Promise<void> {
  const { call } = await client.calls.createCall({
    customerId,
    metadata: { queue: "tech-support" },
  });
  if (!call) throw new Error("CreateCall returned no call");
  const callId = call.callId;
  console.log(`call: ${callId} for customer ${customerId} (room ${call.roomName})`);

  // The first agent takes the call: a join token registers agent-a as an agent of the call,
  // which a transfer requires of its transferring agent. (The token itself is a secret.)
  const token = await client.calls.issueToken({
    callId,
    identity: "agent-a",
    role: ParticipantRole.AGENT,
  });
  console.log(`agent-a: join token for ${token.roomName} at ${token.livekitUrl}`);

  // Watch from the call's first event while the transcript streams in.
  const [streamed, live] = await Promise.all([
    streamTranscript(client, callId, paced(SCRIPT, 150)).then((result) => {
      console.log(`streamed: ${result.acknowledged} segments acknowledged`);
      return result;
    }),
    firstSummaryWithReason(client, callId),
  ]);
  console.log(`summary: v${live.version} through seq ${live.coveredThroughSeq}: ${live.reason}`);

  const started = await client.transfers.startTransfer({
    callId,
    fromIdentity: "agent-a",
    toIdentity: "agent-b",
    reason: "The customer wants a credit for the outage; billing handles credits.",
  });
  const briefing = started.briefing;
  console.log(`transfer: ${started.transfer?.transferId} to agent-b`);
  console.log(`reason: ${briefing?.summary?.reason ?? ""}`);
  console.log(`briefing: ${briefing?.summary?.briefing ?? ""}`);
  const pending = briefing?.pendingSegments ?? [];
  if (pending.length === 0) console.log("pending: (none, the summary covers everything said)");
  for (const segment of pending) console.log(`pending: ${line(segment)}`);

  const hit = await searchHistory(client);
  console.log(
    `history: call ${hit.callId}, ${SpeakerRole[hit.speakerRole]?.toLowerCase()}: ` +
      `"${hit.text}" (score ${hit.score.toFixed(2)})`,
  );

  const ended = await client.calls.endCall({ callId });
  console.log(`ended: call ${ended.call?.callId} is ${CallState[ended.call?.state ?? 0]}`);
}

/** Watch the call until a summary update names the reason for the call. */
async function firstSummaryWithReason(
  client: WarmTransferClient,
  callId: string,
): Promise<CallSummary> {
  const signal = AbortSignal.timeout(SUMMARY_TIMEOUT_MS);
  for await (const { event } of watchCall(client, callId, { signal })) {
    if (event.case === "segmentAdded" && event.value.segment) {
      console.log(`  ${line(event.value.segment)}`);
    } else if (event.case === "summaryUpdated" && event.value.summary?.reason) {
      return event.value.summary; // leaving the loop closes the watch
    }
  }
  throw new Error(`the watch of call ${callId} ended before the summary had a reason`);
}

/** Search the customer's history; the index settles a moment later, so ask until it answers. */
async function searchHistory(client: WarmTransferClient): Promise<ContextSnippet> {
  const deadline = Date.now() + HISTORY_TIMEOUT_MS;
  for (;;) {
    const { snippets } = await client.context.searchContext({
      query: HISTORY_QUERY,
      customerId,
      limit: 3,
    });
    const best = snippets[0];
    if (best) return best;
    if (Date.now() > deadline) {
      throw new Error(`no history for customer ${customerId} after ${HISTORY_TIMEOUT_MS} ms`);
    }
    await delay(1_000);
  }
}

/** The script as final segments, one every `paceMs`, timed as if spoken. */
async function* paced(
  script: readonly (readonly [SpeakerRole, string])[],
  paceMs: number,
): AsyncGenerator<SegmentInit> {
  let clockMs = 0;
  for (const [index, [role, text]] of script.entries()) {
    await delay(paceMs);
    const durationMs = 1_000 + text.length * 60;
    yield {
      seq: BigInt(index + 1),
      speakerIdentity: role === CALLER ? "caller" : "agent-a",
      speakerRole: role,
      text,
      isFinal: true,
      startOffset: duration(clockMs),
      endOffset: duration(clockMs + durationMs),
    };
    clockMs += durationMs + 500;
  }
}

/** A `google.protobuf.Duration` of `ms` milliseconds. */
function duration(ms: number): { seconds: bigint; nanos: number } {
  return { seconds: BigInt(Math.floor(ms / 1_000)), nanos: (ms % 1_000) * 1_000_000 };
}

/** `[seq] speaker: text`. */
function line(segment: TranscriptSegment): string {
  const who = segment.speakerRole === CALLER ? "caller" : "agent ";
  return `[${segment.seq}] ${who}: ${segment.text}`;
}

main().catch((err: unknown) => {
  console.error(`core story failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
