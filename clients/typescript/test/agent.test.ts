/** watchAgent: the receiving agent learns of an offer (with its briefing) without the call id,
 * follows it to its end, and resumes from a cursor with nothing repeated. */

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import {
  ParticipantRole,
  TransferState,
  type WatchAgentResponse,
  streamTranscript,
  watchAgent,
} from "../src/index.js";
import { client, newCustomerId, segments } from "./helpers.js";

describe("watchAgent", () => {
  const wt = client();
  after(() => wt.close());

  const name = "an offer arrives with its briefing, then its end; a cursor resumes";
  test(name, { timeout: 90_000 }, async () => {
    const { call } = await wt.calls.createCall({ customerId: newCustomerId() });
    const callId = call?.callId ?? "";
    await streamTranscript(wt, callId, segments(4));
    await wt.calls.issueToken({ callId, identity: "agent-a", role: ParticipantRole.AGENT });
    const receiver = `agent-b-${callId.slice(-8)}`; // an identity no other run has offers for

    const controller = new AbortController();
    const seen: WatchAgentResponse[] = [];
    let offered: () => void = () => {};
    const firstOffer = new Promise<void>((resolve) => {
      offered = resolve;
    });
    const watching = (async () => {
      for await (const event of watchAgent(wt, receiver, { signal: controller.signal })) {
        seen.push(event);
        offered();
        if (event.transfer?.state === TransferState.DECLINED) return;
      }
    })();
    const started = await wt.transfers.startTransfer({
      callId,
      fromIdentity: "agent-a",
      toIdentity: receiver,
      reason: "billing credit",
    });
    const transferId = started.transfer?.transferId ?? "";
    await firstOffer; // declined only once offered, so the stream sees both
    await wt.transfers.declineTransfer({ transferId, reason: "on another call" });
    await watching;
    controller.abort();

    assert.deepEqual(
      seen.map((e) => e.transfer?.state),
      [TransferState.CONSULTING, TransferState.DECLINED],
    );
    const [offer, declined] = seen as [WatchAgentResponse, WatchAgentResponse];
    assert.equal(offer.transfer?.callId, callId);
    assert.equal(offer.previousState, TransferState.UNSPECIFIED);
    const briefing = offer.briefing;
    assert.ok(briefing, "the offer carries its briefing");
    const said = briefing.pendingSegments.length + Number(briefing.summary?.coveredThroughSeq ?? 0);
    assert.equal(said, 4);
    assert.equal(declined.transfer?.endReason, `declined by ${receiver}: on another call`);
    assert.equal(declined.briefing, undefined);

    // Resumed after the offer: only the decline, once.
    const resumed: WatchAgentResponse[] = [];
    const again = new AbortController();
    const options = { afterCursor: offer.cursor, signal: again.signal };
    for await (const event of watchAgent(wt, receiver, options)) {
      resumed.push(event);
      break;
    }
    assert.deepEqual(
      resumed.map((e) => e.cursor),
      [declined.cursor],
    );
    again.abort();
  });
});
