"""Calls on a real livekit-server: rooms follow calls, tokens carry the narrowest grants, real
participants join, are listed and removed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from livekit import api, rtc

from tests.livekit_server import LiveKitServer
from tests.server.livekit_helpers import AGENT, CALLER, SUPERVISOR, joined, new_call, token
from warmtransfer.client import Client
from warmtransfer.server.app import start_server
from warmtransfer.server.config import load_config
from warmtransfer.v1 import call_pb2, call_service_pb2

pytestmark = pytest.mark.slow


async def test_rooms_follow_calls(wt: Client, lk_api: api.LiveKitAPI) -> None:
    call = await new_call(wt)
    rooms = (await lk_api.room.list_rooms(api.ListRoomsRequest(names=[call.room_name]))).rooms
    assert [r.name for r in rooms] == [call.room_name]
    assert json.loads(rooms[0].metadata) == {
        "call_id": call.call_id,
        "tenant_id": "tenant-a",
        "hold_music": False,
    }
    await wt.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call.call_id))
    rooms = (await lk_api.room.list_rooms(api.ListRoomsRequest(names=[call.room_name]))).rooms
    assert rooms == []


async def test_tokens_carry_the_narrowest_grants(wt: Client, livekit: LiveKitServer) -> None:
    call = await new_call(wt)
    verifier = api.TokenVerifier(livekit.api_key, livekit.api_secret)
    response = await wt.calls.IssueToken(
        call_service_pb2.IssueTokenRequest(call_id=call.call_id, identity="maria", role=CALLER)
    )
    assert response.livekit_url == livekit.url and response.room_name == call.room_name
    claims = verifier.verify(response.token)
    caller = claims.video
    assert claims.identity == "maria" and caller is not None
    assert caller.room == call.room_name and caller.room_join
    assert not caller.room_create and not caller.room_admin
    assert caller.can_publish_sources == ["microphone"]
    assert caller.can_subscribe and not caller.can_publish_data
    assert claims.attributes == {
        "warmtransfer.role": "caller",
        "warmtransfer.call_id": call.call_id,
    }

    agent = verifier.verify(await token(wt, call.call_id, "agent-a", AGENT)).video
    assert agent is not None and agent.room == call.room_name and agent.can_publish_data
    supervisor = verifier.verify(await token(wt, call.call_id, "sup-1", SUPERVISOR)).video
    assert supervisor is not None and not supervisor.can_publish and supervisor.hidden
    assert supervisor.can_subscribe


async def test_identities_are_unique_per_call(wt: Client) -> None:
    call = await new_call(wt)
    await token(wt, call.call_id, "maria", CALLER)
    await token(wt, call.call_id, "maria", CALLER)  # a reconnect gets a fresh token
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await token(wt, call.call_id, "maria", AGENT)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "identity" in (caught.value.details() or "")
    other = await new_call(wt)
    await token(wt, other.call_id, "maria", AGENT)  # another call is another namespace


@pytest.mark.parametrize(
    ("identity", "role", "field"),
    [
        ("", CALLER, "identity"),
        ("a b", CALLER, "identity"),
        ("maria", 0, "role"),
        # The product's own names, and role, are not for people.
        ("warmtransfer-transcriber", AGENT, "identity"),
        ("maria", call_pb2.PARTICIPANT_ROLE_SERVICE, "role"),
    ],
)
async def test_bad_token_requests(wt: Client, identity: str, role: int, field: str) -> None:
    call = await new_call(wt)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await token(wt, call.call_id, identity, role)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in (caught.value.details() or "")


async def test_no_tokens_for_an_ended_call(wt: Client) -> None:
    call = await new_call(wt)
    await wt.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call.call_id))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await token(wt, call.call_id, "maria", CALLER)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_real_participants_are_listed_and_removed(wt: Client, livekit: LiveKitServer) -> None:
    call = await new_call(wt)
    caller = await joined(livekit.url, await token(wt, call.call_id, "maria", CALLER))
    agent = await joined(livekit.url, await token(wt, call.call_id, "agent-a", AGENT))
    try:
        assert caller.name == call.room_name
        listed = await wt.calls.ListParticipants(
            call_service_pb2.ListParticipantsRequest(call_id=call.call_id)
        )
        roles = {p.identity: p.role for p in listed.participants}
        assert roles == {"maria": CALLER, "agent-a": AGENT}

        gone = asyncio.Event()
        caller.on("disconnected", lambda *_: gone.set())
        await wt.calls.RemoveParticipant(
            call_service_pb2.RemoveParticipantRequest(call_id=call.call_id, identity="maria")
        )
        await asyncio.wait_for(gone.wait(), 30)
        listed = await wt.calls.ListParticipants(
            call_service_pb2.ListParticipantsRequest(call_id=call.call_id)
        )
        assert [p.identity for p in listed.participants] == ["agent-a"]
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await wt.calls.RemoveParticipant(
                call_service_pb2.RemoveParticipantRequest(call_id=call.call_id, identity="maria")
            )
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        await caller.disconnect()
        await agent.disconnect()


async def test_a_supervisor_cannot_publish_audio(wt: Client, livekit: LiveKitServer) -> None:
    call = await new_call(wt)
    supervisor = await joined(livekit.url, await token(wt, call.call_id, "sup-1", SUPERVISOR))
    try:
        source = rtc.AudioSource(48000, 1)
        track = rtc.LocalAudioTrack.create_audio_track("mic", source)
        options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        # LiveKit refuses the publication (the SDK reports the refusal as a timeout).
        with pytest.raises(Exception, match=r"(?i)permission|not allowed|denied|timed out"):
            await asyncio.wait_for(supervisor.local_participant.publish_track(track, options), 60)
        listed = await wt.calls.ListParticipants(
            call_service_pb2.ListParticipantsRequest(call_id=call.call_id)
        )
        [participant] = listed.participants
        assert participant.identity == "sup-1" and participant.role == SUPERVISOR
        assert not participant.publishing_audio
        await source.aclose()
    finally:
        await supervisor.disconnect()


async def test_unreachable_livekit_fails_create_call_clearly(
    tmp_path: Path, connect: Callable[[str], Client]
) -> None:
    from tests.server.processes import free_port

    env = {
        "WARMTRANSFER_API_KEYS": "key-a=tenant-a",
        "WARMTRANSFER_LISTEN": "127.0.0.1:0",
        "WARMTRANSFER_DATA_DIR": str(tmp_path / "unreachable"),  # not wt_server's store
        "LIVEKIT_URL": f"ws://127.0.0.1:{free_port()}",
    }
    running = await start_server(load_config(env))
    try:
        async with Client(f"127.0.0.1:{running.port}", api_key="key-a") as client:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await new_call(client)
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
            assert "LiveKit" in (caught.value.details() or "")
            listed = await client.calls.ListCalls(call_service_pb2.ListCallsRequest())
            assert list(listed.calls) == []  # no call without its room
    finally:
        await running.stop(grace=1)
