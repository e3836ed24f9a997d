/** watchCall resumes after a dropped stream from the last cursor: no gap, no duplicate. */

import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { after, describe, test } from "node:test";
import {
  type ReconnectInfo,
  type SegmentInit,
  type WarmTransferClient,
  type WatchCallResponse,
  streamTranscript,
  watchCall,
} from "../src/index.js";
import { SCRIPT, client, newCustomerId, segments } from "./helpers.js";

/** Pace the segments so that the watch sees them live, not only replayed. */
async function* paced(items: SegmentInit[], ms: number): AsyncGenerator<SegmentInit> {
  for (const item of items) {
    await delay(ms);
    yield item;
  }
}

describe("watchCall", () => {
  const wt = client();
  after(() => wt.close());

  test("a dropped stream resumes with no gap and no duplicate", { timeout: 90_000 }, async () => {
    const { call } = await wt.calls.createCall({ customerId: newCustomerId() });
    const callId = call?.callId ?? "";
    // The watcher has a connection of its own: dropping it leaves the ingest alone.
    const watcher = client();
    const reconnects: ReconnectInfo[] = [];
    const seen: WatchCallResponse[] = [];
    try {
      const watching = (async () => {
        const signal = AbortSignal.timeout(80_000);
        const backoff = { initialDelayMs: 50, maxDelayMs: 200 };
        const onReconnect = (info: ReconnectInfo): number => reconnects.push(info);
        for await (const event of watchCall(watcher, callId, { signal, backoff, onReconnect })) {
          seen.push(event);
          const added = event.event.case === "segmentAdded" ? event.event.value.segment : undefined;
          if (added?.seq === 4n) {
            watcher.session.abort(); // the network drops under the live stream
          }
        }
      })();
      const ingest = (async () => {
        await streamTranscript(wt, callId, paced(segments(), 40));
        await wt.calls.endCall({ callId });
      })();
      await Promise.all([ingest, watching]); // the watch ends once the final summary was sent
    } finally {
      watcher.close();
    }

    assert.ok(reconnects.length >= 1, "the watch reconnected");
    assert.ok(
      reconnects.every((r) => r.cursor !== ""),
      "it resumed from a cursor",
    );
    assertNoGapNoDuplicate(seen);

    // A watch that never broke sees exactly the same events.
    const reference = await collect(wt, callId);
    assert.deepEqual(cursors(seen), cursors(reference));
    const last = reference.at(-1)?.event;
    assert.ok(
      last?.case === "summaryUpdated" && last.value.summary?.final,
      "ends on the final summary",
    );
  });

  test("afterCursor resumes right after a mid-point", { timeout: 90_000 }, async () => {
    const { call } = await wt.calls.createCall({ customerId: newCustomerId() });
    const callId = call?.callId ?? "";
    await streamTranscript(wt, callId, segments());
    await wt.calls.endCall({ callId });
    const all = await collect(wt, callId);
    assertNoGapNoDuplicate(all);

    const middle = all.findIndex(
      (e) => e.event.case === "segmentAdded" && e.event.value.segment?.seq === 5n,
    );
    assert.ok(middle > 0);
    const rest = await collect(wt, callId, all[middle]?.cursor);
    assert.deepEqual(cursors(rest), cursors(all.slice(middle + 1)));
    assert.deepEqual(seqs(rest), [6, 7, 8, 9, 10]);
  });

  test("breaking out of the loop closes the stream", { timeout: 30_000 }, async () => {
    const { call } = await wt.calls.createCall({ customerId: newCustomerId() });
    const callId = call?.callId ?? "";
    const watcher = client();
    try {
      for await (const event of watchCall(watcher, callId)) {
        assert.equal(event.callId, callId);
        assert.equal(watcher.session.state(), "open", "the watch stream is open");
        break;
      }
      // The call is live, so only the client can have closed the stream: the connection is
      // left without any.
      for (let i = 0; i < 50 && watcher.session.state() !== "idle"; i++) await delay(20);
      assert.equal(watcher.session.state(), "idle");
    } finally {
      watcher.close();
    }
    await wt.calls.endCall({ callId });
  });
});

/** Every event of an ended call (the watch ends by itself), optionally after `afterCursor`. */
async function collect(
  wt: WarmTransferClient,
  callId: string,
  afterCursor?: string,
): Promise<WatchCallResponse[]> {
  const events: WatchCallResponse[] = [];
  const signal = AbortSignal.timeout(60_000);
  for await (const event of watchCall(wt, callId, {
    signal,
    ...(afterCursor ? { afterCursor } : {}),
  })) {
    events.push(event);
  }
  return events;
}

/**
 * Cursors strictly increase (this server's cursors are decimal event positions), and every
 * segment seq of the script was added exactly once.
 */
function assertNoGapNoDuplicate(events: WatchCallResponse[]): void {
  const positions = cursors(events).map(BigInt);
  for (let i = 1; i < positions.length; i++) {
    assert.ok(
      positions[i - 1]! < positions[i]!,
      `cursor ${positions[i]} after ${positions[i - 1]}`,
    );
  }
  const added = seqs(events);
  assert.deepEqual(
    added,
    Array.from({ length: SCRIPT.length }, (_, i) => i + 1),
  );
}

function cursors(events: WatchCallResponse[]): string[] {
  return events.map((e) => e.cursor);
}

function seqs(events: WatchCallResponse[]): number[] {
  return events.flatMap((e) =>
    e.event.case === "segmentAdded" ? [Number(e.event.value.segment?.seq)] : [],
  );
}
