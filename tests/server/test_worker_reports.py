"""The media worker's participant reports drive transfers: with the server's own polling made
too slow to matter, a caller hanging up mid-transfer still ends it at once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.livekit_server import LiveKitServer, running_worker
from tests.server.conftest import LiveCall
from tests.server.helpers import wait_for_event
from tests.server.livekit_helpers import OTHER
from tests.server.test_transfer_livekit import start
from warmtransfer.client import Client
from warmtransfer.server.app import RunningServer
from warmtransfer.v1 import call_pb2, transfer_pb2

pytestmark = pytest.mark.slow


@pytest.fixture
async def worker(livekit: LiveKitServer, wt_server: RunningServer) -> AsyncIterator[None]:
    async with running_worker(livekit, f"127.0.0.1:{wt_server.port}"):
        yield


@pytest.fixture
def extra_env() -> dict[str, str]:
    # Transfers look at their rooms only every 10 minutes on their own: whatever reacts sooner
    # in these tests was woken by the worker's participant reports.
    return {"WARMTRANSFER_TRANSFER_POLL_SECONDS": "600"}


async def test_the_workers_report_of_a_hang_up_ends_the_transfer_at_once(
    worker: None, wt: Client, livekit: LiveKitServer, live_call: LiveCall
) -> None:
    call_id = live_call.call.call_id
    joined = call_pb2.PARTICIPANT_EVENT_KIND_JOINED
    await wait_for_event(
        wt,
        call_id,
        lambda e: (
            e.participant_changed.participant.identity == "maria"
            and e.participant_changed.kind == joined
        ),
        timeout=60,
    )
    started = await start(wt, call_id)
    # Hold music reaches the caller a second or so after the start, long after the transfer's
    # first look at the room (made as it starts): from then on only a wake-up is quick.
    await live_call.caller.wait_hearing(OTHER, frames=20, timeout=60)
    await live_call.caller.leave()  # the caller hangs up while on hold
    event = await wait_for_event(
        wt,
        call_id,
        lambda e: e.transfer_state_changed.transfer.state == transfer_pb2.TRANSFER_STATE_FAILED,
        timeout=60,
    )
    assert event.transfer_state_changed.transfer.transfer_id == started.transfer.transfer_id
    assert event.transfer_state_changed.transfer.end_reason == "the caller hung up"
