"""The media worker's access: call-scoped tokens, participant reports, and its ingest stream.

A real server on a free port (without LiveKit: tokens are minted the way CreateCall mints them
for the worker's job).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest

from tests.server.helpers import create_call, ingest, segment
from warmtransfer.client import Client
from warmtransfer.server.app import RunningServer
from warmtransfer.server.ingest_tokens import IngestTokens, load_secret
from warmtransfer.v1 import (
    call_pb2,
    call_service_pb2,
    summary_service_pb2,
    transcript_service_pb2,
)

# The store conformance suite: each test here runs on both engines (tests/conftest.py).
STORE_ENGINES = ("sqlite", "postgresql")
JOINED = call_pb2.PARTICIPANT_EVENT_KIND_JOINED
LEFT = call_pb2.PARTICIPANT_EVENT_KIND_LEFT


def worker_client(server: RunningServer, tenant: str, call_id: str) -> Client:
    token = server.deps.ingest_tokens.mint(tenant, call_id)
    return Client(f"127.0.0.1:{server.port}", api_key=token)


def report(
    call_id: str, identity: str, kind: int
) -> call_service_pb2.RecordParticipantEventRequest:
    return call_service_pb2.RecordParticipantEventRequest(
        call_id=call_id,
        identity=identity,
        kind=kind,  # type: ignore[arg-type]
    )


async def test_a_call_token_streams_the_transcript_of_its_call(
    server: RunningServer, client: Client
) -> None:
    call_id = await create_call(client)
    async with worker_client(server, "tenant-a", call_id) as worker:
        assert await ingest(worker, call_id, [segment(1), segment(2)]) == [1, 2]
    stored = await client.transcripts.GetTranscript(
        transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
    )
    assert [s.seq for s in stored.segments] == [1, 2]


async def test_a_call_token_is_refused_for_other_calls_and_other_methods(
    server: RunningServer, client: Client
) -> None:
    call_id, other = await create_call(client), await create_call(client)
    async with worker_client(server, "tenant-a", call_id) as worker:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await ingest(worker, other, [segment(1)])
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert f"another call than {other!r}" in (caught.value.details() or "")
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await worker.calls.RecordParticipantEvent(report(other, "maria", JOINED))
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
        for attempt in (
            worker.calls.GetCall(call_service_pb2.GetCallRequest(call_id=call_id)),
            worker.calls.CreateCall(call_service_pb2.CreateCallRequest(customer_id="x")),
            worker.summaries.GetSummary(summary_service_pb2.GetSummaryRequest(call_id=call_id)),
            worker.transcripts.GetTranscript(
                transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
            ),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await attempt
            assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_forged_or_foreign_token_is_unauthenticated(
    server: RunningServer, client: Client, tmp_path: Path
) -> None:
    call_id = await create_call(client)
    genuine = server.deps.ingest_tokens.mint("tenant-a", call_id)
    foreign = IngestTokens(b"another server's secret, not ours").mint("tenant-a", call_id)
    payload, _, signature = genuine.removeprefix("wtc1.").partition(".")
    other_tenant = server.deps.ingest_tokens.mint("tenant-b", call_id).split(".")[1]
    for token in (foreign, f"wtc1.{other_tenant}.{signature}", f"wtc1.{payload}.", "wtc1.x.y"):
        async with Client(f"127.0.0.1:{server.port}", api_key=token) as worker:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await worker.calls.RecordParticipantEvent(report(call_id, "maria", JOINED))
            assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED, token


async def test_a_token_of_another_tenant_cannot_reach_this_call(
    server: RunningServer, client: Client
) -> None:
    call_id = await create_call(client)
    async with worker_client(server, "tenant-b", call_id) as worker:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await worker.calls.RecordParticipantEvent(report(call_id, "maria", JOINED))
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_the_secret_is_kept_and_reused(tmp_path: Path) -> None:
    first = load_secret(None, tmp_path / "data")
    assert load_secret(None, tmp_path / "data") == first
    assert (tmp_path / "data" / "ingest-secret").stat().st_mode & 0o077 == 0
    assert load_secret("configured-secret-of-length", tmp_path / "data") != first
    tokens = IngestTokens(first)
    assert tokens.verify(tokens.mint("t", "c_1")) is not None
    assert IngestTokens(load_secret(None, tmp_path / "data")).verify(tokens.mint("t", "c_1"))


async def test_participant_events_reach_watchers_with_the_issued_role(
    server: RunningServer, client: Client
) -> None:
    call_id = await create_call(client)
    await server.deps.store.register_participant(
        "tenant-a", call_id, "maria", call_pb2.PARTICIPANT_ROLE_CALLER
    )
    async with worker_client(server, "tenant-a", call_id) as worker:
        joined = await worker.calls.RecordParticipantEvent(report(call_id, "maria", JOINED))
        await worker.calls.RecordParticipantEvent(report(call_id, "stranger", JOINED))
        await worker.calls.RecordParticipantEvent(report(call_id, "maria", LEFT))
    assert joined.participant.role == call_pb2.PARTICIPANT_ROLE_CALLER

    seen: list[tuple[str, int, int]] = []
    request = transcript_service_pb2.WatchCallRequest(call_id=call_id)
    async with asyncio.timeout(30):
        async for event in client.transcripts.WatchCall(request):
            if event.WhichOneof("event") == "participant_changed":
                p = event.participant_changed
                seen.append((p.participant.identity, p.participant.role, p.kind))
            if len(seen) == 3:
                break
    caller = call_pb2.PARTICIPANT_ROLE_CALLER
    assert seen == [("maria", caller, JOINED), ("stranger", 0, JOINED), ("maria", caller, LEFT)]


async def test_participant_event_bad_input(
    server: RunningServer, connect: Callable[[str], Client]
) -> None:
    a = connect("key-a")
    call_id = await create_call(a)
    cases = [
        (report(call_id, "maria", 0), "kind"),
        (report(call_id, "", JOINED), "identity"),
        (report(call_id, "bad identity!", JOINED), "identity"),
        (report("nope", "maria", JOINED), "call_id"),
    ]
    for request, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await a.calls.RecordParticipantEvent(request)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in (caught.value.details() or "")
