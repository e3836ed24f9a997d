"""Which PostgreSQL driver for the call store: psycopg's synchronous connection in the writer
thread (what the store uses), psycopg's asyncio connection, or asyncpg, on the store's own
statements.

    python -m bench.pg_drivers [--calls 100] [--segments 30] [--reads 3000]

First the real store writes: `--calls` calls, then `--segments` final segments for each,
appended concurrently through the group-committing writer (each batch one transaction with its
advisory locks and a savepoint per write), every statement recorded on its way to the database;
and the store reads one call's briefing (`GetSummary`: the summary and the segments it has not
read), recorded too. Then each driver replays the recording, statement by
statement on one connection, as the writer thread does, into a fresh database: the same
statements with the same parameters, so each database goes through the same states. Then each
driver replays the briefing's read for random calls (the recorded statements with the call
changed) `--reads` times, one after another.

Reported per driver: wall time per segment written and per read, and this process's CPU per
segment and per read (the database's own CPU is the same statements either way).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import psycopg

from tests.postgres_server import PostgresServer, running_postgres
from warmtransfer.server.store import CallStore, postgres_engine
from warmtransfer.server.store.call_store import MAX_PENDING_SEGMENTS
from warmtransfer.server.store.postgres_engine import PostgresConn, PostgresEngine
from warmtransfer.v1 import transcript_pb2

Statement = tuple[str, tuple[Any, ...]]  # psycopg's SQL (%s placeholders) and its parameters
TEXT = "I was charged twice for my March bill, can you look at account 4471?"


def record(
    postgres: PostgresServer, calls: int, segments: int
) -> tuple[list[Statement], list[Statement], str]:
    """Run the real store's writes, then one briefing read, recording every statement sent:
    (the writes, the read, the call the read was of)."""
    recorded: list[Statement] = []
    read: list[Statement] = []
    execute = PostgresConn.execute

    def recording(self: PostgresConn, sql: str, parameters: Sequence[Any] = (), /) -> Any:
        recorded.append((postgres_engine._translate(sql), tuple(parameters)))
        return execute(self, sql, parameters)

    async def write() -> None:
        store = await CallStore.open(postgres_dir(), database_url=postgres.create_database())
        try:
            recorded.clear()  # the schema's migrations are not the writes measured
            ids = [(await store.create_call("t", f"c{i}", {})).call_id for i in range(calls)]

            async def one_call(call_id: str) -> None:
                for seq in range(1, segments + 1):
                    said = transcript_pb2.TranscriptSegment(
                        seq=seq, text=TEXT, is_final=True, speaker_identity="maria"
                    )
                    await store.append_segment("t", call_id, said, TEXT)

            await asyncio.gather(*(one_call(c) for c in ids))
            written = len(recorded)
            await store.get_summary_and_pending("t", ids[0], limit=MAX_PENDING_SEGMENTS)
            read.extend(recorded[written:])
            del recorded[written:]
            read_of.append(ids[0])
        finally:
            await store.close()

    read_of: list[str] = []
    PostgresConn.execute = recording  # type: ignore[method-assign]
    try:
        asyncio.run(write())
    finally:
        PostgresConn.execute = execute  # type: ignore[method-assign]
    return recorded, read, read_of[0]


def postgres_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="wt-bench-"))  # unused by PostgreSQL, but required


def fresh_database(postgres: PostgresServer) -> str:
    url = postgres.create_database()
    PostgresEngine(url).prepare()
    return url


def dollar(sql: str) -> str:
    """psycopg's %s placeholders as asyncpg's $1, $2, …"""
    numbers: Iterator[int] = iter(range(1, 1000))
    return re.sub(r"%s", lambda _: f"${next(numbers)}", sql)


class Timer:
    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def replay_psycopg(url: str, statements: list[Statement]) -> Timer:
    with psycopg.connect(url, autocommit=True) as conn, Timer() as timer:
        for sql, params in statements:
            cursor = conn.execute(sql, params or None)
            if cursor.description is not None:
                cursor.fetchall()
    return timer


async def replay_psycopg_async(url: str, statements: list[Statement]) -> Timer:
    conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
    try:
        with Timer() as timer:
            for sql, params in statements:
                cursor = await conn.execute(sql, params or None)
                if cursor.description is not None:
                    await cursor.fetchall()
    finally:
        await conn.close()
    return timer


async def replay_asyncpg(url: str, statements: list[Statement]) -> Timer:
    conn = await asyncpg.connect(url)
    try:
        translated = [(dollar(sql), params) for sql, params in statements]
        with Timer() as timer:
            for sql, params in translated:
                if params:
                    await conn.fetch(sql, *params)
                else:
                    await conn.execute(sql)
    finally:
        await conn.close()
    return timer


def briefing_reads(
    url: str, read: list[Statement], read_of: str, count: int
) -> list[list[Statement]]:
    """The recorded briefing read, for `count` random calls."""
    with psycopg.connect(url) as conn:
        ids = [str(r[0]) for r in conn.execute("SELECT call_id FROM calls")]
    rng = random.Random(7)
    return [
        [(sql, tuple(call if p == read_of else p for p in params)) for sql, params in read]
        for call in (rng.choice(ids) for _ in range(count))
    ]


def main(calls: int, segments: int, count: int) -> None:
    with running_postgres() as postgres:
        statements, read, read_of = record(postgres, calls, segments)
        written = calls * segments
        per_segment = len(statements) / written
        print(
            f"pg drivers: {written:,} segments of {calls} calls written concurrently: "
            f"{len(statements):,} statements ({per_segment:.1f} per segment, with the calls' "
            f"creation, the batches' BEGIN, locks, savepoints and COMMIT); a briefing read is "
            f"{len(read)} statements"
        )
        write_times = {
            "psycopg (sync, the store's)": replay_psycopg(fresh_database(postgres), statements),
            "psycopg (asyncio)": asyncio.run(
                replay_psycopg_async(fresh_database(postgres), statements)
            ),
            "asyncpg": asyncio.run(replay_asyncpg(fresh_database(postgres), statements)),
        }
        url = fresh_database(postgres)
        replay_psycopg(url, statements)
        chosen = [s for one in briefing_reads(url, read, read_of, count) for s in one]
        read_times = {
            "psycopg (sync, the store's)": replay_psycopg(url, chosen),
            "psycopg (asyncio)": asyncio.run(replay_psycopg_async(url, chosen)),
            "asyncpg": asyncio.run(replay_asyncpg(url, chosen)),
        }
    for name, timer in write_times.items():
        reading = read_times[name]
        write_wall, write_cpu = timer.wall / written * 1e6, timer.cpu / written * 1e6
        read_wall, read_cpu = reading.wall / count * 1e6, reading.cpu / count * 1e6
        print(
            f"pg drivers: {name:28s} write {write_wall:6.0f} us wall, {write_cpu:5.0f} us CPU "
            f"per segment; read {read_wall:5.0f} us wall, {read_cpu:4.0f} us CPU per briefing"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--segments", type=int, default=30)
    parser.add_argument("--reads", type=int, default=3000)
    args = parser.parse_args()
    main(args.calls, args.segments, args.reads)
