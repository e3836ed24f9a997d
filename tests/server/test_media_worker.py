"""The media worker (`warmtransfer agent`, a livekit-agents worker in its own process) on a real
livekit-server: hold music reaches the caller during the transfer and stops after it; B hears
the briefing spoken and gets it as a data message as soon as B joins the consult room."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator

import psutil
import pytest
from livekit import api, rtc

from tests.livekit_server import LiveKitServer, WorkerProcess, running_worker
from tests.server.conftest import LiveCall
from tests.server.helpers import AGENT as AGENT_SPEAKER
from tests.server.helpers import ingest, segment
from tests.server.livekit_helpers import AGENT, CALLER, OTHER, Peer, new_call, token
from tests.server.test_transfer_livekit import start
from warmtransfer.client import Client
from warmtransfer.pipeline.worker.protocol import (
    AGENT_NAME,
    BRIEFING_TOPIC,
    HOLD_MUSIC_ATTRIBUTE,
    HOLD_MUSIC_PLAYING,
    TRANSCRIBER_IDENTITY,
    CallRoomState,
    ConsultRoomState,
)
from warmtransfer.server.app import RunningServer
from warmtransfer.server.transfer import coordinator as coordinator_module
from warmtransfer.v1 import call_pb2, call_service_pb2, transfer_service_pb2

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def patient_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server (in this process) waits as long as a loaded test box may need for the worker
    to say its hold music plays, so these tests see the transcriber's path and not the fallback
    for a worker that does not answer in time (`test_transfer_states` tests that one; how fast
    the music starts is `bench.transfer`'s to measure)."""
    monkeypatch.setattr(coordinator_module, "MUSIC_START_WAIT_S", 30.0)


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


async def test_the_worker_stops_cleanly_on_sigterm(
    livekit: LiveKitServer, wt_server: RunningServer, wt: Client, lk_api: api.LiveKitAPI
) -> None:
    async with running_worker(livekit, f"127.0.0.1:{wt_server.port}") as stopping:
        # A call's transcription under way in one of its job processes.
        call = await new_call(wt)
        await transcriber_joined(lk_api, call.room_name)
        stopping.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(stopping.process.wait(), 90)
    output = b"".join(stopping.output).decode(errors="replace")
    assert code == 0, output
    assert "Traceback" not in output and "CancelledError" not in output, output


def mapping(pid: int, library: str) -> bool:
    try:
        with open(f"/proc/{pid}/maps") as maps:
            return any(library in line for line in maps)
    except OSError:
        return False


async def test_the_jobs_share_one_copy_of_the_models(
    worker: WorkerProcess, wt: Client, lk_api: api.LiveKitAPI
) -> None:
    # A call's transcription under way, and the job processes kept warm beside it.
    call = await new_call(wt)
    await transcriber_joined(lk_api, call.room_name)
    processes = psutil.Process(worker.pid).children(recursive=True)
    # Whisper (CTranslate2) is loaded in one process of the worker: its inference process.
    whisper = [p.pid for p in processes if mapping(p.pid, "ctranslate2")]
    assert len(whisper) == 1, whisper
    # The job processes (the call's, and those kept warm once started) hold the VAD (ONNX
    # Runtime) only.
    jobs = [p.pid for p in processes if mapping(p.pid, "onnxruntime") and p.pid not in whisper]
    assert len(jobs) >= 2, [p.cmdline() for p in processes]


async def said(worker: WorkerProcess, words: bytes, timeout: float = 120) -> None:
    """Wait until the worker's output has a line with `words`."""
    async with asyncio.timeout(timeout):
        # The output is a list the worker's drainer appends to: there is nothing to wait on.
        while not any(words in line for line in worker.output):  # noqa: ASYNC110
            await asyncio.sleep(0.1)


async def test_a_full_worker_is_sent_no_calls_and_another_worker_takes_them(
    livekit: LiveKitServer, wt_server: RunningServer, wt: Client, lk_api: api.LiveKitAPI
) -> None:
    # Needs two workers, each with its job processes warm: a minute or two of model loading.
    server = f"127.0.0.1:{wt_server.port}"
    # Any load is over this threshold: the worker's memory alone makes it full.
    full_env = {"WARMTRANSFER_WORKER_LOAD_THRESHOLD": "0.0001"}
    async with running_worker(livekit, server, full_env) as full:
        await said(full, b"worker is at full capacity")
        async with running_worker(livekit, server) as free:
            call = await new_call(wt)
            await transcriber_joined(lk_api, call.room_name)
            assert any(b"received job request" in line for line in free.output)
            assert not any(b"received job request" in line for line in full.output)


async def transcriber_joined(lk_api: api.LiveKitAPI, room: str) -> None:
    async with asyncio.timeout(60):
        while True:
            request = api.ListParticipantsRequest(room=room)
            listed = (await lk_api.room.list_participants(request)).participants
            if any(p.identity == TRANSCRIBER_IDENTITY for p in listed):
                return
            await asyncio.sleep(0.1)


async def test_hold_music_and_spoken_briefing(
    worker: WorkerProcess, wt: Client, livekit: LiveKitServer, live_call: LiveCall
) -> None:
    call_id = live_call.call.call_id
    caller = live_call.caller
    started = await start(wt, call_id)
    # The caller hears hold music (and no longer A).
    await caller.wait_hearing(OTHER, frames=50, timeout=60)  # hold music
    await caller.wait_not_hearing("agent-a")
    # The music comes on the transcriber's own track, and nothing (the music included) arrives
    # on the caller's old subscription to A. The room's metadata says the call is on hold.
    via_a = caller.via.get("agent-a", 0)
    await caller.wait_hearing(OTHER, frames=50, timeout=60)
    assert caller.via.get("agent-a", 0) == via_a
    assert caller.via.get(TRANSCRIBER_IDENTITY, 0) >= 100
    assert CallRoomState.parse(caller.room.metadata).hold_music
    transcriber = caller.room.remote_participants[TRANSCRIBER_IDENTITY]
    assert transcriber.attributes.get(HOLD_MUSIC_ATTRIBUTE) == HOLD_MUSIC_PLAYING
    # The product's own participant is told apart from the people in the call.
    listed = await wt.calls.ListParticipants(
        call_service_pb2.ListParticipantsRequest(call_id=call_id)
    )
    roles = {p.identity: p.role for p in listed.participants}
    assert roles == {
        "maria": call_pb2.PARTICIPANT_ROLE_CALLER,
        "agent-a": call_pb2.PARTICIPANT_ROLE_AGENT,
        TRANSCRIBER_IDENTITY: call_pb2.PARTICIPANT_ROLE_SERVICE,
    }

    b, briefing = await join_to_be_briefed(livekit, started.to_consult_token)
    try:
        message = await asyncio.wait_for(briefing, 60)
        assert message["type"] == "briefing"
        assert message["transfer_id"] == started.transfer.transfer_id
        assert "billing" in message["text"].lower() and "charged twice" in message["text"]
        await b.wait_hearing(OTHER, frames=50, timeout=60)  # the briefing, spoken

        completed = await wt.transfers.CompleteTransfer(
            transfer_service_pb2.CompleteTransferRequest(transfer_id=started.transfer.transfer_id)
        )
        await b.leave()
        b = await Peer("agent-b").join(livekit.url, completed.to_call_token)
        await caller.wait_hearing("agent-b")
        await caller.wait_not_hearing(OTHER)  # the music stops once B is there
        assert not CallRoomState.parse(caller.room.metadata).hold_music
        await caller.wait_until(
            lambda: not transcriber.attributes.get(HOLD_MUSIC_ATTRIBUTE), timeout=30
        )
    finally:
        await b.leave()


async def test_the_spoken_briefing_is_brought_current_until_b_joins(
    worker: WorkerProcess,
    wt: Client,
    livekit: LiveKitServer,
    lk_api: api.LiveKitAPI,
    live_call: LiveCall,
) -> None:
    call_id = live_call.call.call_id
    started = await start(wt, call_id)
    assert "refund" not in started.briefing.text
    # The caller says more after A clicks and before B joins; the summary takes it in.
    # (Three lines: the summary is brought current every three new lines.)
    await ingest(
        wt,
        call_id,
        [
            segment(3, "Please refund the second charge to my card."),
            segment(4, "I will note the refund request.", role=AGENT_SPEAKER),
            segment(5, "Thank you, that would help."),
        ],
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while True:
        newer = await wt.transfers.AcceptTransfer(
            transfer_service_pb2.AcceptTransferRequest(transfer_id=started.transfer.transfer_id)
        )
        if newer.briefing.summary.covered_through_seq >= 3:  # then no new summary comes
            break
        assert loop.time() < deadline, "the summary did not take the new line in"
        await asyncio.sleep(0.2)
    assert newer.briefing.text != started.briefing.text
    # The voice waiting in the consult room is given the newer text ...
    consult = started.transfer.consult_room_name
    while ConsultRoomState.parse(await room_metadata(lk_api, consult)).briefing_text != (
        newer.briefing.text
    ):
        assert loop.time() < deadline, "the briefing was not brought current"
        await asyncio.sleep(0.2)
    # ... and that is what B gets on joining.
    b, briefing = await join_to_be_briefed(livekit, newer.consult_token)
    try:
        message = await asyncio.wait_for(briefing, 60)
        assert message["text"] == newer.briefing.text
        await b.wait_hearing(OTHER, frames=50, timeout=60)
    finally:
        await b.leave()


async def briefers_dispatched(lk_api: api.LiveKitAPI, room: str) -> int:
    # LiveKit lists an automatic dispatch (no agent name) for every room as well.
    dispatches = await lk_api.agent_dispatch.list_dispatch(room)
    return sum(1 for d in dispatches if d.agent_name == AGENT_NAME)


async def test_the_transcriber_briefs_b_and_without_it_a_briefer_is_dispatched(
    worker: WorkerProcess,
    wt: Client,
    livekit: LiveKitServer,
    lk_api: api.LiveKitAPI,
    live_call: LiveCall,
) -> None:
    call_room = live_call.call.room_name
    await transcriber_joined(lk_api, call_room)
    # With the transcriber in the call room: the call room's metadata names the briefing, and
    # the transcriber's process joins the consult room as the briefer (no job dispatched).
    started = await start(wt, live_call.call.call_id)
    consult = started.transfer.consult_room_name
    named = CallRoomState.parse(await room_metadata(lk_api, call_room)).briefing
    assert named is not None and named.room == consult
    assert named.transfer_id == started.transfer.transfer_id
    b, briefing = await join_to_be_briefed(livekit, started.to_consult_token)
    try:
        assert (await asyncio.wait_for(briefing, 60))["text"] == started.briefing.text
        await b.wait_hearing(OTHER, frames=50, timeout=60)
        assert await briefers_dispatched(lk_api, consult) == 0
    finally:
        await b.leave()
    await wt.transfers.CancelTransfer(
        transfer_service_pb2.CancelTransferRequest(transfer_id=started.transfer.transfer_id)
    )
    assert CallRoomState.parse(await room_metadata(lk_api, call_room)).briefing is None
    # Without it (gone from the room), a briefer is dispatched into the consult room instead.
    await lk_api.room.remove_participant(
        api.RoomParticipantIdentity(room=call_room, identity=TRANSCRIBER_IDENTITY)
    )
    again = await start(wt, live_call.call.call_id)
    assert CallRoomState.parse(await room_metadata(lk_api, call_room)).briefing is None
    b, briefing = await join_to_be_briefed(livekit, again.to_consult_token)
    try:
        assert (await asyncio.wait_for(briefing, 60))["text"] == again.briefing.text
        await b.wait_hearing(OTHER, frames=50, timeout=60)
        consult = again.transfer.consult_room_name
        assert await briefers_dispatched(lk_api, consult) == 1
    finally:
        await b.leave()


async def join_to_be_briefed(
    livekit: LiveKitServer, consult_token: str
) -> tuple[Peer, asyncio.Future[dict[str, str]]]:
    """B joining the consult room, listening, with the briefing's data message to come."""
    b = Peer("agent-b")
    briefing: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()

    def on_data(packet: rtc.DataPacket) -> None:
        if packet.topic == BRIEFING_TOPIC and not briefing.done():
            briefing.set_result(json.loads(packet.data))

    b.room.on("data_received", on_data)
    await b.join(livekit.url, consult_token, publish=False)
    return b, briefing


async def room_metadata(lk_api: api.LiveKitAPI, room: str) -> str:
    """The metadata of a LiveKit room, as LiveKit holds it ("" when it is gone)."""
    rooms = (await lk_api.room.list_rooms(api.ListRoomsRequest(names=[room]))).rooms
    return rooms[0].metadata if rooms else ""


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
