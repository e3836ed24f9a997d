"""The receiving agent's side of a transfer, on a real livekit-server: B learns of the offer from
its own stream (WatchAgent) without knowing the call, sees the briefing, accepts or declines."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import grpc
import pytest
from livekit import api

from tests.livekit_server import LiveKitServer
from tests.server.conftest import LiveCall
from tests.server.helpers import wait_for_event
from tests.server.livekit_helpers import Peer
from tests.server.test_transfer_livekit import call_state, room_names, start
from warmtransfer.client import Client
from warmtransfer.server.app import RunningServer
from warmtransfer.v1 import call_pb2, transfer_pb2, transfer_service_pb2

# The store conformance suite: each test here runs on both engines (tests/conftest.py).
STORE_ENGINES = ("sqlite", "postgresql")

pytestmark = pytest.mark.slow
CONSULTING = transfer_pb2.TRANSFER_STATE_CONSULTING
UNSPECIFIED = transfer_pb2.TRANSFER_STATE_UNSPECIFIED
WatchAgentResponse = transfer_service_pb2.WatchAgentResponse


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {"WARMTRANSFER_API_KEYS": "key-a=tenant-a,key-b=tenant-b"}


class Inbox:
    """An agent's WatchAgent stream, read in the background."""

    def __init__(self, client: Client, identity: str, after_cursor: str = "") -> None:
        self.events: asyncio.Queue[WatchAgentResponse] = asyncio.Queue()
        self._call = client.transfers.WatchAgent(
            transfer_service_pb2.WatchAgentRequest(identity=identity, after_cursor=after_cursor)
        )
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for event in self._call:
            self.events.put_nowait(event)

    async def next(self, timeout: float = 30.0) -> WatchAgentResponse:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def until(self, state: int, timeout: float = 30.0) -> WatchAgentResponse:
        while True:
            event = await self.next(timeout)
            if event.transfer.state == state:
                return event

    def close(self) -> None:
        self._call.cancel()
        self._task.cancel()


@pytest.fixture
async def inbox_of_b(wt: Client) -> AsyncIterator[Inbox]:
    inbox = Inbox(wt, "agent-b")
    yield inbox
    inbox.close()


async def test_b_is_offered_the_transfer_with_its_briefing_then_accepts_and_consults(
    wt: Client, livekit: LiveKitServer, live_call: LiveCall, inbox_of_b: Inbox
) -> None:
    call_id = live_call.call.call_id
    started = await start(wt, call_id)
    transfer_id = started.transfer.transfer_id

    offer = await inbox_of_b.next()  # B knows nothing of the call before this
    assert offer.transfer.transfer_id == transfer_id
    assert offer.transfer.call_id == call_id
    assert offer.transfer.state == CONSULTING and offer.previous_state == UNSPECIFIED
    assert offer.transfer.from_identity == "agent-a" and offer.transfer.reason == "billing"
    assert not offer.transfer.HasField("accepted_at")
    briefing = offer.briefing
    said = " ".join(s.text for s in briefing.pending_segments)
    assert briefing.summary.covered_through_seq + len(briefing.pending_segments) == 2
    assert "charged twice" in briefing.summary.reason + " " + said
    assert offer.cursor and offer.event_time.seconds > 0

    accepted = await wt.transfers.AcceptTransfer(
        transfer_service_pb2.AcceptTransferRequest(transfer_id=transfer_id)
    )
    assert accepted.transfer.HasField("accepted_at")
    assert accepted.transfer.state == CONSULTING
    assert accepted.livekit_url == livekit.url
    assert "charged twice" in accepted.briefing.summary.reason + " ".join(
        s.text for s in accepted.briefing.pending_segments
    )
    change = await inbox_of_b.next()
    assert change.transfer.HasField("accepted_at") and change.previous_state == CONSULTING
    assert not change.HasField("briefing")  # only the offer carries one
    # A sees the acceptance on the call's own stream.
    seen = await wait_for_event(
        wt, call_id, lambda e: e.transfer_state_changed.transfer.HasField("accepted_at")
    )
    assert seen.transfer_state_changed.transfer.transfer_id == transfer_id
    # Accepting again changes nothing and still answers with a token.
    again = await wt.transfers.AcceptTransfer(
        transfer_service_pb2.AcceptTransferRequest(transfer_id=transfer_id)
    )
    assert again.transfer.accepted_at == accepted.transfer.accepted_at and again.consult_token

    # B's own token takes B into the consult room with A.
    a_consult = await Peer("agent-a").join(livekit.url, started.from_consult_token)
    b_consult = await Peer("agent-b").join(livekit.url, accepted.consult_token)
    try:
        assert b_consult.room.name == started.transfer.consult_room_name
        await b_consult.wait_hearing("agent-a")
        completing = await wt.transfers.CompleteTransfer(
            transfer_service_pb2.CompleteTransferRequest(transfer_id=transfer_id)
        )
        b_call = await Peer("agent-b").join(livekit.url, completing.to_call_token)
        try:
            await b_call.wait_hearing("maria")
            done = await inbox_of_b.until(transfer_pb2.TRANSFER_STATE_COMPLETED)
            assert done.previous_state == transfer_pb2.TRANSFER_STATE_COMPLETING
        finally:
            await b_call.leave()
    finally:
        await b_consult.leave()
        await a_consult.leave()


async def test_b_declining_gives_the_caller_back_to_a(
    wt: Client, lk_api: api.LiveKitAPI, live_call: LiveCall
) -> None:
    call_id = live_call.call.call_id
    caller, agent_a = live_call.caller, live_call.agent_a
    transfer = (await start(wt, call_id)).transfer
    await caller.wait_not_hearing("agent-a")

    inbox = Inbox(wt, "agent-b")  # opened after the offer: an offer under way is still there
    try:
        offer = await inbox.next()
        assert offer.transfer.transfer_id == transfer.transfer_id
        assert offer.briefing.summary.covered_through_seq + len(offer.briefing.pending_segments)
        declined = await wt.transfers.DeclineTransfer(
            transfer_service_pb2.DeclineTransferRequest(
                transfer_id=transfer.transfer_id, reason="on another call"
            )
        )
        assert declined.transfer.state == transfer_pb2.TRANSFER_STATE_DECLINED
        assert declined.transfer.end_reason == "declined by agent-b: on another call"
        change = await inbox.next()
        assert change.transfer.state == transfer_pb2.TRANSFER_STATE_DECLINED
        assert change.previous_state == CONSULTING
    finally:
        inbox.close()
    await caller.wait_hearing("agent-a")  # never left on hold
    await agent_a.wait_hearing("maria")
    assert await call_state(wt, call_id) == call_pb2.CALL_STATE_ACTIVE
    assert transfer.consult_room_name not in await room_names(lk_api)
    seen = await wait_for_event(
        wt,
        call_id,
        lambda e: e.transfer_state_changed.transfer.state == transfer_pb2.TRANSFER_STATE_DECLINED,
    )
    assert seen.transfer_state_changed.transfer.end_reason.startswith("declined by agent-b")
    for rpc, request in (
        (
            wt.transfers.DeclineTransfer,
            transfer_service_pb2.DeclineTransferRequest(transfer_id=transfer.transfer_id),
        ),
        (
            wt.transfers.AcceptTransfer,
            transfer_service_pb2.AcceptTransferRequest(transfer_id=transfer.transfer_id),
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await rpc(request)
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "DECLINED" in (caught.value.details() or "")


async def test_a_new_watcher_gets_only_offers_under_way_and_a_cursor_resumes_without_repeats(
    wt: Client, live_call: LiveCall
) -> None:
    call_id = live_call.call.call_id
    first = (await start(wt, call_id)).transfer
    await wt.transfers.CancelTransfer(
        transfer_service_pb2.CancelTransferRequest(transfer_id=first.transfer_id)
    )
    second = (await start(wt, call_id)).transfer

    inbox = Inbox(wt, "agent-b")
    try:
        offer = await inbox.next()
        assert offer.transfer.transfer_id == second.transfer_id  # the ended one is not offered
        assert offer.HasField("briefing")
    finally:
        inbox.close()

    # From the beginning: every change of both, in order; the ended offer without a briefing.
    everything = Inbox(wt, "agent-b", after_cursor="0")
    try:
        events = [await everything.next() for _ in range(3)]
    finally:
        everything.close()
    assert [(e.transfer.transfer_id, e.transfer.state) for e in events] == [
        (first.transfer_id, CONSULTING),
        (first.transfer_id, transfer_pb2.TRANSFER_STATE_CANCELLED),
        (second.transfer_id, CONSULTING),
    ]
    assert not events[0].HasField("briefing") and events[2].HasField("briefing")
    assert [int(e.cursor) for e in events] == sorted(int(e.cursor) for e in events)

    resumed = Inbox(wt, "agent-b", after_cursor=events[1].cursor)
    try:
        assert (await resumed.next()).cursor == events[2].cursor
        await wt.transfers.DeclineTransfer(
            transfer_service_pb2.DeclineTransferRequest(transfer_id=second.transfer_id)
        )
        after = await resumed.next()
        assert after.transfer.state == transfer_pb2.TRANSFER_STATE_DECLINED
        assert after.transfer.end_reason == "declined by agent-b"
        assert int(after.cursor) > int(events[2].cursor)
    finally:
        resumed.close()


async def test_another_tenant_never_sees_the_offer(
    wt: Client, wt_server: RunningServer, live_call: LiveCall
) -> None:
    async with Client(f"127.0.0.1:{wt_server.port}", api_key="key-b") as other:
        theirs = Inbox(other, "agent-b")
        ours = Inbox(wt, "agent-b")
        try:
            transfer = (await start(wt, live_call.call.call_id)).transfer
            assert (await ours.next()).transfer.transfer_id == transfer.transfer_id
            with pytest.raises(grpc.aio.AioRpcError) as caught:  # nor can act on it
                await other.transfers.AcceptTransfer(
                    transfer_service_pb2.AcceptTransferRequest(transfer_id=transfer.transfer_id)
                )
            assert caught.value.code() == grpc.StatusCode.NOT_FOUND
            await wt.transfers.CancelTransfer(
                transfer_service_pb2.CancelTransferRequest(transfer_id=transfer.transfer_id)
            )
            await ours.next()  # the cancellation reached tenant-a's watcher ...
            assert theirs.events.empty()  # ... and nothing reached tenant-b's
        finally:
            theirs.close()
            ours.close()


@pytest.mark.parametrize(
    ("method", "request_", "field"),
    [
        ("WatchAgent", transfer_service_pb2.WatchAgentRequest(), "identity"),
        ("WatchAgent", transfer_service_pb2.WatchAgentRequest(identity="a b"), "identity"),
        (
            "WatchAgent",
            transfer_service_pb2.WatchAgentRequest(identity="agent-b", after_cursor="x"),
            "after_cursor",
        ),
        ("AcceptTransfer", transfer_service_pb2.AcceptTransferRequest(), "transfer_id"),
        (
            "AcceptTransfer",
            transfer_service_pb2.AcceptTransferRequest(transfer_id="t_1"),
            "transfer_id",
        ),
        (
            "DeclineTransfer",
            transfer_service_pb2.DeclineTransferRequest(
                transfer_id="t_" + "0" * 24, reason="x" * 1001
            ),
            "reason",
        ),
    ],
)
async def test_bad_requests_name_the_field(
    wt: Client, method: str, request_: object, field: str
) -> None:
    rpc = getattr(wt.transfers, method)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        if method == "WatchAgent":
            async for _ in rpc(request_):
                pass
        else:
            await rpc(request_)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in (caught.value.details() or "")


async def test_an_unknown_transfer_is_not_found(wt: Client) -> None:
    for rpc, request in (
        (
            wt.transfers.AcceptTransfer,
            transfer_service_pb2.AcceptTransferRequest(transfer_id="t_" + "0" * 24),
        ),
        (
            wt.transfers.DeclineTransfer,
            transfer_service_pb2.DeclineTransferRequest(transfer_id="t_" + "0" * 24),
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await rpc(request)
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
        assert "t_000000000000000000000000" in (caught.value.details() or "")


async def test_a_stopping_server_ends_the_watch_with_the_cursor_to_resume_from(
    wt: Client, wt_server: RunningServer, live_call: LiveCall
) -> None:
    inbox = Inbox(wt, "agent-b")
    transfer = (await start(wt, live_call.call.call_id)).transfer
    offer = await inbox.next()
    assert offer.transfer.transfer_id == transfer.transfer_id
    await wt_server.stop(grace=5)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await asyncio.wait_for(inbox._task, 30)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert f"after_cursor={offer.cursor!r}" in (caught.value.details() or "")
    with contextlib.suppress(Exception):
        inbox.close()
