"""Ending calls, dev mode and graceful shutdown."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import grpc
import pytest

from tests.server.helpers import create_call, ingest, segment
from tests.server.processes import free_port, start_server_process, stop_server_process
from warmtransfer.client import Client
from warmtransfer.server.app import start_server
from warmtransfer.server.config import load_config
from warmtransfer.v1 import call_pb2, call_service_pb2, transcript_service_pb2

# The store conformance suite: each test here runs on both engines (tests/conftest.py).
STORE_ENGINES = ("sqlite", "postgresql")


async def test_end_call_is_idempotent_and_listed_by_state(client: Client) -> None:
    call_id = await create_call(client)
    live = await create_call(client)
    ended = await client.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id))
    assert ended.call.state == call_pb2.CALL_STATE_ENDED and ended.call.HasField("ended_at")
    again = await client.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id))
    assert again.call.ended_at == ended.call.ended_at
    listed = await client.calls.ListCalls(
        call_service_pb2.ListCallsRequest(state=call_pb2.CALL_STATE_ACTIVE)
    )
    assert [c.call_id for c in listed.calls] == [live]


async def test_segments_after_the_end_are_still_kept(client: Client) -> None:
    call_id = await create_call(client)
    await client.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id))
    # a transcriber flushing the last words after the hang-up loses nothing
    assert await ingest(client, call_id, [segment(1, "bye then")]) == [1]


@pytest.mark.slow
async def test_dev_mode_accepts_the_dev_key(tmp_path: Path) -> None:
    config = load_config(
        {
            "WARMTRANSFER_LISTEN": "127.0.0.1:0",
            "WARMTRANSFER_DATA_DIR": str(tmp_path),
            "WARMTRANSFER_MEDIA": "none",
        }
    )
    running = await start_server(config)
    try:
        async with Client(f"127.0.0.1:{running.port}", api_key="dev") as client:
            assert await create_call(client)
    finally:
        await running.stop(grace=1)


@pytest.mark.slow
async def test_shutdown_tells_watchers_to_resume_and_keeps_acked_data(tmp_path: Path) -> None:
    env = {
        "WARMTRANSFER_API_KEYS": "k=t",
        "WARMTRANSFER_MEDIA": "none",
        "WARMTRANSFER_LISTEN": "127.0.0.1:0",
        "WARMTRANSFER_DATA_DIR": str(tmp_path),
    }
    running = await start_server(load_config(env))
    client = Client(f"127.0.0.1:{running.port}", api_key="k")
    call_id = await create_call(client)
    assert await ingest(client, call_id, [segment(s) for s in range(1, 6)]) == [1, 2, 3, 4, 5]
    seen: list[str] = []
    subscribed = asyncio.Event()

    async def watch() -> None:
        request = transcript_service_pb2.WatchCallRequest(call_id=call_id)
        async for event in client.transcripts.WatchCall(request):
            seen.append(event.cursor)
            if event.HasField("segment_added") and event.segment_added.segment.seq == 5:
                subscribed.set()

    watcher = asyncio.create_task(watch())
    await asyncio.wait_for(subscribed.wait(), 30)
    await running.stop(grace=5)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await asyncio.wait_for(watcher, 30)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert seen[-1] in (caught.value.details() or "")  # it says where to resume
    await client.close()

    restarted = await start_server(load_config(env))
    try:
        async with Client(f"127.0.0.1:{restarted.port}", api_key="k") as client2:
            response = await client2.transcripts.GetTranscript(
                transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
            )
            assert [s.seq for s in response.segments] == [1, 2, 3, 4, 5]
    finally:
        await restarted.stop(grace=1)


async def test_a_second_server_on_a_served_port_fails_to_start(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    first = await start_server(load_config(server_env))
    try:
        taken = server_env | {
            "WARMTRANSFER_LISTEN": f"127.0.0.1:{first.port}",
            "WARMTRANSFER_DATA_DIR": str(tmp_path / "second"),
        }
        with pytest.raises(OSError, match="another server"):
            await start_server(load_config(taken))
        # The first still serves, alone.
        async with Client(f"127.0.0.1:{first.port}", api_key="key-a") as client:
            assert await create_call(client)
    finally:
        await first.stop(grace=1)


@pytest.mark.slow
async def test_a_second_server_on_a_data_directory_in_use_exits_with_a_clear_error(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    first = await start_server_process(data_dir, free_port())
    try:
        second = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "warmtransfer.cli", "serve",
            "--listen", f"127.0.0.1:{free_port()}", "--data-dir", str(data_dir),
            env=os.environ | {"WARMTRANSFER_API_KEYS": "key-a=tenant-a"},
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await asyncio.wait_for(second.communicate(), 120)
        assert second.returncode == 1
        message = err.decode()
        assert "open in another process" in message and "QDRANT_URL" in message
        assert "Traceback" not in message
    finally:
        await stop_server_process(first)


@pytest.mark.slow
async def test_the_health_command_answers_for_probes(tmp_path: Path) -> None:
    """`warmtransfer health` is what the deployments' probes run (deploy/compose.yaml)."""
    env = {"WARMTRANSFER_LISTEN": "127.0.0.1:0", "WARMTRANSFER_DATA_DIR": str(tmp_path)}
    running = await start_server(load_config(env))

    async def health(*args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "warmtransfer.cli", "health", *args,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await process.communicate()
        assert process.returncode is not None
        return process.returncode, out.decode()

    try:
        target = f"127.0.0.1:{running.port}"
        assert await health("--target", target) == (
            0,
            f"warmtransfer health: {target} (server): SERVING\n",
        )
        code, said = await health("--target", target, "--service", "warmtransfer.v1.CallService")
        assert (code, said.split()[-1]) == (0, "SERVING")
        code, said = await health("--target", target, "--service", "no.such.Service")
        assert code == 1 and "NOT_FOUND" in said
    finally:
        await running.stop(grace=1)
    code, said = await health("--target", target, "--timeout", "2")
    assert code == 1 and target in said
