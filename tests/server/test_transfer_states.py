"""The transfer's state machine on the real call store and an in-memory LiveKit, with the clock
injected: its edge cases (timeouts, hang-ups, a restart mid-transfer, LiveKit failing) run in
milliseconds. The same machine on a real livekit-server: test_transfer_livekit.py,
test_transfer_edges.py, test_agent_inbox.py, test_transfer_failover.py."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.server.fake_livekit import FakeLiveKit
from warmtransfer.pipeline.worker.protocol import EVENTS_TOPIC
from warmtransfer.server.briefing import NOTHING_YET
from warmtransfer.server.errors import FailedPrecondition, Unavailable
from warmtransfer.server.ownership import CallOwnership
from warmtransfer.server.store import CallStore
from warmtransfer.server.store.calls import room_name
from warmtransfer.server.summary_storage import CallRef
from warmtransfer.server.transfer import coordinator as coordinator_module
from warmtransfer.server.transfer.coordinator import TransferCoordinator
from warmtransfer.server.transfer.states import (
    CANCELLED,
    COMPLETED,
    COMPLETING,
    CONSULTING,
    DECLINED,
    FAILED,
    MOVES,
)
from warmtransfer.v1 import call_pb2, transcript_pb2, transfer_pb2

TENANT = "t"
JOIN_TIMEOUT_S = 120.0
ARRIVAL_TIMEOUT_S = 60.0
WAIT_S = 10.0  # how long a test waits for something to happen (it happens in milliseconds)
AGENT = call_pb2.PARTICIPANT_ROLE_AGENT
CALLER = call_pb2.PARTICIPANT_ROLE_CALLER


class Clock:
    """Wall-clock seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def back_to_the_wall_clock(self) -> None:
        """The store stamps a transfer's changes on the wall clock: a test that goes on after
        advancing this one brings it back before the next change."""
        self.now = time.time()


@dataclass
class Setup:
    store: CallStore
    livekit: FakeLiveKit
    clock: Clock
    call_id: str

    @property
    def call_room(self) -> str:
        return room_name(self.call_id)

    def coordinator(self, ownership: CallOwnership | None = None) -> TransferCoordinator:
        return TransferCoordinator(
            self.store,
            self.livekit,
            join_timeout_s=JOIN_TIMEOUT_S,
            arrival_timeout_s=ARRIVAL_TIMEOUT_S,
            poll_interval_s=0.005,
            ownership=ownership,
            clock=self.clock,
        )


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    """A live call: the caller maria and agent alice in its room, with the transcriber."""
    store = await CallStore.open(tmp_path)
    call_id = (await store.create_call(TENANT, "cust-1", {})).call_id
    await store.register_participant(TENANT, call_id, "maria", CALLER)
    await store.register_participant(TENANT, call_id, "alice", AGENT)
    livekit = FakeLiveKit()
    room = room_name(call_id)
    await livekit.create_room(room, call_id=call_id, tenant_id=TENANT)
    livekit.join(room, "maria", "caller")
    livekit.join(room, "alice", "agent")
    livekit.join(room, "warmtransfer-transcriber", "service")
    yield Setup(store, livekit, Clock(), call_id)
    await store.close()


@pytest.fixture
async def coordinator(setup: Setup) -> AsyncIterator[TransferCoordinator]:
    made = setup.coordinator()
    yield made
    await made.close()


async def until(what: Callable[[], Awaitable[bool]], why: str) -> None:
    """Wait for a condition the machine reaches on its own (its watcher polls every 5 ms)."""
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not await what():
        assert asyncio.get_running_loop().time() < deadline, f"still waiting: {why}"
        await asyncio.sleep(0.005)


async def watcher_looks(setup: Setup, times: int = 3) -> None:
    """Wait until the transfer's watcher has looked at the call's room `times` more times: what
    it would have done by now, it has done."""
    looks = setup.livekit.looks
    target = looks[setup.call_room] + times

    async def looked() -> bool:
        return looks[setup.call_room] >= target

    await until(looked, f"{times} more looks at the call room")


async def reaches(setup: Setup, transfer_id: str, state: int) -> transfer_pb2.Transfer:
    async def there() -> bool:
        return (await setup.store.get_transfer(TENANT, transfer_id)).state == state

    await until(there, f"transfer in {transfer_pb2.TransferState.Name(state)}")  # type: ignore[arg-type]
    return await setup.store.get_transfer(TENANT, transfer_id)


async def accepted(setup: Setup, transfer: transfer_pb2.Transfer, why: str) -> None:
    async def there() -> bool:
        got = await setup.store.get_transfer(TENANT, transfer.transfer_id)
        return got.HasField("accepted_at")

    await until(there, why)


async def start(setup: Setup, coordinator: TransferCoordinator) -> transfer_pb2.Transfer:
    started = await coordinator.start(TENANT, setup.call_id, "alice", "bob", "billing question")
    return started.transfer


def assert_caller_back_with_a(setup: Setup, transfer: transfer_pb2.Transfer) -> None:
    room = setup.call_room
    assert setup.livekit.hears(room, "maria", "alice")
    assert setup.livekit.hears(room, "alice", "maria")
    assert not setup.livekit.music_on(room)
    assert transfer.consult_room_name not in setup.livekit.rooms


# -- the table ------------------------------------------------------------------------------


ALL_STATES = [s for s in transfer_pb2.TransferState.values() if s]


@pytest.mark.parametrize(
    ("before", "after"),
    [(b, a) for b, a in itertools.product(ALL_STATES, ALL_STATES) if a not in MOVES.get(b, ())],
    ids=lambda s: transfer_pb2.TransferState.Name(s).removeprefix("TRANSFER_STATE_"),
)
async def test_a_move_the_table_does_not_have_is_refused_where_state_changes(
    setup: Setup, before: int, after: int
) -> None:
    # The store is the one place a transfer's state changes: it refuses any move not in the
    # table, whoever asks, and leaves the transfer as it was.
    transfer, _ = await setup.store.start_transfer(
        TENANT, setup.call_id, from_identity="alice", to_identity="bob", reason=""
    )
    # `before` reached through the table: COMPLETED by way of COMPLETING, the others at once.
    path = [] if before == CONSULTING else [COMPLETING, before] if before == COMPLETED else [before]
    for state in path:
        await setup.store.change_transfer(TENANT, transfer.transfer_id, state=state)
    with pytest.raises(FailedPrecondition) as refused:
        await setup.store.change_transfer(TENANT, transfer.transfer_id, state=after)
    assert refused.value.field == "transfer_id"
    assert transfer_pb2.TransferState.Name(after) in str(refused.value)  # type: ignore[arg-type]
    assert (await setup.store.get_transfer(TENANT, transfer.transfer_id)).state == before


def test_the_table_ends_every_transfer_and_starts_none_over() -> None:
    ends = {COMPLETED, CANCELLED, DECLINED, FAILED}
    assert {s for s, to in MOVES.items() if not to} == ends
    assert set(MOVES) == set(ALL_STATES)
    # From every state under way, some way leads to an end; nothing leads out of an end.
    for state in (CONSULTING, COMPLETING):
        assert MOVES[state] & ends


# -- start ------------------------------------------------------------------------------------


async def test_start_holds_the_caller_plays_music_and_prepares_the_briefing(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    response = await coordinator.start(TENANT, setup.call_id, "alice", "bob", "billing question")
    lk, room = setup.livekit, setup.call_room
    assert response.transfer.state == CONSULTING
    assert not lk.hears(room, "maria", "alice") and not lk.hears(room, "alice", "maria")
    assert lk.music_on(room)
    assert response.transfer.consult_room_name in lk.rooms
    assert response.livekit_url == lk.url
    assert response.briefing.text == f"Transfer reason: billing question. {NOTHING_YET}"

    # The call's transcriber briefs B: the call room's metadata names the transfer.
    job = lk.call_room_briefing(room)
    assert job is not None and not lk.dispatched
    assert job.room == response.transfer.consult_room_name
    assert (job.to_identity, job.text) == ("bob", response.briefing.text)
    assert job.transfer_id == response.transfer.transfer_id


async def test_the_briefing_leaves_the_call_room_when_the_transfer_ends(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    transfer = await start(setup, coordinator)
    await coordinator.cancel(TENANT, transfer.transfer_id)
    assert setup.livekit.call_room_briefing(setup.call_room) is None
    assert not setup.livekit.music_on(setup.call_room)


async def test_a_failed_start_fails_the_transfer_and_undoes_the_hold(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    setup.livekit.fail("create_room")
    with pytest.raises(Unavailable):
        await start(setup, coordinator)
    call = await setup.store.get_call(TENANT, setup.call_id)
    assert call.state == call_pb2.CALL_STATE_ACTIVE
    assert setup.livekit.hears(setup.call_room, "maria", "alice")
    assert not setup.livekit.music_on(setup.call_room)
    # A second try, LiveKit back, starts a transfer: the failed one is not under way.
    setup.livekit.recover()
    assert (await start(setup, coordinator)).state == CONSULTING


async def test_music_that_cannot_start_is_silence_not_a_failed_transfer(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    setup.livekit.fail("set_hold_music")
    transfer = await start(setup, coordinator)
    assert transfer.state == CONSULTING
    assert not setup.livekit.hears(setup.call_room, "maria", "alice")


@pytest.mark.parametrize("hold", ["transfer", "hold"])
async def test_the_caller_stops_hearing_a_only_once_the_music_plays(
    setup: Setup, coordinator: TransferCoordinator, hold: str
) -> None:
    # Music starting while the caller's subscription to A is being taken away reaches the
    # caller's client twice (see TransferCoordinator._music_then_hold).
    lk, room = setup.livekit, setup.call_room
    lk.worker_plays_music = False
    holding: asyncio.Task[object]
    if hold == "transfer":
        holding = asyncio.create_task(start(setup, coordinator))
    else:
        holding = asyncio.create_task(coordinator.hold_call(TENANT, setup.call_id))

    async def asked_twice() -> bool:
        return lk.music_checks[room] >= 2

    await until(asked_twice, "the coordinator waiting for the music")
    assert lk.music_on(room)
    assert lk.hears(room, "maria", "alice") and lk.hears(room, "alice", "maria")
    # A transfer's briefing is named in the music's own metadata write: the transcriber starts
    # joining the consult room while the hold is put in place.
    briefing = lk.call_room_briefing(room)
    assert (briefing is not None) == (hold == "transfer")
    if briefing is not None:
        assert briefing.room in lk.rooms and briefing.to_identity == "bob"
    lk.worker_plays_music = True
    await asyncio.wait_for(holding, WAIT_S)
    assert not lk.hears(room, "maria", "alice") and not lk.hears(room, "alice", "maria")


async def test_the_hold_does_not_wait_for_music_that_never_plays(
    setup: Setup, coordinator: TransferCoordinator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(coordinator_module, "MUSIC_START_WAIT_S", 0.05)
    setup.livekit.worker_plays_music = False
    transfer = await start(setup, coordinator)
    assert transfer.state == CONSULTING
    assert not setup.livekit.hears(setup.call_room, "maria", "alice")


async def test_a_transcriber_whose_music_never_plays_is_not_left_to_brief_b(
    setup: Setup, coordinator: TransferCoordinator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(coordinator_module, "MUSIC_START_WAIT_S", 0.05)
    lk = setup.livekit
    lk.worker_plays_music = False
    transfer = await start(setup, coordinator)
    assert lk.music_on(setup.call_room)
    assert lk.call_room_briefing(setup.call_room) is None

    async def dispatched() -> bool:
        return bool(lk.dispatched)

    await until(dispatched, "the briefing's voice dispatched")
    [(consult_room, _job)] = lk.dispatched
    assert consult_room == transfer.consult_room_name


async def test_with_no_worker_in_the_room_the_hold_does_not_wait_and_b_is_briefed_anyway(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    lk = setup.livekit
    lk.leave(setup.call_room, "warmtransfer-transcriber")
    transfer = await start(setup, coordinator)
    assert lk.music_checks[setup.call_room] == 1
    assert not lk.hears(setup.call_room, "maria", "alice")

    # Nobody in the call room to brief B: a briefer is dispatched into the consult room.
    async def dispatched() -> bool:
        return bool(lk.dispatched)

    await until(dispatched, "the briefing's voice dispatched")
    [(consult_room, job)] = lk.dispatched
    assert consult_room == transfer.consult_room_name and job.to_identity == "bob"
    assert lk.call_room_briefing(setup.call_room) is None


# -- while consulting ---------------------------------------------------------------------------


async def test_b_never_answering_fails_the_transfer_and_gives_the_caller_back(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    transfer = await start(setup, coordinator)
    setup.clock.advance(JOIN_TIMEOUT_S - 1)
    await watcher_looks(setup)
    assert (await setup.store.get_transfer(TENANT, transfer.transfer_id)).state == CONSULTING
    setup.clock.advance(2)
    failed = await reaches(setup, transfer.transfer_id, FAILED)
    assert failed.end_reason == "bob did not answer the transfer in time"
    assert_caller_back_with_a(setup, transfer)
    [(room, topic, payload)] = setup.livekit.data
    assert (room, topic) == (transfer.consult_room_name, EVENTS_TOPIC)
    assert json.loads(payload)["reason"] == failed.end_reason
    call = await setup.store.get_call(TENANT, setup.call_id)
    assert call.state == call_pb2.CALL_STATE_ACTIVE


async def test_b_accepting_but_never_joining_fails_with_that_reason(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    transfer = await start(setup, coordinator)
    await coordinator.accept(TENANT, transfer.transfer_id)
    setup.clock.advance(JOIN_TIMEOUT_S + 1)
    failed = await reaches(setup, transfer.transfer_id, FAILED)
    assert failed.end_reason == "bob did not join the consult room in time"


async def test_b_joining_with_the_start_token_accepts_and_stops_the_clock(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    transfer = await start(setup, coordinator)
    setup.livekit.join(transfer.consult_room_name, "alice", "agent")
    setup.livekit.join(transfer.consult_room_name, "bob", "agent")
    await accepted(setup, transfer, "joining counted as accepting")
    setup.clock.advance(JOIN_TIMEOUT_S * 3)  # a long consult is not a timeout
    await watcher_looks(setup)
    assert (await setup.store.get_transfer(TENANT, transfer.transfer_id)).state == CONSULTING


async def test_the_caller_hanging_up_mid_consult_fails_the_transfer(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    transfer = await start(setup, coordinator)
    setup.livekit.leave(setup.call_room, "maria")
    failed = await reaches(setup, transfer.transfer_id, FAILED)
    assert failed.end_reason == "the caller hung up"
    assert transfer.consult_room_name not in setup.livekit.rooms
    [(_, _, payload)] = setup.livekit.data
    assert json.loads(payload) == {
        "type": "transfer_failed",
        "transfer_id": transfer.transfer_id,
        "reason": "the caller hung up",
    }


async def test_a_caller_not_yet_in_the_room_has_not_hung_up(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    # A transfer started before the caller's client joined (or while it reconnects): an empty
    # caller seat is a hang-up only once the caller has been seen.
    setup.livekit.leave(setup.call_room, "maria")
    transfer = await start(setup, coordinator)
    await watcher_looks(setup)
    assert (await setup.store.get_transfer(TENANT, transfer.transfer_id)).state == CONSULTING
    setup.livekit.join(setup.call_room, "maria", "caller")
    await watcher_looks(setup)
    setup.livekit.leave(setup.call_room, "maria")
    assert (await reaches(setup, transfer.transfer_id, FAILED)).end_reason == "the caller hung up"


async def test_the_spoken_briefing_is_brought_current_until_b_joins(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    transfer = await start(setup, coordinator)
    said = transcript_pb2.TranscriptSegment(
        seq=1,
        text="I was charged twice",
        is_final=True,
        speaker_role=transcript_pb2.SPEAKER_ROLE_CALLER,
    )
    await setup.store.append_segment(TENANT, setup.call_id, said, said.text)
    setup.clock.advance(1.5)

    async def current() -> bool:
        text = setup.livekit.briefing_text(transfer.consult_room_name)
        return text is not None and "I was charged twice" in text

    await until(current, "the newer briefing in the consult room's metadata")
    # Once B is there the briefing it heard stays: no more updates.
    setup.livekit.join(transfer.consult_room_name, "bob", "agent")
    before = setup.livekit.metadata[transfer.consult_room_name]
    await accepted(setup, transfer, "B seen in the consult room")
    said.seq, said.text = 2, "and the refund never came"
    await setup.store.append_segment(TENANT, setup.call_id, said, said.text)
    setup.clock.advance(1.5)
    await watcher_looks(setup)
    assert setup.livekit.metadata[transfer.consult_room_name] == before


@pytest.mark.parametrize("how", ["cancel", "decline"])
async def test_cancel_or_decline_gives_the_caller_back_to_a(
    setup: Setup, coordinator: TransferCoordinator, how: str
) -> None:
    transfer = await start(setup, coordinator)
    if how == "cancel":
        ended = await coordinator.cancel(TENANT, transfer.transfer_id)
        assert (ended.state, ended.end_reason) == (CANCELLED, "cancelled by the transferring agent")
    else:
        ended = await coordinator.decline(TENANT, transfer.transfer_id, "in a meeting")
        assert (ended.state, ended.end_reason) == (DECLINED, "declined by bob: in a meeting")
    assert_caller_back_with_a(setup, transfer)
    # An ended transfer cannot be cancelled, declined or completed again.
    for again in (
        coordinator.cancel(TENANT, transfer.transfer_id),
        coordinator.decline(TENANT, transfer.transfer_id, ""),
        coordinator.complete(TENANT, transfer.transfer_id),
    ):
        with pytest.raises(FailedPrecondition):
            await again


# -- completing ---------------------------------------------------------------------------------


async def test_complete_by_rejoin_removes_a_only_once_b_is_with_the_caller(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    transfer = await start(setup, coordinator)
    response = await coordinator.complete(TENANT, transfer.transfer_id)
    assert response.transfer.state == COMPLETING
    assert response.to_call_token  # self-hosted LiveKit: B re-joins with it
    await watcher_looks(setup)
    assert "alice" in setup.livekit.rooms[setup.call_room]  # the caller is never left alone
    setup.livekit.join(setup.call_room, "bob", "agent")
    await reaches(setup, transfer.transfer_id, COMPLETED)
    in_call = setup.livekit.rooms[setup.call_room]
    assert set(in_call) == {"maria", "bob", "warmtransfer-transcriber"}
    assert setup.livekit.hears(setup.call_room, "maria", "bob")
    assert not setup.livekit.music_on(setup.call_room)
    assert transfer.consult_room_name not in setup.livekit.rooms
    assert (await setup.store.get_call(TENANT, setup.call_id)).state == call_pb2.CALL_STATE_ACTIVE


async def test_complete_by_move_where_livekit_moves_participants(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    setup.livekit.can_move = True
    transfer = await start(setup, coordinator)
    setup.livekit.join(transfer.consult_room_name, "bob", "agent")
    response = await coordinator.complete(TENANT, transfer.transfer_id)
    assert not response.to_call_token
    await reaches(setup, transfer.transfer_id, COMPLETED)
    assert "bob" in setup.livekit.rooms[setup.call_room]
    assert "alice" not in setup.livekit.rooms[setup.call_room]


async def test_a_dropping_mid_consult_does_not_stop_b_taking_the_call(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    transfer = await start(setup, coordinator)
    setup.livekit.join(transfer.consult_room_name, "bob", "agent")
    setup.livekit.leave(setup.call_room, "alice")  # A's connection drops
    await coordinator.complete(TENANT, transfer.transfer_id)
    setup.livekit.join(setup.call_room, "bob", "agent")
    await reaches(setup, transfer.transfer_id, COMPLETED)
    assert not setup.livekit.music_on(setup.call_room)
    assert setup.livekit.hears(setup.call_room, "maria", "bob")


async def test_b_not_reaching_the_caller_returns_the_transfer_to_consulting(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    transfer = await start(setup, coordinator)
    await coordinator.complete(TENANT, transfer.transfer_id)
    setup.clock.advance(ARRIVAL_TIMEOUT_S + 1)
    back = await reaches(setup, transfer.transfer_id, CONSULTING)
    assert back.end_reason == "bob did not join the call in time"
    assert "alice" in setup.livekit.rooms[setup.call_room]
    # ... from where it can be completed again.
    setup.clock.back_to_the_wall_clock()
    await coordinator.complete(TENANT, transfer.transfer_id)
    setup.livekit.join(setup.call_room, "bob", "agent")
    await reaches(setup, transfer.transfer_id, COMPLETED)


async def test_the_caller_hanging_up_while_completing_fails_the_transfer(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    transfer = await start(setup, coordinator)
    await coordinator.complete(TENANT, transfer.transfer_id)
    setup.livekit.leave(setup.call_room, "maria")
    assert (await reaches(setup, transfer.transfer_id, FAILED)).end_reason == "the caller hung up"


# -- a restart mid-transfer ---------------------------------------------------------------------


async def restarted(setup: Setup) -> tuple[TransferCoordinator, CallOwnership]:
    """A replica started again on the same store: it owns the call and follows its transfer
    from what the store says (`watch_owned`, which the ownership's rounds call)."""
    ownership = CallOwnership(
        setup.store, "replica-2", lease_s=30, work=lambda _: None, finish=lambda _: None
    )
    assert await ownership.claim(CallRef(TENANT, setup.call_id))
    later = setup.coordinator(ownership)
    await later.watch_owned()
    return later, ownership


async def test_a_restart_mid_consult_follows_the_transfer_on(setup: Setup) -> None:
    first = setup.coordinator()
    transfer = await start(setup, first)
    await first.close()  # the replica stops: nobody follows the transfer
    later, _ = await restarted(setup)
    try:
        setup.livekit.leave(setup.call_room, "maria")  # the caller was let in: a hang-up
        failed = await reaches(setup, transfer.transfer_id, FAILED)
        assert failed.end_reason == "the caller hung up"
        assert not setup.livekit.music_on(setup.call_room)
        assert transfer.consult_room_name not in setup.livekit.rooms
    finally:
        await later.close()


async def test_a_restart_does_not_restart_the_timeouts(setup: Setup) -> None:
    first = setup.coordinator()
    transfer = await start(setup, first)
    await first.close()
    setup.clock.advance(JOIN_TIMEOUT_S + 1)  # the time passed while nobody followed it
    later, _ = await restarted(setup)
    try:
        failed = await reaches(setup, transfer.transfer_id, FAILED)
        assert failed.end_reason == "bob did not answer the transfer in time"
    finally:
        await later.close()


async def test_a_restart_mid_completion_hands_the_call_over(setup: Setup) -> None:
    first = setup.coordinator()
    transfer = await start(setup, first)
    await first.complete(TENANT, transfer.transfer_id)
    await first.close()
    setup.livekit.join(setup.call_room, "bob", "agent")  # B arrived while nobody looked
    later, _ = await restarted(setup)
    try:
        await reaches(setup, transfer.transfer_id, COMPLETED)
        assert "alice" not in setup.livekit.rooms[setup.call_room]
    finally:
        await later.close()


# -- hold outside a transfer --------------------------------------------------------------------


async def test_hold_and_resume_outside_a_transfer(
    setup: Setup, coordinator: TransferCoordinator
) -> None:
    lk, room = setup.livekit, setup.call_room
    held = await coordinator.hold_call(TENANT, setup.call_id)
    assert held.state == call_pb2.CALL_STATE_ON_HOLD
    assert not lk.hears(room, "maria", "alice") and not lk.hears(room, "alice", "maria")
    assert lk.music_on(room)
    with pytest.raises(FailedPrecondition):  # no transfer of a call on hold
        await start(setup, coordinator)
    resumed = await coordinator.resume_call(TENANT, setup.call_id)
    assert resumed.state == call_pb2.CALL_STATE_ACTIVE
    assert lk.hears(room, "maria", "alice") and lk.hears(room, "alice", "maria")
    assert not lk.music_on(room)


async def test_transfers_need_livekit(setup: Setup) -> None:
    without = TransferCoordinator(setup.store, None)
    with pytest.raises(FailedPrecondition, match="WARMTRANSFER_MEDIA=none"):
        await without.start(TENANT, setup.call_id, "alice", "bob", "")
