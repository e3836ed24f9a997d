"""A server killed with SIGKILL loses nothing it acknowledged (real subprocess, real SQLite or
PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.server.helpers import config, create_call, ingest, segment, wait_for_event
from tests.server.processes import free_port, start_server_process
from warmtransfer.client import Client
from warmtransfer.v1 import call_service_pb2, summary_service_pb2, transcript_service_pb2

# The store conformance suite: each test here runs on both engines (tests/conftest.py).
STORE_ENGINES = ("sqlite", "postgresql")

pytestmark = pytest.mark.slow


def children(pid: int) -> list[int]:
    return [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]


async def gone(pids: list[int], timeout: float = 30.0) -> None:
    """Wait until every process of `pids` has exited (a pidfd turns readable when it does)."""
    loop = asyncio.get_running_loop()
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        exited = asyncio.Event()
        loop.add_reader(fd, exited.set)
        try:
            await asyncio.wait_for(exited.wait(), timeout)
        finally:
            loop.remove_reader(fd)
            os.close(fd)


@pytest.fixture
async def data_dir(tmp_path: Path) -> AsyncIterator[Path]:
    yield tmp_path / "data"


async def test_sigkill_after_acks_loses_nothing(data_dir: Path, store_env: dict[str, str]) -> None:
    port = free_port()
    target = f"127.0.0.1:{port}"
    process = await start_server_process(data_dir, port, **store_env)
    acked: list[int] = []
    try:
        async with Client(target, api_key="key-a") as client:
            call_id = await create_call(client)
            stream = client.transcripts.StreamTranscript()
            await stream.write(config(call_id))
            for seq in range(1, 301):
                await stream.write(segment(seq, f"I said thing {seq} about my bill"))
            while len(acked) < 250:
                acked.append((await stream.read()).acked_seq)
            workers = children(process.pid)
            assert workers, "redaction runs in worker processes"
            process.send_signal(signal.SIGKILL)  # mid-stream, with acks still in flight
            await process.wait()
            await gone(workers)  # a dead server's workers do not linger
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    process = await start_server_process(data_dir, port, **store_env)
    try:
        async with Client(target, api_key="key-a") as client:
            response = await client.transcripts.GetTranscript(
                transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
            )
            stored = [s.seq for s in response.segments]
            assert set(acked) <= set(stored)  # every acknowledged segment survived
            assert stored == sorted(set(stored))  # none twice
            # the producer re-sends everything it had no ack for: nothing duplicated
            unacked = [seq for seq in range(1, 301) if seq not in acked]
            again = await ingest(
                client, call_id, [segment(s, f"I said thing {s} about my bill") for s in unacked]
            )
            assert again == unacked
            response = await client.transcripts.GetTranscript(
                transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
            )
            assert [s.seq for s in response.segments] == list(range(1, 301))
            # the summary resumes and catches up with everything settled: all but the caller's
            # last two lines (a third could still complete something in them), which are
            # pending until the call ends
            await wait_for_event(
                client,
                call_id,
                lambda e: e.summary_updated.summary.covered_through_seq >= 298,
                timeout=60,
            )
            summary = await client.summaries.GetSummary(
                summary_service_pb2.GetSummaryRequest(call_id=call_id)
            )
            covered = summary.summary.covered_through_seq
            assert covered >= 298
            assert [s.seq for s in summary.pending_segments] == list(range(covered + 1, 301))
            await client.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id))
            summary = await client.summaries.GetSummary(
                summary_service_pb2.GetSummaryRequest(call_id=call_id)
            )
            assert summary.summary.covered_through_seq == 300
            assert list(summary.pending_segments) == []
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 60) == 0
