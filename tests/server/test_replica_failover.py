"""One owner per call across replicas: segments sent to either replica are summarized by the
owner alone; the owner killed with SIGKILL mid-call, the other replica takes the call over
within a lease (a new epoch) and the summary goes on there; nothing acknowledged is lost, a
watcher of the killed replica resumes on the other from its cursor with no gap and no repeat,
and the call ends with its final summary. Real server processes, real PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import grpc
import pytest

from tests.postgres_server import PostgresServer, call_owner
from tests.redis_server import RedisServer
from tests.server.helpers import create_call, ingest, segment, wait_for_event
from tests.server.processes import free_port, start_server_process
from warmtransfer.client import Client
from warmtransfer.v1 import call_service_pb2, summary_service_pb2, transcript_service_pb2

WatchCallResponse = transcript_service_pb2.WatchCallResponse

pytestmark = pytest.mark.slow
LEASE_S = "2"


def added(events: list[WatchCallResponse]) -> list[int]:
    return [e.segment_added.segment.seq for e in events if e.HasField("segment_added")]


async def watch_until_broken(
    client: Client, call_id: str, seen: list[WatchCallResponse], got_14: asyncio.Event
) -> grpc.aio.AioRpcError:
    """Collect the call's events until the stream breaks (`got_14` set once segment 14 is in);
    how it broke."""
    try:
        async for event in client.transcripts.WatchCall(
            transcript_service_pb2.WatchCallRequest(call_id=call_id)
        ):
            seen.append(event)
            if 14 in added(seen[-1:]):
                got_14.set()
    except grpc.aio.AioRpcError as exc:
        return exc
    raise AssertionError("the watch ended without an error")


def covers(seq: int):  # type: ignore[no-untyped-def]
    return lambda e: e.summary_updated.summary.covered_through_seq >= seq


async def test_the_other_replica_takes_over_a_call_whose_owner_was_killed(
    postgres: PostgresServer, redis_server: RedisServer, tmp_path: Path
) -> None:
    env = {
        "DATABASE_URL": postgres.create_database(),
        "REDIS_URL": redis_server.url,
        "WARMTRANSFER_INGEST_SECRET": "replicas-share-this-secret",
        "WARMTRANSFER_OWNER_LEASE_SECONDS": LEASE_S,
    }
    port_a, port_b = free_port(), free_port()
    a = await start_server_process(tmp_path / "a", port_a, **env)
    b = await start_server_process(tmp_path / "b", port_b, **env)
    try:
        async with (
            Client(f"127.0.0.1:{port_a}", api_key="key-a") as at_a,
            Client(f"127.0.0.1:{port_b}", api_key="key-a") as at_b,
        ):
            call_id = await create_call(at_a)

            def owner() -> tuple[str, int] | None:
                return call_owner(env["DATABASE_URL"], call_id)

            replica_a = (tmp_path / "a" / "replica_id").read_text().strip()
            replica_b = (tmp_path / "b" / "replica_id").read_text().strip()
            # A watcher on A, from the start; it is moved to B when A dies.
            seen: list[WatchCallResponse] = []
            got_14 = asyncio.Event()
            watching_a = asyncio.create_task(watch_until_broken(at_a, call_id, seen, got_14))
            # A receives the call's transcript first, so A owns it and summarizes it; B's
            # watcher sees A's summary (the caller's last two lines wait: they may change).
            assert await ingest(at_a, call_id, [segment(s) for s in range(1, 11)]) == list(
                range(1, 11)
            )
            await wait_for_event(at_b, call_id, covers(8))
            # More arrives through B while A lives: stored by B, summarized by A (told by the
            # event relay), which still owns the call.
            await ingest(at_b, call_id, [segment(s) for s in range(11, 15)])
            await wait_for_event(at_b, call_id, covers(12))
            assert owner() == (replica_a, 1)
            await asyncio.wait_for(got_14.wait(), 30)
            a.send_signal(signal.SIGKILL)
            await a.wait()
            assert (await asyncio.wait_for(watching_a, 60)).code() == grpc.StatusCode.UNAVAILABLE
            on_a = len(seen)
            # The transcript goes on through B. A's lease lapses; B adopts the call.
            assert await ingest(at_b, call_id, [segment(s) for s in range(15, 25)]) == list(
                range(15, 25)
            )
            await wait_for_event(at_b, call_id, covers(22), timeout=60)
            assert owner() == (replica_b, 2)
            response = await at_b.transcripts.GetTranscript(
                transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
            )
            assert [s.seq for s in response.segments] == list(range(1, 25))
            # The watcher resumes on B after the last cursor A gave it: no gap, no repeat.
            async for event in at_b.transcripts.WatchCall(
                transcript_service_pb2.WatchCallRequest(
                    call_id=call_id, after_cursor=seen[-1].cursor
                )
            ):
                seen.append(event)
                if added(seen)[-1:] == [24]:
                    break
            assert added(seen) == list(range(1, 25)) and len(seen) > on_a
            cursors = [int(e.cursor) for e in seen]
            assert cursors == sorted(set(cursors))
            await at_b.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id))
            final = await wait_for_event(at_b, call_id, lambda e: e.summary_updated.summary.final)
            assert final.summary_updated.summary.covered_through_seq == 24
            got = await at_b.summaries.GetSummary(
                summary_service_pb2.GetSummaryRequest(call_id=call_id)
            )
            assert got.summary.final and list(got.pending_segments) == []
    finally:
        for process in (a, b):
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await process.wait()
