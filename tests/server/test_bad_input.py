"""Bad input gets the right status with the field named, and the server stays healthy."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from tests.server.helpers import config, create_call, ingest, requests_of, segment
from warmtransfer.client import Client
from warmtransfer.server.app import RunningServer
from warmtransfer.server.config import load_config
from warmtransfer.v1 import (
    call_pb2,
    call_service_pb2,
    context_service_pb2,
    transcript_service_pb2,
    transfer_service_pb2,
)

# The store conformance suite: each test here runs on both engines (tests/conftest.py).
STORE_ENGINES = ("sqlite", "postgresql")

INVALID = grpc.StatusCode.INVALID_ARGUMENT


async def expect(code: grpc.StatusCode, field: str, awaitable: object) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await awaitable  # type: ignore[misc]
    assert caught.value.code() == code, caught.value.details()
    assert field in (caught.value.details() or ""), caught.value.details()


async def stream_error(client: Client, requests: list[object]) -> grpc.aio.AioRpcError:
    stream = client.transcripts.StreamTranscript(requests_of(requests))  # type: ignore[arg-type]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in stream:
            pass
    return caught.value


@pytest.mark.parametrize(
    ("bad_segment", "field"),
    [
        (segment(1, ""), "segment.text"),
        (segment(1, "   "), "segment.text"),
        (segment(1, "x" * 4001), "segment.text"),
        (segment(0), "segment.seq"),
        (segment(-3), "segment.seq"),
    ],
)
async def test_bad_segments(client: Client, bad_segment: object, field: str) -> None:
    call_id = await create_call(client)
    error = await stream_error(client, [config(call_id), segment(1, "fine"), bad_segment])
    assert error.code() == INVALID and field in (error.details() or "")
    assert await ingest(client, call_id, [segment(2)]) == [2]  # the server is unharmed


async def test_segment_before_config_and_config_twice(client: Client) -> None:
    call_id = await create_call(client)
    error = await stream_error(client, [segment(1)])
    assert error.code() == INVALID and "config" in (error.details() or "")
    error = await stream_error(client, [config(call_id), config(call_id)])
    assert error.code() == INVALID and "config" in (error.details() or "")


async def test_missing_or_unknown_call_in_config(client: Client) -> None:
    error = await stream_error(client, [config(""), segment(1)])
    assert error.code() == INVALID and "config.call_id" in (error.details() or "")
    error = await stream_error(client, [config("c_" + "a" * 24), segment(1)])
    assert error.code() == grpc.StatusCode.NOT_FOUND


async def test_an_empty_stream_is_fine(client: Client) -> None:
    async def nothing() -> AsyncIterator[transcript_service_pb2.StreamTranscriptRequest]:
        return
        yield

    assert [r async for r in client.transcripts.StreamTranscript(nothing())] == []


async def test_bad_call_requests(client: Client) -> None:
    calls = client.calls
    await expect(INVALID, "customer_id", calls.CreateCall(call_service_pb2.CreateCallRequest()))
    await expect(
        INVALID,
        "customer_id",
        calls.CreateCall(call_service_pb2.CreateCallRequest(customer_id="x" * 300)),
    )
    await expect(
        INVALID,
        "metadata",
        calls.CreateCall(
            call_service_pb2.CreateCallRequest(customer_id="c", metadata={"k": "v" * 20_000})
        ),
    )
    await expect(
        INVALID,
        "metadata",
        calls.CreateCall(
            call_service_pb2.CreateCallRequest(
                customer_id="c", metadata={f"k{i}": "v" for i in range(65)}
            )
        ),
    )
    await expect(INVALID, "call_id", calls.GetCall(call_service_pb2.GetCallRequest()))
    await expect(
        INVALID, "call_id", calls.GetCall(call_service_pb2.GetCallRequest(call_id="../etc"))
    )
    await expect(
        grpc.StatusCode.NOT_FOUND,
        "call",
        calls.GetCall(call_service_pb2.GetCallRequest(call_id="c_" + "b" * 24)),
    )
    await expect(
        INVALID, "page_token", calls.ListCalls(call_service_pb2.ListCallsRequest(page_token="??"))
    )
    await expect(
        INVALID, "page_size", calls.ListCalls(call_service_pb2.ListCallsRequest(page_size=9999))
    )
    await expect(
        INVALID,
        "after_cursor",
        _first(
            client.transcripts.WatchCall(
                transcript_service_pb2.WatchCallRequest(
                    call_id=await create_call(client), after_cursor="nope"
                )
            )
        ),
    )


async def _first(stream: AsyncIterator[object]) -> object:
    async for item in stream:
        return item
    return None


async def test_rooms_need_livekit(client: Client) -> None:
    call_id = await create_call(client)  # without LiveKit a call is still recorded
    await expect(
        grpc.StatusCode.FAILED_PRECONDITION,
        "WARMTRANSFER_MEDIA=none",
        client.calls.IssueToken(
            call_service_pb2.IssueTokenRequest(
                call_id=call_id, identity="maria", role=call_pb2.PARTICIPANT_ROLE_CALLER
            )
        ),
    )
    await expect(
        grpc.StatusCode.FAILED_PRECONDITION,
        "WARMTRANSFER_MEDIA=none",
        client.calls.HoldCall(call_service_pb2.HoldCallRequest(call_id=call_id)),
    )
    await expect(
        grpc.StatusCode.FAILED_PRECONDITION,
        "WARMTRANSFER_MEDIA=none",
        client.transfers.StartTransfer(
            transfer_service_pb2.StartTransferRequest(
                call_id=call_id, from_identity="agent-a", to_identity="agent-b"
            )
        ),
    )


async def test_segments_per_call_limit(
    server_env: dict[str, str], connect: Callable[[str], Client]
) -> None:
    from warmtransfer.server.app import start_server

    server_env["WARMTRANSFER_MAX_SEGMENTS_PER_CALL"] = "3"
    small: RunningServer = await start_server(
        load_config(
            server_env | {"WARMTRANSFER_DATA_DIR": server_env["WARMTRANSFER_DATA_DIR"] + "-small"}
        )
    )
    try:
        client = Client(f"127.0.0.1:{small.port}", api_key="key-a")
        call_id = await create_call(client)
        error = await stream_error(client, [config(call_id), *[segment(s) for s in range(1, 6)]])
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert await ingest(client, call_id, [segment(1), segment(2), segment(3)]) == [1, 2, 3]
        await client.close()
    finally:
        await small.stop(grace=1)


async def test_listing_pages_through_every_call(client: Client) -> None:
    made = [await create_call(client, f"cust-{i % 2}") for i in range(7)]
    seen: list[str] = []
    token = ""
    while True:
        page = await client.calls.ListCalls(
            call_service_pb2.ListCallsRequest(page_size=3, page_token=token)
        )
        seen.extend(c.call_id for c in page.calls)
        token = page.next_page_token
        if not token:
            break
    assert seen == list(reversed(made))
    only = await client.calls.ListCalls(call_service_pb2.ListCallsRequest(customer_id="cust-0"))
    assert {c.call_id for c in only.calls} == set(made[0::2])


BAD_TIMESTAMPS = [
    Timestamp(seconds=253_402_300_800),  # year 10000
    Timestamp(seconds=-62_135_596_801),  # before year 1
    Timestamp(seconds=10, nanos=-1),
    Timestamp(seconds=10, nanos=1_000_000_000),
]


@pytest.mark.parametrize("bad", BAD_TIMESTAMPS, ids=str)
async def test_timestamps_out_of_range(client: Client, bad: Timestamp) -> None:
    call_id = await create_call(client)
    await expect(
        INVALID,
        "occurred_at",
        client.calls.RecordParticipantEvent(
            call_service_pb2.RecordParticipantEventRequest(
                call_id=call_id,
                identity="maria",
                kind=call_pb2.PARTICIPANT_EVENT_KIND_JOINED,
                occurred_at=bad,
            )
        ),
    )
    for name in ("start_time", "end_time"):
        request = context_service_pb2.SearchContextRequest(query="billing")
        getattr(request, name).CopyFrom(bad)
        await expect(INVALID, name, client.context.SearchContext(request))


@pytest.mark.parametrize(
    "bad",
    [
        Duration(seconds=315_576_000_001),
        Duration(seconds=-1),
        Duration(seconds=0, nanos=-5),
        Duration(seconds=1, nanos=-5),
        Duration(seconds=1, nanos=1_000_000_000),
    ],
    ids=str,
)
@pytest.mark.parametrize("name", ["start_offset", "end_offset"])
async def test_segment_offsets_out_of_range(client: Client, bad: Duration, name: str) -> None:
    call_id = await create_call(client)
    bad_segment = segment(2)
    getattr(bad_segment.segment, name).CopyFrom(bad)
    error = await stream_error(client, [config(call_id), segment(1), bad_segment])
    assert error.code() == INVALID and f"segment.{name}" in (error.details() or "")
    assert await ingest(client, call_id, [segment(2)]) == [2]
