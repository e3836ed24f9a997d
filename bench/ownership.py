"""What keeping call owners costs a replica: one round of `CallOwnership` (renew its leases,
find its ended and finished calls, find orphans among lapsed leases) against a store that holds
a history of ended calls and some live ones, on SQLite and on PostgreSQL; and its start-up,
which reads the whole history once.

    python -m bench.ownership [--history 20000] [--live 1000] [--rounds 20]

The history is written straight into the tables (ended calls with their final summary and
index progress, two segments each: no work waiting); the live calls are owned by the replica
measured, each with its transcriber's stream open there (`store.streams`, renewed in the
round). Reported: wall time of a round, median and worst of `--rounds`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from tests.postgres_server import running_postgres
from warmtransfer.server.ownership import CallOwnership
from warmtransfer.server.store import CallStore
from warmtransfer.server.store.codec import now_us
from warmtransfer.v1 import summary_pb2

REPLICA = "r-bench"


def fill(store: CallStore, history: int, live: int) -> list[str]:
    """Write the calls in bulk; the ids of the live ones."""
    conn = store.engine.connect()
    now = now_us()
    final = summary_pb2.CallSummary(
        reason="r", covered_through_seq=2, final=True
    ).SerializeToString()
    try:
        conn.execute("BEGIN")
        ended = [f"c_h{i:08d}" for i in range(history)]
        live_ids = [f"c_l{i:08d}" for i in range(live)]
        for call_id in ended + live_ids:
            over = call_id in ended
            conn.execute(
                "INSERT INTO calls (call_id, tenant_id, room_name, customer_id, metadata, state,"
                " created_us, ended_us, final_segment_count, max_seq, settled_through_seq)"
                " VALUES (?, 't', ?, 'cust', '{}', ?, ?, ?, 2, 2, 2)",
                (call_id, f"call-{call_id}", 3 if over else 1, now, now if over else None),
            )
            if over:
                conn.execute(
                    "INSERT INTO summaries (call_id, summary, state, covered_through_seq,"
                    " version, final) VALUES (?, ?, ?, 2, 1, 1)",
                    (call_id, final, b""),
                )
                conn.execute(
                    "INSERT INTO index_progress (call_id, indexed_through_seq, chunk_count)"
                    " VALUES (?, 2, 1)",
                    (call_id,),
                )
            else:
                conn.execute(
                    "INSERT INTO call_owners (call_id, owner, epoch, expires_us)"
                    " VALUES (?, ?, 1, ?)",
                    (call_id, REPLICA, now + 3_600_000_000),
                )
                conn.execute(  # its transcriber's stream is open on the replica
                    "INSERT INTO open_streams (call_id, replica) VALUES (?, ?)",
                    (call_id, REPLICA),
                )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return live_ids


@contextlib.asynccontextmanager
async def opened(engine: str, data_dir: Path) -> AsyncIterator[CallStore]:
    if engine == "sqlite":
        store = await CallStore.open(data_dir)
        yield store
        await store.close()
        return
    with running_postgres() as postgres:
        store = await CallStore.open(data_dir, database_url=postgres.create_database())
        yield store
        await store.close()


async def measure(engine: str, history: int, live: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="wt-bench-") as tmp:
        async with opened(engine, Path(tmp)) as store:
            await asyncio.to_thread(fill, store, history, live)
            ownership = CallOwnership(
                store, REPLICA, lease_s=3600, work=lambda ref: None, finish=lambda ref: None
            )
            began = time.perf_counter()
            await ownership.start()  # takes the live calls back, reads the whole history
            start_s = time.perf_counter() - began
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                await ownership.round()
                times.append(time.perf_counter() - started)
            owned = sum(ownership.owns(f"c_l{i:08d}") for i in range(live))
            assert owned == live, (owned, live)
    print(
        f"ownership round, {engine}: {history:,} ended calls + {live:,} owned live: "
        f"median {statistics.median(times) * 1e3:.1f} ms, worst {max(times) * 1e3:.1f} ms "
        f"({rounds} rounds); start-up (the whole history read once) {start_s * 1e3:.0f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--history", type=int, default=20_000)
    parser.add_argument("--live", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    for engine in ("sqlite", "postgresql") if args.engine == "both" else (args.engine,):
        asyncio.run(measure(engine, args.history, args.live, args.rounds))
