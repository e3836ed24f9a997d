/** The core story against the live server: ingest, summary, transfer briefing. */

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import {
  Code,
  ParticipantRole,
  TranscriptStreamer,
  type WarmTransferClient,
  streamTranscript,
  watchCall,
} from "../src/index.js";
import { SCRIPT, assertRejectsWith, client, newCustomerId, segments } from "./helpers.js";

describe("core story", () => {
  const wt = client();
  after(() => wt.close());

  test("the transfer briefing names the caller's problem", { timeout: 90_000 }, async () => {
    const callId = await newCall(wt);
    await wt.calls.issueToken({ callId, identity: "agent-a", role: ParticipantRole.AGENT });

    const streamed = await streamTranscript(wt, callId, segments());
    assert.equal(streamed.acknowledged, SCRIPT.length);

    // The summary is refreshed in the background: wait for the first one with a reason.
    const signal = AbortSignal.timeout(60_000);
    let reason = "";
    for await (const { event } of watchCall(wt, callId, { signal })) {
      if (event.case === "summaryUpdated" && event.value.summary?.reason) {
        reason = event.value.summary.reason;
        break;
      }
    }
    assert.match(reason, /internet/i);

    const { transfer, briefing } = await wt.transfers.startTransfer({
      callId,
      fromIdentity: "agent-a",
      toIdentity: "agent-b",
      reason: "billing question",
    });
    assert.equal(transfer?.toIdentity, "agent-b");
    const summary = briefing?.summary;
    assert.match(summary?.reason ?? "", /internet/i);
    assert.match(summary?.reason ?? "", /drop/i);
    assert.match(summary?.briefing ?? "", /internet/i);
    // The summary and the pending segments together cover everything said.
    const covered = Number(summary?.coveredThroughSeq ?? 0n);
    const pending = (briefing?.pendingSegments ?? []).map((s) => Number(s.seq));
    assert.deepEqual(pending, range(covered + 1, SCRIPT.length));

    await wt.calls.endCall({ callId });
  });

  test(
    "streamTranscript re-sends what a dropped connection lost",
    { timeout: 60_000 },
    async () => {
      const callId = await newCall(wt);
      const all = segments();
      const acks: bigint[] = [];
      const streamer = new TranscriptStreamer(wt, callId, {
        backoff: { initialDelayMs: 50, maxDelayMs: 200 },
        onAck: (seq) => acks.push(seq),
      });
      streamer.start();
      for (const segment of all.slice(0, 5)) streamer.send(segment);
      assert.equal(await streamer.waitAcknowledged(20_000), true);

      // Segments 6-8 go out, and the connection drops under them, acknowledged or not.
      for (const segment of all.slice(5, 8)) streamer.send(segment);
      wt.session.abort();
      for (const segment of all.slice(8)) streamer.send(segment);

      assert.equal(await streamer.close(20_000), 0, "every segment acknowledged");
      assert.ok(streamer.reconnects >= 1, "the stream was reopened");
      assert.equal(streamer.error, undefined);
      assert.deepEqual(streamer.dropped, []);
      assert.deepEqual(
        [...new Set(acks)].sort((a, b) => Number(a - b)),
        range(1, SCRIPT.length).map(BigInt),
      );

      const { segments: stored } = await wt.transcripts.getTranscript({ callId });
      assert.deepEqual(
        stored.map((s) => Number(s.seq)),
        range(1, SCRIPT.length),
        "stored exactly once each, in order",
      );
      await wt.calls.endCall({ callId });
    },
  );

  test("streamTranscript into an unknown call is NOT_FOUND", async () => {
    await assertRejectsWith(
      streamTranscript(wt, "c_000000000000000000000000", segments(2)),
      Code.NotFound,
    );
  });
});

async function newCall(wt: WarmTransferClient): Promise<string> {
  const { call } = await wt.calls.createCall({ customerId: newCustomerId() });
  assert.ok(call?.callId);
  return call.callId;
}

/** The integers from `first` to `last`, both included. */
function range(first: number, last: number): number[] {
  return Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);
}
