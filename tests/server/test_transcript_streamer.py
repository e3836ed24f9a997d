"""`TranscriptStreamer` against a real server: one process killed and restarted mid-stream (every
segment ends up stored exactly once), and the `client` fixture's in-process server for the
streamer's other rules."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import grpc
import pytest

from tests.server.helpers import create_call
from tests.server.processes import free_port, start_server_process, stop_server_process
from warmtransfer.client import Client, TranscriptStreamer
from warmtransfer.v1 import transcript_pb2, transcript_service_pb2

pytestmark = pytest.mark.slow


def final(seq: int, text: str | None = None) -> transcript_pb2.TranscriptSegment:
    return transcript_pb2.TranscriptSegment(
        seq=seq,
        speaker_identity="maria",
        speaker_role=transcript_pb2.SPEAKER_ROLE_CALLER,
        text=text or f"sentence number {seq} about my router",
        is_final=True,
    )


async def stored_seqs(client: Client, call_id: str) -> list[int]:
    response = await client.transcripts.GetTranscript(
        transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
    )
    return [s.seq for s in response.segments]


async def test_segments_survive_a_server_killed_and_restarted(tmp_path: Path) -> None:
    port = free_port()
    target = f"127.0.0.1:{port}"
    data_dir = tmp_path / "data"
    process = await start_server_process(data_dir, port)
    acked: list[int] = []
    client = Client(target, api_key="key-a")
    try:
        call_id = await create_call(client)
        streamer = TranscriptStreamer(
            client, call_id, max_backoff=0.5, on_ack=lambda seq, _: acked.append(seq)
        )
        streamer.start()
        for seq in range(1, 51):
            streamer.send(final(seq))
        assert await streamer.wait_acknowledged(120)
        # The server dies; what is said meanwhile waits in the streamer.
        process.send_signal(signal.SIGKILL)
        await process.wait()
        for seq in range(51, 101):
            streamer.send(final(seq))
            streamer.send(
                transcript_pb2.TranscriptSegment(seq=seq + 1, text="interim", is_final=False)
            )
        assert streamer.unacknowledged == 50
        process = await start_server_process(data_dir, port)
        for seq in range(101, 121):
            streamer.send(final(seq))
        assert await streamer.wait_acknowledged(180)
        assert await streamer.aclose() == 0
        assert streamer.reconnects >= 1
        assert await stored_seqs(client, call_id) == list(range(1, 121))
        assert sorted(set(acked)) == list(range(1, 121))
    finally:
        await client.close()
        await stop_server_process(process)


async def test_rejected_segment_is_dropped_and_the_rest_go_on(client: Client) -> None:
    call_id = await create_call(client)
    streamer = TranscriptStreamer(client, call_id, max_backoff=0.2)
    streamer.start()
    streamer.send(final(1))
    streamer.send(final(2, text="x" * 5000))  # too long: INVALID_ARGUMENT
    streamer.send(final(3))
    assert await streamer.wait_acknowledged(30)
    assert await streamer.aclose() == 0
    assert streamer.dropped == [2]
    assert await stored_seqs(client, call_id) == [1, 3]


async def test_an_unknown_call_stops_the_streamer(client: Client) -> None:
    streamer = TranscriptStreamer(client, "c_" + "0" * 24)
    streamer.start()
    streamer.send(final(1))
    assert await streamer.wait_acknowledged(30)  # settled: nothing more can happen
    assert streamer.error is not None
    assert streamer.error.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(RuntimeError):
        streamer.send(final(2))
    assert await streamer.aclose(timeout=1) == 1


async def test_close_with_nothing_pending_returns_at_once(client: Client) -> None:
    call_id = await create_call(client)
    streamer = TranscriptStreamer(client, call_id)
    streamer.start()
    streamer.send(final(1))
    assert await streamer.wait_acknowledged(30)
    assert await asyncio.wait_for(streamer.aclose(), 10) == 0
