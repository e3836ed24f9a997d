"""One owner per call: a lease with a fencing epoch, on both engines. Time is passed in (the
store's `at_us`), so a lease lapses without waiting for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from warmtransfer.server.errors import FailedPrecondition
from warmtransfer.server.store import CallStore
from warmtransfer.v1 import call_pb2, summary_pb2, transcript_pb2, transfer_pb2

STORE_ENGINES = ("sqlite", "postgresql")
T0 = 1_900_000_000_000_000  # microseconds
S = 1_000_000


@pytest.fixture
async def store(tmp_path: Path, store_env: dict[str, str]) -> AsyncIterator[CallStore]:
    opened = await CallStore.open(tmp_path, database_url=store_env.get("DATABASE_URL"))
    yield opened
    await opened.close()


async def call_with_segments(store: CallStore, n: int = 2) -> str:
    call_id = (await store.create_call("t", "cust", {})).call_id
    for seq in range(1, n + 1):
        said = transcript_pb2.TranscriptSegment(seq=seq, text=f"line {seq}", is_final=True)
        await store.append_segment("t", call_id, said, f"line {seq}")
    return call_id


def summary(through: int, *, final: bool = False) -> summary_pb2.CallSummary:
    return summary_pb2.CallSummary(
        reason="r", covered_through_seq=through, summarizer="offline", final=final
    )


async def test_a_call_has_one_owner_until_its_lease_lapses(store: CallStore) -> None:
    call_id = await call_with_segments(store)
    assert await store.acquire_call(call_id, "A", lease_s=10, at_us=T0) == 1
    assert await store.acquire_call(call_id, "A", lease_s=10, at_us=T0 + S) == 1  # ours still
    assert await store.acquire_call(call_id, "B", lease_s=10, at_us=T0 + 2 * S) is None
    # A renews at +5 s (to +15 s): B still cannot take it at +14 s, and can at +16 s.
    assert await store.renew_calls("A", lease_s=10, at_us=T0 + 5 * S) == {call_id: ("t", 1)}
    assert await store.acquire_call(call_id, "B", lease_s=10, at_us=T0 + 14 * S) is None
    assert await store.acquire_call(call_id, "B", lease_s=10, at_us=T0 + 16 * S) == 2
    # A's lease is gone: renewing does not bring it back.
    assert await store.renew_calls("A", lease_s=10, at_us=T0 + 16 * S) == {}
    assert await store.renew_calls("B", lease_s=10, at_us=T0 + 17 * S) == {call_id: ("t", 2)}


async def test_a_write_under_a_stale_epoch_is_refused(store: CallStore) -> None:
    call_id = await call_with_segments(store)
    assert await store.acquire_call(call_id, "A", lease_s=10, at_us=T0) == 1
    await store.save_summary(call_id, summary(1), b"", fence=("A", 1))
    assert await store.acquire_call(call_id, "B", lease_s=10, at_us=T0 + 11 * S) == 2
    # A comes back, unaware: its summary and index progress are refused, B's are not.
    with pytest.raises(FailedPrecondition, match="stale"):
        await store.save_summary(call_id, summary(2), b"", fence=("A", 1))
    with pytest.raises(FailedPrecondition, match="stale"):
        await store.save_index_progress(call_id, 2, 1, fence=("A", 1))
    saved = await store.save_summary(call_id, summary(2), b"", fence=("B", 2))
    assert saved.covered_through_seq == 2
    await store.save_index_progress(call_id, 2, 1, fence=("B", 2))
    assert await store.index_progress(call_id) == (2, 1)


async def test_a_released_call_is_taken_at_once(store: CallStore) -> None:
    call_id = await call_with_segments(store)
    assert await store.acquire_call(call_id, "A", lease_s=10, at_us=T0) == 1
    await store.release_call(call_id, "B")  # not B's to give up: nothing happens
    assert await store.acquire_call(call_id, "B", lease_s=10, at_us=T0 + S) is None
    await store.release_call(call_id, "A")
    assert await store.acquire_call(call_id, "B", lease_s=10, at_us=T0 + S) == 1


async def test_calls_with_work_and_no_living_owner_are_found(store: CallStore) -> None:
    idle = (await store.create_call("t", "cust", {})).call_id  # nothing said: no work
    busy = await call_with_segments(store)
    assert await store.calls_without_owner(at_us=T0) == [("t", busy)]
    await store.acquire_call(busy, "A", lease_s=10, at_us=T0)
    assert await store.calls_without_owner(at_us=T0 + 5 * S) == []
    assert await store.calls_without_owner(at_us=T0 + 11 * S) == [("t", busy)]
    assert idle != busy


async def test_an_owner_learns_which_of_its_calls_ended_and_which_are_done(
    store: CallStore,
) -> None:
    live, ended = await call_with_segments(store), await call_with_segments(store)
    for call_id in (live, ended):
        await store.acquire_call(call_id, "A", lease_s=10, at_us=T0)
    await store.end_call("t", ended)
    assert await store.owned_calls_state("A", at_us=T0 + S) == ([ended], [])
    await store.save_summary(ended, summary(2, final=True), b"", fence=("A", 1))
    # Summarized, not yet indexed to its end: neither waiting nor done.
    assert await store.owned_calls_state("A", at_us=T0 + S) == ([], [])
    await store.save_index_progress(ended, 2, 1, fence=("A", 1))
    assert await store.owned_calls_state("A", at_us=T0 + S) == ([], [ended])


async def test_a_transfer_under_way_is_work_of_its_call(store: CallStore) -> None:
    call_id = (await store.create_call("t", "cust", {})).call_id  # nothing said yet
    await store.register_participant("t", call_id, "maria", call_pb2.PARTICIPANT_ROLE_CALLER)
    await store.register_participant("t", call_id, "agent-a", call_pb2.PARTICIPANT_ROLE_AGENT)
    transfer, _ = await store.start_transfer(
        "t", call_id, from_identity="agent-a", to_identity="agent-b", reason="billing"
    )
    # Its transfer needs following: the call is adopted like one with a summary behind.
    assert await store.calls_without_owner(at_us=T0) == [("t", call_id)]
    await store.acquire_call(call_id, "A", lease_s=10, at_us=T0)
    [(tenant, followed, caller_let_in)] = await store.owned_transfers("A", at_us=T0 + S)
    assert (tenant, followed.transfer_id, caller_let_in) == ("t", transfer.transfer_id, True)
    assert await store.owned_transfers("B", at_us=T0 + S) == []
    assert await store.owned_transfers("A", at_us=T0 + 11 * S) == []  # A's lease lapsed
    # The call ends mid-transfer: its owner keeps it until the transfer has ended too.
    await store.end_call("t", call_id)
    assert await store.owned_calls_state("A", at_us=T0 + S) == ([], [])
    await store.change_transfer(
        "t",
        transfer.transfer_id,
        state=transfer_pb2.TRANSFER_STATE_FAILED,
        end_reason="the caller hung up",
    )
    assert await store.owned_transfers("A", at_us=T0 + S) == []
    assert await store.owned_calls_state("A", at_us=T0 + S) == ([], [call_id])


async def test_a_round_looks_for_orphans_among_lapsed_leases_only(store: CallStore) -> None:
    # Two calls with work waiting: one that no replica ever claimed, one whose owner's lease
    # lapses. A round reads the owners' table (the lapsed lease); start-up reads everything.
    never_claimed = await call_with_segments(store)
    owned = await call_with_segments(store)
    await store.acquire_call(owned, "A", lease_s=10, at_us=T0)
    assert await store.calls_without_owner(at_us=T0 + 5 * S, whole_history=False) == []
    assert await store.calls_without_owner(at_us=T0 + 11 * S, whole_history=False) == [("t", owned)]
    assert await store.calls_without_owner(at_us=T0 + 11 * S) == sorted(
        [("t", never_claimed), ("t", owned)]
    )


async def test_a_replicas_open_streams_live_with_its_lease(store: CallStore) -> None:
    # What EndCall on any replica reads to wait for the transcriber's stream (open_streams).
    call_id = await call_with_segments(store)
    other = await call_with_segments(store)
    await store.stream_opened(call_id, "A", lease_s=10, at_us=T0)
    await store.stream_opened(call_id, "B", lease_s=10, at_us=T0)
    await store.stream_opened(call_id, "A", lease_s=10, at_us=T0 + S)  # again: one row
    await store.stream_opened(other, "A", lease_s=10, at_us=T0)
    assert sorted(await store.streams_open_on(call_id, at_us=T0 + S)) == ["A", "B"]
    await store.stream_closed(call_id, "B")
    assert await store.streams_open_on(call_id, at_us=T0 + S) == ["A"]
    # A renews its streams with its call leases; B's lapsed ones would not be counted.
    await store.renew_calls("A", lease_s=10, at_us=T0 + 9 * S)
    assert await store.streams_open_on(call_id, at_us=T0 + 15 * S) == ["A"]
    assert await store.streams_open_on(other, at_us=T0 + 15 * S) == ["A"]
    # A stops renewing (it died): its streams lapse with its leases, and B's next renewal
    # clears them away.
    assert await store.streams_open_on(call_id, at_us=T0 + 20 * S) == []
    await store.renew_calls("B", lease_s=10, at_us=T0 + 20 * S)
    assert await store.streams_open_on(other, at_us=T0) == []
    await store.stream_opened(other, "B", lease_s=10, at_us=T0 + 21 * S)
    await store.stream_closed(other, "B")
    assert await store.streams_open_on(other, at_us=T0 + 21 * S) == []
