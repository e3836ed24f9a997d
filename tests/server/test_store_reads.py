"""The briefing read runs on the event loop's thread (`CallStore._read_now`); should SQLite be
busy (it can be, while a crashed writer's WAL is recovered) the read goes to a reader thread,
which waits for the lock, instead of failing; any other error is raised as it is."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from warmtransfer.server.store import CallStore
from warmtransfer.server.store.engine import Conn
from warmtransfer.v1 import summary_pb2, transcript_pb2


async def test_the_briefing_read_runs_on_the_loop_and_returns_the_snapshot(
    tmp_path: Path,
) -> None:
    store = await CallStore.open(tmp_path)
    try:
        call_id = (await store.create_call("t", "cust", {})).call_id
        for seq in (1, 2):
            said = transcript_pb2.TranscriptSegment(seq=seq, text=f"line {seq}", is_final=True)
            await store.append_segment("t", call_id, said, f"line {seq}")
        summary = summary_pb2.CallSummary(reason="r", covered_through_seq=1, summarizer="offline")
        await store.save_summary(call_id, summary, b"")
        got, pending = await store.get_summary_and_pending("t", call_id, limit=10)
        assert got.reason == "r" and [s.seq for s in pending] == [2]
    finally:
        await store.close()


async def test_a_busy_database_sends_the_read_to_a_reader_thread(tmp_path: Path) -> None:
    store = await CallStore.open(tmp_path)
    threads: list[int] = []

    def read(conn: Conn) -> int:
        threads.append(threading.get_ident())
        if len(threads) == 1:
            raise sqlite3.OperationalError("database is locked")
        return int(conn.execute("SELECT count(*) FROM calls").fetchone()[0])

    def broken(conn: Conn) -> int:
        raise sqlite3.OperationalError("no such table: nothing")

    try:
        assert await store._read_now(read) == 0
        assert threads[0] == threading.get_ident() != threads[1]
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await store._read_now(broken)
    finally:
        await store.close()
