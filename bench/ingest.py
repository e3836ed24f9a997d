"""Ingest throughput: final segments per second into one server process, over 100 concurrent
streams, each segment acknowledged only after it is committed: to SQLite (WAL,
synchronous=FULL), or with `--engine postgresql` to a PostgreSQL server started for the run
(Debian's, default settings, fsync on), whose CPU is counted apart.

    python -m bench.ingest [--streams 100] [--segments 300] [--engine sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg

from bench.common import API_KEY, config, script_segment, server_process, tree_usage
from tests.postgres_server import PostgresServer, running_postgres
from warmtransfer.client import Client
from warmtransfer.v1 import call_service_pb2, transcript_service_pb2


async def one_stream(client: Client, call_id: str, segments: int) -> int:
    async def requests() -> AsyncIterator[transcript_service_pb2.StreamTranscriptRequest]:
        yield config(call_id)
        for seq in range(1, segments + 1):
            yield script_segment(seq)

    acked = 0
    async for _ in client.transcripts.StreamTranscript(requests()):
        acked += 1
    return acked


@contextlib.contextmanager
def database(engine: str) -> Iterator[PostgresServer | None]:
    if engine == "sqlite":
        yield None
        return
    with running_postgres() as postgres:
        yield postgres


async def main(streams: int, segments: int, engine: str) -> None:
    with database(engine) as postgres:
        env = {"DATABASE_URL": postgres.create_database()} if postgres else {}
        await run(streams, segments, env, postgres.pid if postgres else None)


def store_bytes(data_dir: Path, database_url: str | None) -> int:
    """What the call store takes on disk: the PostgreSQL database, or the SQLite file and its
    write-ahead log."""
    if database_url:
        with psycopg.connect(database_url) as conn:
            row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(row[0]) if row else 0
    return sum(p.stat().st_size for p in data_dir.glob("calls.sqlite3*"))


async def run(streams: int, segments: int, env: dict[str, str], db_pid: int | None) -> None:
    database_url = env.get("DATABASE_URL")
    async with (
        server_process(None, **env) as server,
        Client(server.target, api_key=API_KEY) as client,
    ):
        calls = [
            (
                await client.calls.CreateCall(
                    call_service_pb2.CreateCallRequest(customer_id=f"c{i}")
                )
            ).call.call_id
            for i in range(streams)
        ]
        size_before = store_bytes(server.data_dir, database_url)
        cpu_before = tree_usage(server.pid)[0]
        db_before = tree_usage(db_pid)[0] if db_pid else 0.0
        started = time.perf_counter()
        acked = await asyncio.gather(*(one_stream(client, c, segments) for c in calls))
        elapsed = time.perf_counter() - started
        cpu = tree_usage(server.pid)[0] - cpu_before
        db_cpu = tree_usage(db_pid)[0] - db_before if db_pid else 0.0
        total = sum(acked)
        assert total == streams * segments, (total, streams * segments)
        check = await client.transcripts.GetTranscript(
            transcript_service_pb2.GetTranscriptRequest(call_id=calls[0])
        )
        assert len(check.segments) == segments
        grown = store_bytes(server.data_dir, database_url) - size_before
    print(
        f"ingest: {streams} streams x {segments} final segments = {total} acked in {elapsed:.2f} s"
    )
    print(
        f"ingest: {total / elapsed:,.0f} segments/s; server CPU (with its workers) {cpu:.1f} s "
        f"({cpu / elapsed * 100:.0f}% of one core); {cpu / total * 1e6:.0f} us CPU per segment"
    )
    print(
        f"ingest: the call store grew by {grown / 2**20:,.1f} MiB, {grown / total:,.0f} bytes per "
        "segment (its rows, events and indexes)"
    )
    if db_pid:
        print(
            f"ingest: PostgreSQL CPU {db_cpu:.1f} s ({db_cpu / elapsed * 100:.0f}% of one core); "
            f"{db_cpu / total * 1e6:.0f} us per segment"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--segments", type=int, default=300)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    asyncio.run(main(args.streams, args.segments, args.engine))
