"""What the field gets wrong, on a real livekit-server: the caller hangs up mid-transfer (B is
told), A drops mid-consult, holding outside a transfer, LiveKit gone at the click: what real
LiveKit's rooms, permissions and data messages decide. The timeouts' edge cases run on the
in-memory LiveKit with injected time (test_transfer_states.py). Timeouts are shortened here."""

from __future__ import annotations

import asyncio
import json

import grpc
import pytest
from livekit import api, rtc

from tests.livekit_server import LiveKitServer
from tests.server.conftest import LiveCall
from tests.server.helpers import wait_for_event
from tests.server.livekit_helpers import Peer
from tests.server.test_transfer_livekit import call_state, room_names, start
from warmtransfer.client import Client
from warmtransfer.v1 import call_pb2, call_service_pb2, transfer_pb2, transfer_service_pb2

# The store conformance suite: each test here runs on both engines (tests/conftest.py).
STORE_ENGINES = ("sqlite", "postgresql")

pytestmark = pytest.mark.slow
JOIN_TIMEOUT_S = 3
ARRIVAL_TIMEOUT_S = 3


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {
        "WARMTRANSFER_TRANSFER_JOIN_TIMEOUT_SECONDS": str(JOIN_TIMEOUT_S),
        "WARMTRANSFER_TRANSFER_ARRIVAL_TIMEOUT_SECONDS": str(ARRIVAL_TIMEOUT_S),
    }


def failed(event: object) -> bool:
    transfer = event.transfer_state_changed.transfer  # type: ignore[attr-defined]
    return bool(transfer.state == transfer_pb2.TRANSFER_STATE_FAILED)


async def test_caller_hanging_up_ends_the_transfer_and_tells_b(
    wt: Client, livekit: LiveKitServer, lk_api: api.LiveKitAPI, live_call: LiveCall
) -> None:
    call_id = live_call.call.call_id
    started = await start(wt, call_id)
    b = await Peer("agent-b").join(livekit.url, started.to_consult_token)
    told: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()

    def on_data(packet: rtc.DataPacket) -> None:
        if packet.topic == "warmtransfer" and not told.done():
            told.set_result(json.loads(packet.data))

    b.room.on("data_received", on_data)
    try:
        await live_call.caller.leave()  # the caller hangs up while A and B consult
        event = await wait_for_event(wt, call_id, failed)
        assert event.transfer_state_changed.transfer.end_reason == "the caller hung up"
        message = await asyncio.wait_for(told, 30)
        assert message["type"] == "transfer_failed" and message["reason"] == "the caller hung up"
        await b.wait_until(b.disconnected.is_set)  # the consult room is closed
        assert started.transfer.consult_room_name not in await room_names(lk_api)
    finally:
        await b.leave()


async def test_hold_and_resume_outside_a_transfer(wt: Client, live_call: LiveCall) -> None:
    call_id = live_call.call.call_id
    caller, agent_a = live_call.caller, live_call.agent_a
    held = await wt.calls.HoldCall(call_service_pb2.HoldCallRequest(call_id=call_id))
    assert held.call.state == call_pb2.CALL_STATE_ON_HOLD
    await caller.wait_not_hearing("agent-a")
    await agent_a.wait_not_hearing("maria")
    with pytest.raises(Exception, match="ON_HOLD"):
        await start(wt, call_id)  # a held call is resumed before it is transferred
    resumed = await wt.calls.ResumeCall(call_service_pb2.ResumeCallRequest(call_id=call_id))
    assert resumed.call.state == call_pb2.CALL_STATE_ACTIVE
    await caller.wait_hearing("agent-a")
    await agent_a.wait_hearing("maria")


async def test_a_dropping_mid_consult_does_not_stop_b_taking_the_call(
    wt: Client, livekit: LiveKitServer, live_call: LiveCall
) -> None:
    call_id = live_call.call.call_id
    caller = live_call.caller
    started = await start(wt, call_id)
    b = await Peer("agent-b").join(livekit.url, started.to_consult_token)
    await live_call.agent_a.leave()  # A's connection drops
    completed = await wt.transfers.CompleteTransfer(
        transfer_service_pb2.CompleteTransferRequest(transfer_id=started.transfer.transfer_id)
    )
    await b.leave()
    b = await Peer("agent-b").join(livekit.url, completed.to_call_token)
    try:
        await caller.wait_hearing("agent-b")
        await wait_for_event(
            wt,
            call_id,
            lambda e: (
                e.transfer_state_changed.transfer.state == transfer_pb2.TRANSFER_STATE_COMPLETED
            ),
        )
        assert await call_state(wt, call_id) == call_pb2.CALL_STATE_ACTIVE
    finally:
        await b.leave()


async def test_a_failed_start_leaves_no_transfer_and_an_active_call(
    wt: Client, livekit: LiveKitServer, live_call: LiveCall
) -> None:
    call_id = live_call.call.call_id
    assert livekit.process is not None
    livekit.process.kill()  # LiveKit goes away between the call and the transfer
    await livekit.process.wait()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await start(wt, call_id)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "LiveKit" in (caught.value.details() or "")
    event = await wait_for_event(wt, call_id, failed)
    assert event.transfer_state_changed.transfer.end_reason.startswith("could not start")
    assert await call_state(wt, call_id) == call_pb2.CALL_STATE_ACTIVE  # not left transferring
