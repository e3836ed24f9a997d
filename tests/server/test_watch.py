"""WatchCall: ordered events, resume from a cursor without loss, live interims, clean end."""

from __future__ import annotations

import asyncio

from tests.server.helpers import config, create_call, ingest, segment
from warmtransfer.client import Client
from warmtransfer.v1 import call_pb2, call_service_pb2, transcript_service_pb2

# The store conformance suite: each test here runs on both engines (tests/conftest.py).
STORE_ENGINES = ("sqlite", "postgresql")

WatchCallRequest = transcript_service_pb2.WatchCallRequest


async def collect(client: Client, request: WatchCallRequest, count: int) -> list:  # type: ignore[type-arg]
    stream = client.transcripts.WatchCall(request)
    events = []
    async for event in stream:
        events.append(event)
        if len(events) == count:
            stream.cancel()
            break
    return events


def seqs(events: list) -> list[int]:  # type: ignore[type-arg]
    return [e.segment_added.segment.seq for e in events if e.WhichOneof("event") == "segment_added"]


async def test_events_arrive_in_order_with_increasing_cursors(client: Client) -> None:
    call_id = await create_call(client)
    await ingest(client, call_id, [segment(seq) for seq in range(1, 21)])
    events = await collect(client, WatchCallRequest(call_id=call_id), 21)
    first = events[0]
    assert first.WhichOneof("event") == "call_state_changed"
    assert first.call_state_changed.call.state == call_pb2.CALL_STATE_ACTIVE
    segment_events = [e for e in events if e.WhichOneof("event") == "segment_added"]
    assert [e.segment_added.segment.seq for e in segment_events] == list(range(1, 21))[
        : len(segment_events)
    ]
    cursors = [int(e.cursor) for e in events]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)
    assert all(e.call_id == call_id for e in events)


async def test_live_events_reach_a_watcher_and_resume_loses_nothing(client: Client) -> None:
    call_id = await create_call(client)
    received: list[transcript_service_pb2.WatchCallResponse] = []
    got_five = asyncio.Event()

    async def watch_until_five() -> None:
        async for event in client.transcripts.WatchCall(WatchCallRequest(call_id=call_id)):
            received.append(event)
            if len(seqs(received)) == 5:
                got_five.set()
                return

    watcher = asyncio.create_task(watch_until_five())
    await ingest(client, call_id, [segment(seq) for seq in range(1, 6)])
    await asyncio.wait_for(got_five.wait(), 30)
    await watcher
    # The watcher is gone; more happens; it comes back with its last cursor.
    await ingest(client, call_id, [segment(seq) for seq in range(6, 16)])
    last_cursor = received[-1].cursor
    resumed = []
    stream = client.transcripts.WatchCall(
        WatchCallRequest(call_id=call_id, after_cursor=last_cursor)
    )
    async for event in stream:
        resumed.append(event)
        if 15 in seqs(resumed):
            stream.cancel()
            break
    assert seqs(received) + seqs(resumed) == list(range(1, 16))
    assert int(resumed[0].cursor) > int(last_cursor)


async def test_live_only_skips_history_and_interims_are_shown(client: Client) -> None:
    call_id = await create_call(client)
    await ingest(client, call_id, [segment(1), segment(2)])
    stream = client.transcripts.WatchCall(WatchCallRequest(call_id=call_id, live_only=True))
    events: list[transcript_service_pb2.WatchCallResponse] = []

    async def read() -> None:
        async for event in stream:
            events.append(event)
            if event.WhichOneof("event") == "segment_added":
                return

    reader = asyncio.create_task(read())
    await asyncio.sleep(0)  # let the watch start before the live traffic
    # The watch registers on the server before its first read; an ingest stream sent after the
    # RPC started is seen. Keep sending interims until the watcher has subscribed.
    send_stream = client.transcripts.StreamTranscript()
    await send_stream.write(config(call_id))
    while not events:
        await send_stream.write(segment(3, "partial words", final=False))
        done, _ = await asyncio.wait({reader}, timeout=0.05)
        if done:
            break
    await send_stream.write(segment(3, "final words"))
    assert (await send_stream.read()).acked_seq == 3
    await send_stream.done_writing()
    await asyncio.wait_for(reader, 30)
    kinds = [e.WhichOneof("event") for e in events]
    assert kinds[0] == "segment_interim" and kinds[-1] == "segment_added"
    assert events[0].segment_interim.segment.text == "partial words"
    assert events[-1].segment_added.segment.seq == 3  # seq 1 and 2 were history, not replayed


async def test_watch_ends_after_the_call_ends_and_its_final_summary(client: Client) -> None:
    call_id = await create_call(client)
    await ingest(client, call_id, [segment(1, "I want to cancel my subscription")])
    await client.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id))
    events = [
        e async for e in client.transcripts.WatchCall(WatchCallRequest(call_id=call_id))
    ]  # the stream completes by itself
    kinds = [e.WhichOneof("event") for e in events]
    ended = next(
        i
        for i, e in enumerate(events)
        if e.call_state_changed.call.state == call_pb2.CALL_STATE_ENDED
    )
    # The rolling summary is flushed before the end; the final one, from the whole call, after.
    assert "summary_updated" in kinds[:ended]
    assert events[-1].summary_updated.summary.final and ended < len(events) - 1
    assert not any(e.summary_updated.summary.final for e in events[:ended])


async def test_watch_of_a_call_without_segments_ends_with_the_call(client: Client) -> None:
    call_id = await create_call(client)
    await client.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id))
    events = [e async for e in client.transcripts.WatchCall(WatchCallRequest(call_id=call_id))]
    assert events[-1].call_state_changed.call.state == call_pb2.CALL_STATE_ENDED
