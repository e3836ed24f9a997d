"""The warm transfer on a real livekit-server, with real participants publishing audio:
hold cuts A and the caller apart, A and B consult in their own room, B takes the call by
re-joining (self-hosted LiveKit has no MoveParticipant), A leaves only once B is there."""

from __future__ import annotations

import grpc
import pytest
from livekit import api

from tests.livekit_server import LiveKitServer
from tests.server.conftest import LiveCall
from tests.server.helpers import wait_for_event
from tests.server.livekit_helpers import AGENT, CALLER, Peer, new_call, token
from warmtransfer.client import Client
from warmtransfer.v1 import (
    call_pb2,
    call_service_pb2,
    transfer_pb2,
    transfer_service_pb2,
)

pytestmark = pytest.mark.slow


async def start(wt: Client, call_id: str) -> transfer_service_pb2.StartTransferResponse:
    response: transfer_service_pb2.StartTransferResponse = await wt.transfers.StartTransfer(
        transfer_service_pb2.StartTransferRequest(
            call_id=call_id, from_identity="agent-a", to_identity="agent-b", reason="billing"
        )
    )
    return response


async def room_names(lk_api: api.LiveKitAPI) -> set[str]:
    return {r.name for r in (await lk_api.room.list_rooms(api.ListRoomsRequest())).rooms}


async def call_state(wt: Client, call_id: str) -> int:
    response = await wt.calls.GetCall(call_service_pb2.GetCallRequest(call_id=call_id))
    state: int = response.call.state
    return state


async def test_a_briefing_before_anything_is_transcribed_says_so(
    wt: Client, livekit: LiveKitServer
) -> None:
    call = await new_call(wt)
    agent_a = await Peer("agent-a").join(
        livekit.url, await token(wt, call.call_id, "agent-a", AGENT)
    )
    try:
        started = await start(wt, call.call_id)
        assert not started.briefing.pending_segments
        assert "Nothing has been transcribed on this call yet." in started.briefing.text
        assert started.briefing.text.startswith("Transfer reason: billing.")
    finally:
        await agent_a.leave()


async def test_complete_transfer_by_rejoin(
    wt: Client, livekit: LiveKitServer, lk_api: api.LiveKitAPI, live_call: LiveCall
) -> None:
    call_id = live_call.call.call_id
    caller, agent_a = live_call.caller, live_call.agent_a
    started = await start(wt, call_id)
    transfer = started.transfer
    assert transfer.state == transfer_pb2.TRANSFER_STATE_CONSULTING
    assert transfer.consult_room_name == f"consult-{transfer.transfer_id}"
    # The briefing came back at once: summary plus everything it has not read yet.
    briefing = started.briefing
    said = [s.text for s in briefing.pending_segments]
    assert briefing.summary.covered_through_seq + len(said) == 2
    assert "charged twice" in (briefing.summary.reason + " ".join(said))

    # Hold: the caller and A no longer hear each other.
    await caller.wait_not_hearing("agent-a")
    await agent_a.wait_not_hearing("maria")
    assert await call_state(wt, call_id) == call_pb2.CALL_STATE_TRANSFERRING

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await start(wt, call_id)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    # A and B consult privately.
    a_consult = await Peer("agent-a").join(livekit.url, started.from_consult_token)
    b_consult = await Peer("agent-b").join(livekit.url, started.to_consult_token)
    assert a_consult.room.name == b_consult.room.name == transfer.consult_room_name
    await b_consult.wait_hearing("agent-a")
    await a_consult.wait_hearing("agent-b")
    assert "agent-b" not in caller.frames  # the consult is private

    # Complete: self-hosted LiveKit cannot move B, so B gets a token for the call room.
    completed = await wt.transfers.CompleteTransfer(
        transfer_service_pb2.CompleteTransferRequest(transfer_id=transfer.transfer_id)
    )
    assert completed.transfer.state == transfer_pb2.TRANSFER_STATE_COMPLETING
    assert completed.to_call_token
    await b_consult.leave()
    await a_consult.leave()
    b_call = await Peer("agent-b").join(livekit.url, completed.to_call_token)
    try:
        await caller.wait_hearing("agent-b")
        await b_call.wait_hearing("maria")
        await agent_a.wait_until(agent_a.disconnected.is_set)  # A was let go after B arrived
        event = await wait_for_event(
            wt,
            call_id,
            lambda e: (
                e.transfer_state_changed.transfer.state == transfer_pb2.TRANSFER_STATE_COMPLETED
            ),
        )
        assert event.transfer_state_changed.previous_state == transfer_pb2.TRANSFER_STATE_COMPLETING
        got = await wt.transfers.GetTransfer(
            transfer_service_pb2.GetTransferRequest(transfer_id=transfer.transfer_id)
        )
        assert got.transfer.state == transfer_pb2.TRANSFER_STATE_COMPLETED
        assert await call_state(wt, call_id) == call_pb2.CALL_STATE_ACTIVE
        assert transfer.consult_room_name not in await room_names(lk_api)
        listed = await wt.calls.ListParticipants(
            call_service_pb2.ListParticipantsRequest(call_id=call_id)
        )
        assert {p.identity for p in listed.participants} == {"maria", "agent-b"}
    finally:
        await b_call.leave()


async def test_cancel_gives_the_caller_back_to_a(
    wt: Client, lk_api: api.LiveKitAPI, live_call: LiveCall
) -> None:
    call_id = live_call.call.call_id
    caller, agent_a = live_call.caller, live_call.agent_a
    transfer = (await start(wt, call_id)).transfer
    await caller.wait_not_hearing("agent-a")
    assert transfer.consult_room_name in await room_names(lk_api)

    cancelled = await wt.transfers.CancelTransfer(
        transfer_service_pb2.CancelTransferRequest(transfer_id=transfer.transfer_id)
    )
    assert cancelled.transfer.state == transfer_pb2.TRANSFER_STATE_CANCELLED
    await caller.wait_hearing("agent-a")
    await agent_a.wait_hearing("maria")
    assert await call_state(wt, call_id) == call_pb2.CALL_STATE_ACTIVE
    assert transfer.consult_room_name not in await room_names(lk_api)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await wt.transfers.CompleteTransfer(
            transfer_service_pb2.CompleteTransferRequest(transfer_id=transfer.transfer_id)
        )
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    # and the call can be transferred again
    again = await start(wt, call_id)
    assert again.transfer.transfer_id != transfer.transfer_id


async def test_only_an_agent_of_the_call_can_transfer_it(wt: Client) -> None:
    call = await new_call(wt)
    await token(wt, call.call_id, "maria", CALLER)
    for source, field in (("nobody", "from_identity"), ("maria", "from_identity")):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await wt.transfers.StartTransfer(
                transfer_service_pb2.StartTransferRequest(
                    call_id=call.call_id, from_identity=source, to_identity="agent-b"
                )
            )
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert field in (caught.value.details() or "")
    await token(wt, call.call_id, "agent-a", AGENT)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await wt.transfers.StartTransfer(
            transfer_service_pb2.StartTransferRequest(
                call_id=call.call_id, from_identity="agent-a", to_identity="maria"
            )
        )
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "to_identity" in (caught.value.details() or "")
