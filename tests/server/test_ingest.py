"""StreamTranscript: durable, ordered, idempotent acks over a real server and store."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from tests.server.helpers import (
    config,
    create_call,
    ingest,
    requests_of,
    segment,
    wait_for_event,
)
from warmtransfer.client import Client
from warmtransfer.server.app import RunningServer
from warmtransfer.v1 import call_service_pb2, transcript_pb2, transcript_service_pb2

# The store conformance suite: each test here runs on both engines (tests/conftest.py).
STORE_ENGINES = ("sqlite", "postgresql")


async def test_the_server_stores_on_the_engine_under_test(
    server: RunningServer, store_engine: str
) -> None:
    assert server.deps.store.engine.name == store_engine


async def test_a_failed_claim_of_the_call_costs_no_ack_and_the_call_is_adopted(
    server: RunningServer, client: Client
) -> None:
    ownership, store = server.deps.ownership, server.deps.store
    tried = asyncio.Event()

    async def unreachable(*args: object, **kwargs: object) -> int | None:
        tried.set()
        raise ConnectionError("the database is away")

    store.acquire_call = unreachable  # type: ignore[method-assign]
    call_id = await create_call(client)
    assert await ingest(client, call_id, [segment(s) for s in (1, 2, 3, 4)]) == [1, 2, 3, 4]
    await asyncio.wait_for(tried.wait(), 30)  # the claim, made in the background, failed
    assert not ownership.owns(call_id)
    # The database is back: the next round of the ownership claims the call again (a round
    # looks at lapsed leases, not at every call, so the replica remembers its failed claims).
    del store.acquire_call
    await ownership.round()
    assert ownership.owns(call_id)
    await wait_for_event(
        client, call_id, lambda e: e.summary_updated.summary.covered_through_seq >= 2
    )


async def transcript(client: Client, call_id: str) -> list[transcript_pb2.TranscriptSegment]:
    response = await client.transcripts.GetTranscript(
        transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
    )
    return list(response.segments)


async def test_acks_every_final_segment_in_order(client: Client) -> None:
    call_id = await create_call(client)
    acked = await ingest(client, call_id, [segment(seq) for seq in range(1, 51)])
    assert acked == list(range(1, 51))
    stored = await transcript(client, call_id)
    assert [s.seq for s in stored] == list(range(1, 51))
    assert stored[7].text == "utterance number 8"


async def test_resent_seqs_are_acked_once_stored_once(client: Client) -> None:
    call_id = await create_call(client)
    await ingest(client, call_id, [segment(1, "first"), segment(2, "second")])
    stream = client.transcripts.StreamTranscript(
        requests_of([config(call_id), segment(1, "first"), segment(2, "second"), segment(3)])
    )
    responses = [r async for r in stream]
    assert [(r.acked_seq, r.duplicate) for r in responses] == [(1, True), (2, True), (3, False)]
    assert [s.seq for s in await transcript(client, call_id)] == [1, 2, 3]
    call = await client.calls.GetCall(call_service_pb2.GetCallRequest(call_id=call_id))
    assert call.call.final_segment_count == 3


async def test_gaps_are_allowed(client: Client) -> None:
    call_id = await create_call(client)
    assert await ingest(client, call_id, [segment(1), segment(5), segment(9)]) == [1, 5, 9]
    assert [s.seq for s in await transcript(client, call_id)] == [1, 5, 9]


async def test_new_seq_below_the_highest_stored_ends_the_stream(client: Client) -> None:
    call_id = await create_call(client)
    stream = client.transcripts.StreamTranscript(
        requests_of([config(call_id), segment(1), segment(5), segment(3), segment(6)])
    )
    acked = []
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for response in stream:
            acked.append(response.acked_seq)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "segment.seq" in (caught.value.details() or "")
    assert acked == [1, 5]
    seqs = [s.seq for s in await transcript(client, call_id)]
    assert 3 not in seqs and seqs[:2] == [1, 5]


async def test_interim_segments_are_not_stored_or_acked(client: Client) -> None:
    call_id = await create_call(client)
    acked = await ingest(
        client, call_id, [segment(1, "hel", final=False), segment(1, "hello there"), segment(2)]
    )
    assert acked == [1, 2]
    assert [s.text for s in await transcript(client, call_id)] == [
        "hello there",
        "utterance number 2",
    ]


@pytest.mark.slow
async def test_ten_thousand_segments_over_one_stream(client: Client) -> None:
    call_id = await create_call(client)
    acked = await asyncio.wait_for(
        ingest(client, call_id, (segment(seq) for seq in range(1, 10_001))), timeout=300
    )
    assert acked == list(range(1, 10_001))
    response = await client.transcripts.GetTranscript(
        transcript_service_pb2.GetTranscriptRequest(call_id=call_id, page_size=10_000)
    )
    assert len(response.segments) == 10_000 and not response.has_more
    assert response.segments[-1].seq == 10_000


@pytest.mark.slow
async def test_concurrent_streams_for_many_calls(client: Client) -> None:
    calls = [await create_call(client, f"cust-{i}") for i in range(20)]
    results = await asyncio.gather(
        *(ingest(client, call_id, [segment(s) for s in range(1, 101)]) for call_id in calls)
    )
    assert all(acked == list(range(1, 101)) for acked in results)
    for call_id in calls[:3]:
        assert len(await transcript(client, call_id)) == 100


async def test_transcript_pages(client: Client) -> None:
    call_id = await create_call(client)
    await ingest(client, call_id, [segment(seq) for seq in range(1, 8)])
    first = await client.transcripts.GetTranscript(
        transcript_service_pb2.GetTranscriptRequest(call_id=call_id, page_size=5)
    )
    assert [s.seq for s in first.segments] == [1, 2, 3, 4, 5] and first.has_more
    rest = await client.transcripts.GetTranscript(
        transcript_service_pb2.GetTranscriptRequest(call_id=call_id, after_seq=5, page_size=5)
    )
    assert [s.seq for s in rest.segments] == [6, 7] and not rest.has_more
