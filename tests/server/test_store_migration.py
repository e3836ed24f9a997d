"""Stores written by earlier schemas open, migrated: version 1 (before final summaries: the
summaries of calls that had already ended count as final), version 2 (before the raw-read audit
log and the retrieval index), version 3 (before accepted offers and the agents' streams) and
version 4 (before calls had owners)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from warmtransfer.server.store import CallStore
from warmtransfer.server.store.sqlite_engine import SCHEMA_VERSION
from warmtransfer.v1 import call_pb2, summary_pb2, transcript_pb2


async def test_version_1_store_is_migrated(tmp_path: Path) -> None:
    store = await CallStore.open(tmp_path)
    ended = (await store.create_call("t", "cust", {})).call_id
    live = (await store.create_call("t", "cust", {})).call_id
    for call_id in (ended, live):
        said = transcript_pb2.TranscriptSegment(seq=1, text="hello", is_final=True)
        await store.append_segment("t", call_id, said, "hello")
        summary = summary_pb2.CallSummary(reason="r", covered_through_seq=1, summarizer="offline")
        await store.save_summary(call_id, summary, b"")
    await store.end_call("t", ended)
    await store.close()
    # Turn it into what version 1 wrote.
    with sqlite3.connect(tmp_path / "calls.sqlite3") as conn:
        conn.execute("ALTER TABLE summaries DROP COLUMN final")
        conn.execute("PRAGMA user_version = 1")

    store = await CallStore.open(tmp_path)
    try:
        # The ended call has a segment and a summary, now final: nothing to redo.
        with sqlite3.connect(tmp_path / "calls.sqlite3") as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            finals = dict(conn.execute("SELECT call_id, final FROM summaries").fetchall())
        assert version == SCHEMA_VERSION == 7
        assert finals == {ended: 1, live: 0}
    finally:
        await store.close()


async def test_version_2_store_gains_the_audit_log_and_indexes_its_calls_from_the_start(
    tmp_path: Path,
) -> None:
    store = await CallStore.open(tmp_path)
    call = await store.create_call("t", "cust-1", {})
    said = transcript_pb2.TranscriptSegment(
        seq=1, speaker_identity="c", text="hello there", is_final=True
    )
    await store.append_segment("t", call.call_id, said, "hello there")
    await store.close()
    with sqlite3.connect(tmp_path / "calls.sqlite3") as conn:
        conn.execute("DROP TABLE raw_reads")
        conn.execute("DROP TABLE index_progress")
        conn.execute("PRAGMA user_version = 2")

    store = await CallStore.open(tmp_path)
    try:
        # Not indexed yet: work waiting, which a replica's ownership round adopts.
        assert await store.calls_without_owner() == [("t", call.call_id)]
        await store.record_raw_read("t", call.call_id, key_id="key-1", method="GetTranscript")
        assert [r[:3] for r in await store.raw_reads("t")] == [
            (call.call_id, "key-1", "GetTranscript")
        ]
        with sqlite3.connect(tmp_path / "calls.sqlite3") as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        await store.close()


async def test_version_3_store_gains_accepted_offers_and_the_agents_streams(
    tmp_path: Path,
) -> None:
    store = await CallStore.open(tmp_path)
    call = await store.create_call("t", "cust-1", {})
    await store.register_participant("t", call.call_id, "agent-a", call_pb2.PARTICIPANT_ROLE_AGENT)
    old, _ = await store.start_transfer(
        "t", call.call_id, from_identity="agent-a", to_identity="agent-b", reason="r"
    )
    await store.close()
    with sqlite3.connect(tmp_path / "calls.sqlite3") as conn:
        conn.execute("DROP TABLE agent_events")
        conn.execute("ALTER TABLE transfers DROP COLUMN accepted_us")
        conn.execute("PRAGMA user_version = 3")

    store = await CallStore.open(tmp_path)
    try:
        # The transfer begun before the upgrade reads back, not yet accepted, and can be.
        before = await store.get_transfer("t", old.transfer_id)
        assert before.state == old.state and not before.HasField("accepted_at")
        accepted, first = await store.accept_transfer("t", old.transfer_id)
        assert first and accepted.HasField("accepted_at")
        # Its earlier changes were never in B's stream; the ones after the upgrade are.
        events, _ = await store.agent_events_after("t", "agent-b", 0)
        assert [e.transfer.HasField("accepted_at") for e in events] == [True]
        with sqlite3.connect(tmp_path / "calls.sqlite3") as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        await store.close()


async def test_version_4_store_gains_call_owners_and_its_transcripts_are_settled(
    tmp_path: Path,
) -> None:
    store = await CallStore.open(tmp_path)
    call_id = (await store.create_call("t", "cust", {})).call_id
    for seq in (1, 2):
        said = transcript_pb2.TranscriptSegment(seq=seq, text=f"line {seq}", is_final=True)
        await store.append_segment("t", call_id, said, f"line {seq}", settled_through=0)
    await store.close()
    with sqlite3.connect(tmp_path / "calls.sqlite3") as conn:
        conn.execute("DROP TABLE call_owners")
        conn.execute("ALTER TABLE calls DROP COLUMN settled_through_seq")
        conn.execute("PRAGMA user_version = 4")

    store = await CallStore.open(tmp_path)
    try:
        # Version 4 kept no settled mark: what it stored counts as settled.
        settled = await store.get_segments("t", call_id, limit=10, settled=True)
        assert [s.seq for s in settled] == [1, 2]
        assert await store.acquire_call(call_id, "r-1", lease_s=10) == 1
        with sqlite3.connect(tmp_path / "calls.sqlite3") as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        await store.close()


async def test_version_5_store_gains_the_owners_addresses(tmp_path: Path) -> None:
    store = await CallStore.open(tmp_path)
    call_id = (await store.create_call("t", "cust", {})).call_id
    assert await store.acquire_call(call_id, "r-1", lease_s=10) == 1
    await store.close()
    with sqlite3.connect(tmp_path / "calls.sqlite3") as conn:
        conn.execute("ALTER TABLE call_owners DROP COLUMN address")
        conn.execute("PRAGMA user_version = 5")

    store = await CallStore.open(tmp_path)
    try:
        assert await store.call_owner(call_id) == ("r-1", None)  # its lease kept, no address
        assert await store.acquire_call(call_id, "r-1", lease_s=10, address="10.0.0.7:50051") == 1
        assert await store.call_owner(call_id) == ("r-1", "10.0.0.7:50051")
        with sqlite3.connect(tmp_path / "calls.sqlite3") as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        await store.close()


async def test_version_6_store_gains_the_open_streams(tmp_path: Path) -> None:
    store = await CallStore.open(tmp_path)
    call_id = (await store.create_call("t", "cust", {})).call_id
    await store.close()
    with sqlite3.connect(tmp_path / "calls.sqlite3") as conn:
        conn.execute("DROP TABLE open_streams")
        conn.execute("DROP TABLE replica_leases")
        conn.execute("PRAGMA user_version = 6")

    store = await CallStore.open(tmp_path)
    try:
        await store.stream_opened(call_id, "r-1", lease_s=10)
        assert await store.streams_open_on(call_id) == ["r-1"]
        with sqlite3.connect(tmp_path / "calls.sqlite3") as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        await store.close()
