"""The media worker (`warmtransfer agent`, a livekit-agents worker in its own process) on a real
livekit-server: hold music reaches the caller during the transfer and stops after it; B hears
the briefing spoken and gets it as a data message as soon as B joins the consult room."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from livekit import rtc

from tests.livekit_server import LiveKitServer, WorkerProcess, running_worker
from tests.server.conftest import LiveCall
from tests.server.livekit_helpers import AGENT, CALLER, OTHER, Peer, new_call, token
from tests.server.test_transfer_livekit import start
from warmtransfer.client import Client
from warmtransfer.pipeline.worker.protocol import BRIEFING_TOPIC
from warmtransfer.server.app import RunningServer
from warmtransfer.v1 import call_service_pb2, transfer_service_pb2

pytestmark = pytest.mark.slow


@pytest.fixture
async def worker(livekit: LiveKitServer, wt_server: RunningServer) -> AsyncIterator[WorkerProcess]:
    async with running_worker(livekit, f"127.0.0.1:{wt_server.port}") as running:
        yield running


async def test_the_worker_answers_its_health_check_on_its_port(worker: WorkerProcess) -> None:
    # What a deployment's probe asks (deploy/: WARMTRANSFER_WORKER_HEALTH_PORT=8081).
    reader, writer = await asyncio.open_connection("127.0.0.1", worker.health_port)
    writer.write(b"GET / HTTP/1.0\r\nHost: worker\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 30)
    writer.close()
    assert answer.startswith(b"HTTP/1.") and b" 200 " in answer.split(b"\r\n")[0]
    assert answer.endswith(b"OK")


async def test_hold_music_and_spoken_briefing(
    worker: WorkerProcess, wt: Client, livekit: LiveKitServer, live_call: LiveCall
) -> None:
    call_id = live_call.call.call_id
    caller = live_call.caller
    started = await start(wt, call_id)
    # The caller hears hold music (and no longer A).
    await caller.wait_hearing(OTHER, frames=50, timeout=60)  # hold music
    await caller.wait_not_hearing("agent-a")

    b = Peer("agent-b")
    briefing: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()

    def on_data(packet: rtc.DataPacket) -> None:
        if packet.topic == BRIEFING_TOPIC and not briefing.done():
            briefing.set_result(json.loads(packet.data))

    b.room.on("data_received", on_data)
    await b.join(livekit.url, started.to_consult_token, publish=False)
    try:
        message = await asyncio.wait_for(briefing, 60)
        assert message["type"] == "briefing"
        assert "billing" in message["text"].lower() and "charged twice" in message["text"]
        await b.wait_hearing(OTHER, frames=50, timeout=60)  # the briefing, spoken

        completed = await wt.transfers.CompleteTransfer(
            transfer_service_pb2.CompleteTransferRequest(transfer_id=started.transfer.transfer_id)
        )
        await b.leave()
        b = await Peer("agent-b").join(livekit.url, completed.to_call_token)
        await caller.wait_hearing("agent-b")
        await caller.wait_not_hearing(OTHER)  # the music stops once B is there
    finally:
        await b.leave()


async def test_hold_call_plays_music_until_resumed(
    worker: WorkerProcess, wt: Client, live_call: LiveCall
) -> None:
    call_id = live_call.call.call_id
    caller = live_call.caller
    await wt.calls.HoldCall(call_service_pb2.HoldCallRequest(call_id=call_id))
    await caller.wait_hearing(OTHER, frames=50, timeout=60)  # hold music
    await wt.calls.ResumeCall(call_service_pb2.ResumeCallRequest(call_id=call_id))
    await caller.wait_not_hearing(OTHER)
    await caller.wait_hearing("agent-a")


async def test_one_worker_serves_transfer_after_transfer(
    worker: WorkerProcess, wt: Client, livekit: LiveKitServer
) -> None:
    for _ in range(3):
        call = await new_call(wt)
        caller = await Peer("maria").join(
            livekit.url, await token(wt, call.call_id, "maria", CALLER)
        )
        agent_a = await Peer("agent-a").join(
            livekit.url, await token(wt, call.call_id, "agent-a", AGENT)
        )
        try:
            await caller.wait_hearing("agent-a")
            started = await start(wt, call.call_id)
            await caller.wait_hearing(OTHER, frames=50, timeout=60)  # hold music, every time
            await wt.transfers.CancelTransfer(
                transfer_service_pb2.CancelTransferRequest(transfer_id=started.transfer.transfer_id)
            )
            await caller.wait_not_hearing(OTHER)
        finally:
            await caller.leave()
            await agent_a.leave()
