"""The Python client: its example against the live stack, the resumable watch across a server
restart, and the retry policy against a server that answers UNAVAILABLE."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from tests.clients.conftest import REPO, LiveStack, run
from tests.server.processes import free_port, start_server_process, stop_server_process
from warmtransfer.client import Client, SyncClient, stream_transcript, watch_call
from warmtransfer.v1 import (
    call_pb2,
    call_service_pb2,
    call_service_pb2_grpc,
    transcript_pb2,
)


async def test_the_example_tells_the_whole_story(stack: LiveStack) -> None:
    out = await run(
        [sys.executable, "clients/python/examples/core_story.py"], cwd=REPO, env=stack.env()
    )
    lines = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    assert "internet" in lines["reason"].lower(), out
    assert lines["briefing"].strip(), out
    assert lines["history"].strip(), out
    assert "streamed: 9 of 9" in out


def said(seq: int) -> transcript_pb2.TranscriptSegment:
    return transcript_pb2.TranscriptSegment(
        seq=seq, speaker_identity="caller-1", text=f"line number {seq}", is_final=True
    )


@pytest.mark.slow
async def test_the_watch_resumes_across_a_server_restart_without_gap_or_repeat(
    tmp_path: Path,
) -> None:
    port, data = free_port(), tmp_path / "data"
    process = await start_server_process(data, port)
    client = Client(f"127.0.0.1:{port}", api_key="key-a")
    try:
        call_id = (
            await client.calls.CreateCall(call_service_pb2.CreateCallRequest(customer_id="cust-1"))
        ).call.call_id
        assert await stream_transcript(client, call_id, [said(s) for s in range(1, 11)]) == 0
        seen: list[int] = []
        cursors: list[int] = []
        watch = watch_call(client, call_id, max_backoff=0.5)
        async for event in watch:
            cursors.append(int(event.cursor))
            if event.HasField("segment_added"):
                seen.append(event.segment_added.segment.seq)
            if len(seen) == 5 and process.returncode is None:
                process.send_signal(signal.SIGKILL)  # mid-watch, events still to come
                await process.wait()
                process = await start_server_process(data, port)
                assert (
                    await stream_transcript(client, call_id, [said(s) for s in range(11, 21)]) == 0
                )
            if len(seen) == 20:
                break
        await watch.aclose()
        assert seen == list(range(1, 21))
        assert cursors == sorted(set(cursors)), "cursors strictly increase: nothing repeated"
    finally:
        await client.close()
        await stop_server_process(process)


class FlakyCalls(call_service_pb2_grpc.CallServiceServicer):  # type: ignore[misc]
    """Answers UNAVAILABLE to the first `failures` GetCall attempts, then the call."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts = 0
        self.keys: list[str] = []

    async def GetCall(self, request: Any, context: Any) -> call_service_pb2.GetCallResponse:
        self.attempts += 1
        self.keys.append(dict(context.invocation_metadata()).get("authorization", ""))
        if self.attempts <= self.failures:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "warming up")
        return call_service_pb2.GetCallResponse(call=call_pb2.Call(call_id=request.call_id))


@pytest.fixture
async def flaky() -> AsyncIterator[tuple[str, FlakyCalls]]:
    server = grpc.aio.server()
    servicer = FlakyCalls(failures=2)
    call_service_pb2_grpc.add_CallServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield f"127.0.0.1:{port}", servicer
    await server.stop(grace=0)


async def test_unary_calls_are_retried_on_unavailable(flaky: tuple[str, FlakyCalls]) -> None:
    target, servicer = flaky
    async with Client(target, api_key="k") as client:
        got = await client.calls.GetCall(call_service_pb2.GetCallRequest(call_id="c-1"))
    assert got.call.call_id == "c-1"
    assert servicer.attempts == 3
    assert servicer.keys == ["Bearer k"] * 3


async def test_the_sync_client_retries_and_sends_the_key(flaky: tuple[str, FlakyCalls]) -> None:
    target, servicer = flaky

    def get() -> str:
        with SyncClient(target, api_key="k") as client:
            request = call_service_pb2.GetCallRequest(call_id="c-2")
            return str(client.calls.GetCall(request).call.call_id)

    assert await asyncio.to_thread(get) == "c-2"
    assert servicer.attempts == 3 and servicer.keys == ["Bearer k"] * 3


@pytest.mark.slow
async def test_the_sync_watch_reads_a_call_to_its_end(tmp_path: Path) -> None:
    port = free_port()
    process = await start_server_process(tmp_path / "data", port)
    try:
        async with Client(f"127.0.0.1:{port}", api_key="key-a") as client:
            created = await client.calls.CreateCall(
                call_service_pb2.CreateCallRequest(customer_id="cust-1")
            )
            call_id = created.call.call_id
            await stream_transcript(client, call_id, [said(s) for s in range(1, 4)])
            await client.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id))

        def watch() -> list[str]:
            with SyncClient(f"127.0.0.1:{port}", api_key="key-a") as sync:
                return [str(e.WhichOneof("event")) for e in sync.watch_call(call_id)]

        kinds = await asyncio.to_thread(watch)
        assert kinds.count("segment_added") == 3
        assert kinds[-1] == "summary_updated"  # the final summary closes the watch
        assert "call_state_changed" in kinds
    finally:
        await stop_server_process(process)
