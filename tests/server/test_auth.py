"""Authentication and tenant isolation, on both store engines."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from tests.server.helpers import create_call, ingest, segment
from warmtransfer.client import Client
from warmtransfer.server.app import RunningServer
from warmtransfer.v1 import (
    call_service_pb2,
    call_service_pb2_grpc,
    summary_service_pb2,
    transcript_pb2,
    transcript_service_pb2,
)

# The store conformance suite: each test here runs on both engines (tests/conftest.py).
STORE_ENGINES = ("sqlite", "postgresql")


async def test_missing_and_unknown_keys_are_unauthenticated(
    server: RunningServer, connect: Callable[[str], Client]
) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = call_service_pb2_grpc.CallServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.CreateCall(call_service_pb2.CreateCallRequest(customer_id="x"))
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "missing API key" in (caught.value.details() or "")
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.CreateCall(
                call_service_pb2.CreateCallRequest(customer_id="x"),
                metadata=(("authorization", "Basic abc"),),
            )
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await connect("not-a-key").calls.CreateCall(
            call_service_pb2.CreateCallRequest(customer_id="x")
        )
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_unauthenticated_streams_are_refused(connect: Callable[[str], Client]) -> None:
    stream = connect("wrong").transcripts.WatchCall(
        transcript_service_pb2.WatchCallRequest(call_id="c_" + "0" * 24)
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in stream:
            pass
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_another_tenants_call_is_not_found_everywhere(
    connect: Callable[[str], Client],
) -> None:
    a, b = connect("key-a"), connect("key-b")
    call_id = await create_call(a)
    await ingest(a, call_id, [segment(1)])
    attempts = [
        b.calls.GetCall(call_service_pb2.GetCallRequest(call_id=call_id)),
        b.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id)),
        b.transcripts.GetTranscript(transcript_service_pb2.GetTranscriptRequest(call_id=call_id)),
        b.summaries.GetSummary(summary_service_pb2.GetSummaryRequest(call_id=call_id)),
    ]
    for attempt in attempts:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await attempt
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await ingest(b, call_id, [segment(2)])
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in b.transcripts.WatchCall(
            transcript_service_pb2.WatchCallRequest(call_id=call_id)
        ):
            pass
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    listed = await b.calls.ListCalls(call_service_pb2.ListCallsRequest())
    assert call_id not in [c.call_id for c in listed.calls]
    # tenant A still sees its call, unharmed
    assert (await a.calls.GetCall(call_service_pb2.GetCallRequest(call_id=call_id))).call.call_id


async def test_raw_view_needs_a_privileged_key(connect: Callable[[str], Client]) -> None:
    a, admin = connect("key-a"), connect("key-a-admin")
    call_id = await create_call(a)
    await ingest(a, call_id, [segment(1, "my email is maria@example.com")])
    raw_request = transcript_service_pb2.GetTranscriptRequest(
        call_id=call_id, view=transcript_pb2.TRANSCRIPT_VIEW_RAW
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await a.transcripts.GetTranscript(raw_request)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "view" in (caught.value.details() or "")
    raw = await admin.transcripts.GetTranscript(raw_request)
    assert raw.segments[0].text == "my email is maria@example.com"
    redacted = await a.transcripts.GetTranscript(
        transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
    )
    assert redacted.segments[0].text == "my email is <EMAIL_ADDRESS>"


async def test_health_and_reflection_need_no_key(server: RunningServer) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "warmtransfer.v1.CallService", "warmtransfer.v1.ContextService"):
            response = await health.Check(health_pb2.HealthCheckRequest(service=service))
            assert response.status == health_pb2.HealthCheckResponse.SERVING
        from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

        stub = reflection_pb2_grpc.ServerReflectionStub(channel)

        async def one() -> reflection_pb2.ServerReflectionRequest:
            yield reflection_pb2.ServerReflectionRequest(list_services="")

        names = []
        async for response in stub.ServerReflectionInfo(one()):
            names = [s.name for s in response.list_services_response.service]
        assert "warmtransfer.v1.TranscriptService" in names


async def test_errors_carry_error_info_details(client: Client) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await client.calls.CreateCall(call_service_pb2.CreateCallRequest(customer_id=""))
    status = rpc_status.from_call(caught.value)
    assert status is not None
    from google.rpc import error_details_pb2

    infos: list[str] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            infos.extend(v.field for v in bad.field_violations)
    assert infos == ["customer_id"]
