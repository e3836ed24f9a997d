"""The call store on PostgreSQL as replicas share it: two stores on one database write the same
calls (as two server replicas do) and every segment is stored once, in order, with its events in
cursor order; migrations run once however many replicas start together."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import psycopg
import pytest

from tests.postgres_server import PostgresServer
from warmtransfer.server.errors import FailedPrecondition
from warmtransfer.server.store import CallStore
from warmtransfer.server.store.postgres_engine import PostgresEngine
from warmtransfer.server.store.sqlite_engine import SCHEMA_VERSION
from warmtransfer.v1 import call_pb2, transcript_pb2


def said(seq: int) -> transcript_pb2.TranscriptSegment:
    return transcript_pb2.TranscriptSegment(seq=seq, text=f"line {seq}", is_final=True)


async def replicas(url: str, tmp_path: Path, n: int = 2) -> list[CallStore]:
    return [await CallStore.open(tmp_path / f"r{i}", database_url=url) for i in range(n)]


def test_a_new_database_is_migrated_once_by_replicas_starting_together(
    postgres: PostgresServer,
) -> None:
    url = postgres.create_database()
    errors: list[BaseException] = []

    def start() -> None:
        try:
            PostgresEngine(url).prepare()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with psycopg.connect(url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        }
    assert versions == list(range(4, SCHEMA_VERSION + 1))
    assert {"calls", "segments", "summaries", "transfers", "events", "raw_reads"} <= tables


def test_a_database_of_an_older_version_gains_what_came_after(postgres: PostgresServer) -> None:
    url = postgres.create_database()
    PostgresEngine(url).prepare()
    with psycopg.connect(url) as conn:  # as version 4 left it
        conn.execute("DROP TABLE call_owners")
        conn.execute("DROP TABLE open_streams")
        conn.execute("DROP TABLE replica_leases")
        conn.execute("ALTER TABLE calls DROP COLUMN settled_through_seq")
        conn.execute("DELETE FROM schema_migrations WHERE version > 4")
    PostgresEngine(url).prepare()
    with psycopg.connect(url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
        assert conn.execute("SELECT count(*) FROM call_owners").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM open_streams").fetchone() == (0,)
    assert versions == list(range(4, SCHEMA_VERSION + 1))


def test_a_database_from_a_newer_server_is_refused_by_name(postgres: PostgresServer) -> None:
    url = postgres.create_database()
    PostgresEngine(url).prepare()
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (SCHEMA_VERSION + 1,))
    with pytest.raises(RuntimeError, match=f"schema version {SCHEMA_VERSION + 1}"):
        PostgresEngine(url).prepare()
    assert "password" not in PostgresEngine(url.replace("postgres@", "u:secret@")).describe()
    assert "secret" not in PostgresEngine(url.replace("postgres@", "u:secret@")).describe()


async def test_segments_sent_alternately_to_two_replicas_are_stored_once_in_order(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    a, b = await replicas(postgres.create_database(), tmp_path)
    try:
        call_id = (await a.create_call("t", "cust", {})).call_id
        # Each seq goes to one replica after the one before is acknowledged (a producer that
        # reconnects to the other replica for each), and every third goes to both at once (a
        # re-send racing the first copy): stored once, a duplicate for the other.
        outcomes = []
        for seq in range(1, 201):
            first, other = (a, b) if seq % 2 else (b, a)
            sends = [first.append_segment("t", call_id, said(seq), f"line {seq}")]
            if seq % 3 == 0:
                sends.append(other.append_segment("t", call_id, said(seq), f"line {seq}"))
            outcomes.append(sorted(r.duplicate for r in await asyncio.gather(*sends)))
        assert outcomes == [[False, True] if seq % 3 == 0 else [False] for seq in range(1, 201)]
        stored = await b.get_segments("t", call_id, limit=1000)
        assert [s.seq for s in stored] == list(range(1, 201))
        events = await a.events_after("t", call_id, 0, limit=1000)
        added = [e.segment_added.segment.seq for e in events if e.HasField("segment_added")]
        assert added == list(range(1, 201)), "events commit in cursor order"
        assert (await a.get_call("t", call_id)).final_segment_count == 200
    finally:
        for store in (a, b):
            await store.close()


async def test_one_transfer_at_a_time_holds_across_replicas(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    a, b = await replicas(postgres.create_database(), tmp_path)
    try:
        call_id = (await a.create_call("t", "cust", {})).call_id
        await a.register_participant("t", call_id, "agent-a", call_pb2.PARTICIPANT_ROLE_AGENT)
        results = await asyncio.gather(
            *(
                store.start_transfer(
                    "t", call_id, from_identity="agent-a", to_identity=f"agent-{n}", reason="r"
                )
                for n, store in enumerate((a, b, a, b))
            ),
            return_exceptions=True,
        )
        started = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, FailedPrecondition)]
        assert len(started) == 1 and len(refused) == 3, results
        assert (await b.get_call("t", call_id)).state == call_pb2.CALL_STATE_TRANSFERRING
    finally:
        for store in (a, b):
            await store.close()


async def test_replicas_writing_many_calls_in_opposite_orders_do_not_deadlock(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    a, b = await replicas(postgres.create_database(), tmp_path)
    try:
        call_ids = [(await a.create_call("t", "cust", {})).call_id for _ in range(40)]
        futures = []
        for seq in range(1, 11):
            for call_id in call_ids:
                futures.append(a.append_segment("t", call_id, said(seq), "x"))
            for call_id in reversed(call_ids):
                futures.append(b.append_segment("t", call_id, said(seq), "x"))
        results = await asyncio.wait_for(asyncio.gather(*futures), timeout=120)
        assert sum(not r.duplicate for r in results) == 40 * 10
        for call_id in call_ids:
            assert (await b.get_call("t", call_id)).final_segment_count == 10
    finally:
        for store in (a, b):
            await store.close()
